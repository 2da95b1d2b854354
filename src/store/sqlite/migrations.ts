/**
 * The SQLite schema, as an ordered list of migrations. `PRAGMA user_version` records the
 * last one applied; each runs in its own transaction with the version bump, so a crash
 * never leaves a half-migrated file.
 *
 * Stable: never edit or reorder an entry that has shipped; append a new one.
 */
import type { Database } from "better-sqlite3";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "accounts and queued messages",
    sql: `
      CREATE TABLE accounts (
        folded        TEXT PRIMARY KEY,      -- the name folded to lower case: unique key (docs/wire.md#names)
        name          TEXT NOT NULL,         -- the display name, as created
        password_hash TEXT,                  -- passwords.ts format; NULL: no password
        created_at    INTEGER NOT NULL       -- ms since the epoch
      ) WITHOUT ROWID;

      CREATE TABLE messages (
        id        INTEGER PRIMARY KEY,       -- increasing: delivery order
        recipient TEXT NOT NULL REFERENCES accounts(folded) ON DELETE CASCADE,
        sender    TEXT NOT NULL,             -- display name of the sender
        body      TEXT NOT NULL,
        sent_at   INTEGER NOT NULL           -- ms since the epoch
      );

      CREATE INDEX messages_by_recipient ON messages(recipient, id);
    `,
  },
];

/** Bring `db` up to the latest schema; refuses a file written by a newer version. */
export function migrate(db: Database): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (current > latest) {
    throw new Error(`the store's schema is version ${current}, newer than this server's ${latest}: upgrade the server`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}
