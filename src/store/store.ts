/**
 * The durable store: what must outlive a process. Today accounts and the messages
 * queued for them (cs262, docs/cs262.md#accounts); later file metadata. The embedded SQLite store
 * (sqlite/) is the default, the memory store serves tests; a distributed engine can
 * implement the same interface. test/store/store.contract.ts is the contract every
 * implementation must pass. The hub reaches it only through its ports, implemented
 * here over it: accounts.ts (Accounts) and mailbox.ts (Mailbox).
 *
 * Names are passed as users typed them; a store compares them folded (case-insensitive,
 * docs/wire.md#names) and keeps the display name as created.
 *
 * Rules every implementation keeps:
 * 1. A write's promise resolves only once the write is durable (for SQLite: committed
 *    and synced to disk). Callers acknowledge to users only after it resolves.
 * 2. Writes take effect in the order they were called; a read sees every write called
 *    before it.
 * 3. Expected outcomes (an existing account, an unknown name) are results, never
 *    rejections; a rejection means the store could not do its job (disk full, I/O).
 */
import type { QueuedMail } from "../core/ports.js";

export interface Account {
  /** The display name, as created. */
  readonly name: string;
  /** The salted password hash (see passwords.ts), or undefined: no password. */
  readonly passwordHash: string | undefined;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** A message queued for an account: the hub's QueuedMail (id, from, text, sentAt). */
export type QueuedMessage = QueuedMail;

export interface Store {
  /**
   * True when `name` owns an account. Synchronous and answered locally, because the hub
   * asks it on every join (names of accounts are reserved, docs/wire.md#reserved-names) and for every
   * direct message to an offline name. May lag writes still in flight, which is safe:
   * an account is created and deleted only while its owner holds the name online.
   */
  isAccount(name: string): boolean;
  /** Creates the account unless one exists under that name (any case): false then. */
  createAccount(name: string, passwordHash: string | undefined): Promise<boolean>;
  findAccount(name: string): Promise<Account | undefined>;
  /**
   * Display names of accounts whose name matches `pattern` (a shell glob, see glob.ts:
   * `*`, `?`, `[...]`, case-insensitive; undefined matches all),
   * in the order of their folded names, at most `limit` of them.
   */
  listAccounts(pattern: string | undefined, limit: number): Promise<string[]>;
  /** Deletes the account and every message queued for it; false when there was none. */
  deleteAccount(name: string): Promise<boolean>;
  /**
   * Queues a message for the account `to`; nothing is stored when there is no such
   * account (callers check isAccount first). The promise may be shared by every write
   * of one batch: no promise per message is required.
   */
  enqueue(to: string, from: string, text: string): Promise<void>;
  /**
   * How many messages are queued for `name` (0 for no account), counting every enqueue
   * called so far. Synchronous, like isAccount: the hub's Mailbox asks it for every
   * direct message to an offline account, to keep the mailbox under its cap. May count
   * high while a write is in flight (never low), which errs on the safe side.
   */
  queuedCount(name: string): number;
  /** Messages queued for `name` with an id above `afterId`, oldest first, at most `limit`. */
  peekQueued(name: string, afterId: number, limit: number): Promise<QueuedMessage[]>;
  /** Removes the messages queued for `name` up to and including id `throughId` (delivered). */
  dropQueued(name: string, throughId: number): Promise<void>;
  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}
