/**
 * The embedded Store: one SQLite file, `<data-dir>/switchboard.db` (better-sqlite3).
 *
 * Durability (Store rule 1): WAL journal with `synchronous = FULL`, so a commit returns
 * only after the WAL is fsynced, and a write's promise resolves only after its commit.
 * (`NORMAL` would survive a killed process but could lose the last commits on power loss
 * or an OS crash; an acknowledged message must survive both.) Writes are group-committed
 * (group-commit.ts): one fsync per event-loop turn however many writes it holds.
 *
 * better-sqlite3 is synchronous. Reads are indexed point or range queries of a few
 * microseconds; the only costly call is the commit's fsync, paid once per batch. An
 * online chat message never reaches this file.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { foldName } from "../../core/names.js";
import { globToSqlite } from "../glob.js";
import type { Account, QueuedMessage, Store } from "../store.js";
import { GroupCommit } from "./group-commit.js";
import { migrate } from "./migrations.js";

export const STORE_FILE = "switchboard.db";

interface AccountRow {
  name: string;
  password_hash: string | null;
  created_at: number;
}

interface MessageRow {
  id: number;
  sender: string;
  body: string;
  sent_at: number;
}

export class SqliteStore implements Store {
  /** The database file. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly writes: GroupCommit;
  private readonly sql;
  /**
   * Queued messages per folded name, for queuedCount without a query per message:
   * counted once from the table, then kept by enqueue. A drop or delete forgets the
   * entry (the next call counts again), so a rolled-back batch can never leave it low.
   */
  private readonly counts = new Map<string, number>();

  /** Opens (creating if needed) `<dataDir>/switchboard.db` and migrates it. */
  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, STORE_FILE);
    const db = new Database(this.path);
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      // Another process holding the write lock (a second server on the same directory)
      // is waited for briefly rather than failing at once.
      db.pragma("busy_timeout = 5000");
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.writes = new GroupCommit(db);
    this.sql = {
      isAccount: db.prepare<[string], number>("SELECT 1 FROM accounts WHERE folded = ?").pluck(),
      findAccount: db.prepare<[string], AccountRow>("SELECT name, password_hash, created_at FROM accounts WHERE folded = ?"),
      listAccounts: db.prepare<[string, number], string>(
        "SELECT name FROM accounts WHERE folded GLOB ? ORDER BY folded LIMIT ?",
      ).pluck(),
      createAccount: db.prepare<[string, string, string | null, number]>(
        "INSERT OR IGNORE INTO accounts (folded, name, password_hash, created_at) VALUES (?, ?, ?, ?)",
      ),
      deleteMessages: db.prepare<[string]>("DELETE FROM messages WHERE recipient = ?"),
      deleteAccount: db.prepare<[string]>("DELETE FROM accounts WHERE folded = ?"),
      // Through SELECT: a message for an account that no longer exists stores nothing
      // instead of failing the foreign key and with it the whole batch.
      enqueue: db.prepare<[string, string, number, string]>(
        "INSERT INTO messages (recipient, sender, body, sent_at) SELECT folded, ?, ?, ? FROM accounts WHERE folded = ?",
      ),
      countQueued: db.prepare<[string], number>("SELECT COUNT(*) FROM messages WHERE recipient = ?").pluck(),
      peekQueued: db.prepare<[string, number, number], MessageRow>(
        "SELECT id, sender, body, sent_at FROM messages WHERE recipient = ? AND id > ? ORDER BY id LIMIT ?",
      ),
      dropQueued: db.prepare<[string, number]>("DELETE FROM messages WHERE recipient = ? AND id <= ?"),
    };
  }

  isAccount(name: string): boolean {
    return this.sql.isAccount.get(foldName(name)) !== undefined;
  }

  async createAccount(name: string, passwordHash: string | undefined): Promise<boolean> {
    let created = false;
    await this.writes.add(() => {
      created = this.sql.createAccount.run(foldName(name), name, passwordHash ?? null, Date.now()).changes === 1;
    });
    return created;
  }

  async findAccount(name: string): Promise<Account | undefined> {
    this.writes.commit();
    const row = this.sql.findAccount.get(foldName(name));
    return row && { name: row.name, passwordHash: row.password_hash ?? undefined, createdAt: row.created_at };
  }

  async listAccounts(pattern: string | undefined, limit: number): Promise<string[]> {
    this.writes.commit();
    return this.sql.listAccounts.all(pattern === undefined ? "*" : globToSqlite(foldName(pattern)), Math.max(0, limit));
  }

  async deleteAccount(name: string): Promise<boolean> {
    const key = foldName(name);
    this.counts.delete(key);
    let deleted = false;
    await this.writes.add(() => {
      this.sql.deleteMessages.run(key);
      deleted = this.sql.deleteAccount.run(key).changes === 1;
    });
    return deleted;
  }

  enqueue(to: string, from: string, text: string): Promise<void> {
    const key = foldName(to);
    const at = Date.now();
    const count = this.counts.get(key);
    if (count !== undefined) this.counts.set(key, count + 1);
    return this.writes.add(() => void this.sql.enqueue.run(from, text, at, key));
  }

  queuedCount(name: string): number {
    const key = foldName(name);
    let count = this.counts.get(key);
    if (count === undefined) {
      // Commit first, so the count includes every enqueue called so far (rule 2).
      this.writes.commit();
      count = this.sql.countQueued.get(key) ?? 0;
      this.counts.set(key, count);
    }
    return count;
  }

  async peekQueued(name: string, afterId: number, limit: number): Promise<QueuedMessage[]> {
    this.writes.commit();
    return this.sql.peekQueued
      .all(foldName(name), afterId, Math.max(0, limit))
      .map((r) => ({ id: r.id, from: r.sender, text: r.body, sentAt: r.sent_at }));
  }

  dropQueued(name: string, throughId: number): Promise<void> {
    const key = foldName(name);
    this.counts.delete(key);
    return this.writes.add(() => void this.sql.dropQueued.run(key, throughId));
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.writes.commit();
    this.db.close();
  }

  /** For tests: a pragma's current value. */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }
}
