/**
 * The hub's Mailbox (src/core/ports.ts) over the Store: a direct message to an offline
 * account is queued in the store (WIRE.md 2 and 4). accept() answers at once from
 * Store.isAccount; the write itself joins the store's next batch, and whenDurable()
 * reports when it is on disk.
 */
import type { Mailbox } from "../core/ports.js";
import type { Store } from "./store.js";

export class StoreMailbox implements Mailbox {
  /** The write of the last accepted message; batches commit in order, so it settles last. */
  private last: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  accept(from: string, to: string, text: string): boolean {
    if (!this.store.isAccount(to)) return false;
    this.last = this.store.enqueue(to, from, text);
    return true;
  }

  whenDurable(done: (err?: Error) => void): void {
    const last = this.last;
    if (last === undefined) return done();
    last.then(
      () => done(),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
