/**
 * The durability promise (docs/wire.md#offline-mail): the RESPONSE to a SEND that was queued for
 * an offline account leaves only after the store has reported the write durable. A
 * store whose writes wait for the test makes the order observable.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hub } from "../../src/core/hub.js";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { silentLog } from "../../src/log/ops-log.js";
import { cs262Dialect } from "../../src/protocols/cs262/index.js";
import { StoreAccounts } from "../../src/store/accounts.js";
import { StoreMailbox } from "../../src/store/mailbox.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { TcpListener } from "../../src/transport/tcp-listener.js";
import { RawCs262 } from "../helpers/cs262-wire.js";

/** A MemoryStore whose queued messages become durable only when the test says so. */
class GatedStore extends MemoryStore {
  private gates: { release: (err?: Error) => void }[] = [];

  override enqueue(to: string, from: string, text: string): Promise<void> {
    const stored = super.enqueue(to, from, text);
    return new Promise((resolve, reject) => {
      this.gates.push({ release: (err) => (err ? reject(err) : stored.then(resolve, reject)) });
    });
  }

  get waiting(): number {
    return this.gates.length;
  }

  release(err?: Error): void {
    for (const g of this.gates.splice(0)) g.release(err);
  }
}

async function serve(store: GatedStore) {
  const limits = DEFAULT_LIMITS;
  const hub = new Hub({ limits, accounts: new StoreAccounts(store), mailbox: new StoreMailbox(store) });
  const tcp = new TcpListener({ dialect: cs262Dialect({ hub, log: silentLog, limits }), host: "127.0.0.1", port: 0, limits, log: silentLog });
  const { port } = await tcp.listen();
  return { hub, port, close: () => tcp.close() };
}

describe("cs262 acknowledges queued messages only once durable", { timeout: 20_000 }, () => {
  it("holds the RESPONSE to a queued SEND, and the next request, until the write is durable", async () => {
    const store = new GatedStore();
    await store.createAccount("bob", undefined);
    const server = await serve(store);
    try {
      const alice = await RawCs262.account(server.port, "alice");
      alice.send({ command: 3, sender: "alice", recipient: "bob", message: "kept" });
      alice.send({ command: 2, pattern: "bo*" }); // answered only after the SEND's RESPONSE
      await waitFor(() => store.waiting === 1);
      assert.equal(await alice.quiet(200), true, "no answer before the store reports durable");
      store.release();
      assert.equal(await alice.response(), "");
      assert.deepEqual((await alice.next())?.command, 8);
      alice.close();
    } finally {
      await server.close();
    }
  });

  it("answers an error when the store cannot keep the message, and the connection goes on", async () => {
    const store = new GatedStore();
    await store.createAccount("bob", undefined);
    const server = await serve(store);
    try {
      const alice = await RawCs262.account(server.port, "alice");
      alice.send({ command: 3, sender: "alice", recipient: "bob", message: "lost" });
      await waitFor(() => store.waiting === 1);
      store.release(new Error("disk full"));
      assert.equal(await alice.response(), "could not store; try again later");
      assert.deepEqual(await alice.list(), ["alice", "bob"]);
      alice.close();
    } finally {
      await server.close();
    }
  });
});

async function waitFor(ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
