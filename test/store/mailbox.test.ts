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
    assert.equal(mailbox.accept("a", "carol", "one"), "queued");
    assert.equal(mailbox.accept("b", "CAROL", "two"), "queued");
    assert.equal(mailbox.accept("a", "dave", "lost"), "not_an_account");
    assert.equal(await durable(mailbox), undefined);
    assert.deepEqual((await store.peekQueued("carol", 0, 10)).map((m) => [m.from, m.text]), [["a", "one"], ["b", "two"]]);
  });

  for (const [kind, open] of [
    ["memory", () => new MemoryStore()],
    ["sqlite", () => new SqliteStore(tempDir("sb-mailbox-"))],
  ] as const) {
    it(`keeps at most the limit per account, and takes more once some are delivered (${kind})`, async () => {
      const store = open();
      await store.createAccount("carol", undefined);
      await store.createAccount("dave", undefined);
      const mailbox = new StoreMailbox(store, 3);
      for (let i = 0; i < 3; i++) assert.equal(mailbox.accept("a", "carol", `m${i}`), "queued");
      assert.equal(mailbox.accept("a", "Carol", "over"), "full", "counted before the batch is even committed");
      assert.equal(mailbox.accept("a", "dave", "other box"), "queued", "the cap is per account");
      assert.equal(await durable(mailbox), undefined);
      const queued = await store.peekQueued("carol", 0, 10);
      assert.deepEqual(queued.map((m) => m.text), ["m0", "m1", "m2"]);
      await store.dropQueued("carol", queued[1]!.id);
      assert.equal(mailbox.accept("a", "carol", "m3"), "queued");
      assert.equal(mailbox.accept("a", "carol", "m4"), "queued");
      assert.equal(mailbox.accept("a", "carol", "m5"), "full");
      await durable(mailbox);
      assert.deepEqual((await store.peekQueued("carol", 0, 10)).map((m) => m.text), ["m2", "m3", "m4"]);
      await store.close();
    });
  }

  it("counts a mailbox kept from an earlier run of the store", async () => {
    const dir = tempDir("sb-mailbox-");
    const first = new SqliteStore(dir);
    await first.createAccount("carol", undefined);
    for (let i = 0; i < 2; i++) await first.enqueue("carol", "a", `m${i}`);
    await first.close();
    const store = new SqliteStore(dir);
    const mailbox = new StoreMailbox(store, 3);
    assert.equal(mailbox.accept("a", "carol", "m2"), "queued");
    assert.equal(mailbox.accept("a", "carol", "m3"), "full");
    await durable(mailbox);
    await store.close();
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
    assert.equal(mailbox.accept("a", "carol", "one"), "queued");
    const err = await durable(mailbox);
    assert.match(String(err), /no such table/);
    await store.close();
  });
});
