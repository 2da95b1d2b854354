/**
 * What a test peer has received and not read yet: items are handed out one at a time and
 * in order to `next()`, which waits for one when none is held. Once closed, a waiting or
 * later `next()` gets undefined (after the items still held have been read).
 */
import type { EventEmitter } from "node:events";

export class Inbox<T> {
  private readonly items: T[] = [];
  private waiters: ((item: T | undefined) => void)[] = [];
  private ended = false;

  /** How many items are held, unread. */
  get length(): number {
    return this.items.length;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.ended;
  }

  /** Hand `item` to the longest waiting `next()`, or hold it for the next one. */
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  }

  /** Nothing more will come: every waiting `next()` gets undefined now. */
  close(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Close when `source` emits "close" (a socket, say); resolves then. */
  closeOn(source: EventEmitter): Promise<void> {
    return new Promise((resolve) =>
      source.on("close", () => {
        this.close();
        resolve();
      }),
    );
  }

  /** The next item, or undefined once closed; rejects with "no <what> within <ms> ms". */
  next(ms: number, what: string): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${what} within ${ms} ms`));
      }, ms);
      const waiter = (item: T | undefined): void => {
        clearTimeout(timer);
        resolve(item);
      };
      this.waiters.push(waiter);
    });
  }

  /** True when no item is held now nor arrives within `ms` (nothing is taken out). */
  async quiet(ms: number): Promise<boolean> {
    if (this.items.length > 0) return false;
    await new Promise((r) => setTimeout(r, ms));
    return this.items.length === 0;
  }

  /** Every held item, taken out. */
  takeAll(): T[] {
    return this.items.splice(0);
  }
}
