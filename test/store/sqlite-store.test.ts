/** The Store contract against SQLite, plus what only SQLite has: the file, pragmas, migrations, batching. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/server.js";
import { storeContract } from "./store.contract.js";

storeContract("SqliteStore", {
  open: () => {
    const dir = tempDir("sb-store-");
    return { store: new SqliteStore(dir), reopen: () => new SqliteStore(dir) };
  },
});

describe("SqliteStore specifics", () => {
  it("keeps one file, <data-dir>/switchboard.db, creating the directory", async () => {
    const dir = join(tempDir("sb-store-"), "nested", "data");
    const store = new SqliteStore(dir);
    assert.equal(store.path, join(dir, "switchboard.db"));
    assert.ok(existsSync(store.path));
    await store.close();
  });

  it("runs in WAL mode with synchronous=FULL and foreign keys on", async () => {
    const store = new SqliteStore(tempDir("sb-store-"));
    assert.equal(store.pragma("journal_mode"), "wal");
    assert.equal(store.pragma("synchronous"), 2); // FULL
    assert.equal(store.pragma("foreign_keys"), 1);
    await store.close();
  });

  it("records the schema version and migrates an empty file once", async () => {
    const dir = tempDir("sb-store-");
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    const store = new SqliteStore(dir);
    assert.equal(store.pragma("user_version"), latest);
    await store.createAccount("x", undefined);
    await store.close();
    const again = new SqliteStore(dir); // a second open must not re-run migration 1
    assert.equal(again.isAccount("x"), true);
    await again.close();
  });

  it("refuses a file whose schema is newer than this server knows", () => {
    const dir = tempDir("sb-store-");
    const db = new Database(join(dir, "switchboard.db"));
    db.pragma("user_version = 999");
    db.close();
    assert.throws(() => new SqliteStore(dir), /schema is version 999, newer than this server's/);
  });

  it("commits the writes of one event-loop turn together and they share one promise", async () => {
    const store = new SqliteStore(tempDir("sb-store-"));
    await store.createAccount("q", undefined);
    const promises = Array.from({ length: 100 }, (_, i) => store.enqueue("q", "s", `m${i}`));
    assert.equal(new Set(promises).size, 1, "one batch, one promise");
    await promises[0];
    // Committed: visible to a second connection to the file.
    const db = new Database(store.path, { readonly: true });
    assert.equal(db.prepare("SELECT count(*) FROM messages").pluck().get(), 100);
    db.close();
    await store.close();
  });

  it("rejects every write of a batch that fails, without an unhandled rejection", async () => {
    const store = new SqliteStore(tempDir("sb-store-"));
    await store.createAccount("r", undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      // Another connection drops the table under the store: its next commit fails.
      const db = new Database(store.path);
      db.exec("DROP TABLE messages");
      db.close();
      const awaited = store.enqueue("r", "s", "one");
      void store.enqueue("r", "s", "two"); // nobody awaits this one
      await assert.rejects(awaited, /no such table/);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await store.close();
    }
  });
});
