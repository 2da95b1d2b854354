import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MemoryStore } from "../../src/store/memory-store.js";
import { StoreMailbox } from "../../src/store/mailbox.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/server.js";

const durable = (mailbox: StoreMailbox): Promise<Error | undefined> => new Promise((resolve) => mailbox.whenDurable(resolve));

describe("StoreMailbox (the hub's Mailbox over the Store)", () => {
  it("takes messages for accounts only, and queues them in order", async () => {
    const store = new MemoryStore();
    await store.createAccount("Carol", undefined);
    const mailbox = new StoreMailbox(store);
    assert.equal(mailbox.accept("a", "carol", "one"), true);
    assert.equal(mailbox.accept("b", "CAROL", "two"), true);
    assert.equal(mailbox.accept("a", "dave", "lost"), false);
    assert.equal(await durable(mailbox), undefined);
    assert.deepEqual((await store.peekQueued("carol", 0, 10)).map((m) => [m.from, m.text]), [["a", "one"], ["b", "two"]]);
  });

  it("reports durable only once the SQLite batch is committed", async () => {
    const store = new SqliteStore(tempDir("sb-mailbox-"));
    await store.createAccount("carol", undefined);
    const mailbox = new StoreMailbox(store);
    assert.equal(await durable(mailbox), undefined, "nothing accepted yet: durable at once");
    mailbox.accept("a", "carol", "one");
    let done = false;
    mailbox.whenDurable(() => (done = true));
    assert.equal(done, false, "not before the commit");
    await durable(mailbox);
    assert.equal(done, true);
    await store.close();
  });

  it("passes on the error of a batch that could not be stored", async () => {
    const store = new SqliteStore(tempDir("sb-mailbox-"));
    await store.createAccount("carol", undefined);
    const mailbox = new StoreMailbox(store);
    // Another connection drops the table under the store: the next commit fails.
    const db = new Database(store.path);
    db.exec("DROP TABLE messages");
    db.close();
    assert.equal(mailbox.accept("a", "carol", "one"), true);
    const err = await durable(mailbox);
    assert.match(String(err), /no such table/);
    await store.close();
  });
});
