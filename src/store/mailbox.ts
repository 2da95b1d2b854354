/**
 * The hub's Mailbox (src/core/ports.ts) over the Store: a direct message to an offline
 * account is queued in the store (docs/wire.md#offline-mail). accept() answers at once from
 * Store.isAccount and Store.queuedCount; the write itself joins the store's next batch,
 * and whenDurable() reports when it is on disk.
 *
 * What is queued is handed out in pages (page) and removed once handed out (remove),
 * so a crash between the two hands it out again rather than losing it.
 *
 * A mailbox holds at most `limit` messages (--mailbox-limit): past it the sender is told
 * (`mailbox_full`, each dialect's error), so one account that never logs in cannot make
 * the store grow without end.
 */
import type { Mailbox, MailboxResult, QueuedMail } from "../core/ports.js";
import type { Store } from "./store.js";

export class StoreMailbox implements Mailbox {
  /** The write of the last accepted message; batches commit in order, so it settles last. */
  private last: Promise<void> | undefined;

  /** @param limit most messages kept per account; 0: no limit. Changed live on SIGHUP. */
  constructor(
    private readonly store: Store,
    public limit = 0,
  ) {}

  accept(from: string, to: string, text: string): MailboxResult {
    if (!this.store.isAccount(to)) return "not_an_account";
    if (this.limit > 0 && this.store.queuedCount(to) >= this.limit) return "full";
    this.last = this.store.enqueue(to, from, text);
    return "queued";
  }

  whenDurable(done: (err?: Error) => void): void {
    const last = this.last;
    if (last === undefined) return done();
    last.then(
      () => done(),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }

  page(account: string, after: number, limit: number): Promise<readonly QueuedMail[]> {
    return this.store.peekQueued(account, after, limit);
  }

  remove(account: string, through: number): Promise<void> {
    return this.store.dropQueued(account, through);
  }
}
