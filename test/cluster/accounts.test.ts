/**
 * The cluster's Accounts (src/cluster/cluster-accounts.ts) against a real nats-server:
 * the Accounts contract, then two nodes (two connections) sharing one namespace, as two
 * `switchboard serve --cluster` processes do (docs/cluster.md#accounts-and-mail).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ClusterAccounts } from "../../src/cluster/cluster-accounts.js";
import { clusterKeys, keyName, nameKey, type ClusterKeys } from "../../src/cluster/keys.js";
import { accountsContract } from "../core/ports/accounts.contract.js";
import { NATS_SKIP, startNatsServer, type NatsServer } from "../helpers/nats-server.js";
import { eventually } from "../helpers/signals.js";

describe("cluster accounts over NATS KV", { skip: NATS_SKIP }, () => {
  let server: NatsServer;
  /** Node A's and node B's connections. */
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let namespaces = 0;
  const freshKeys = (): ClusterKeys => clusterKeys(`t${++namespaces}`);

  before(async () => {
    server = await startNatsServer();
    ncA = await connect({ servers: server.url });
    ncB = await connect({ servers: server.url });
  });
  after(async () => {
    await Promise.all([ncA?.close(), ncB?.close()]);
    await server?.dispose();
  });

  accountsContract("ClusterAccounts", {
    open: async () => {
      const accounts = await ClusterAccounts.open(ncA, { keys: freshKeys() });
      return { accounts, close: () => accounts.close() };
    },
  });

  /** The same namespace opened on node A and on node B. */
  async function twoNodes(): Promise<{ a: ClusterAccounts; b: ClusterAccounts; keys: ClusterKeys; close: () => Promise<void> }> {
    const keys = freshKeys();
    const a = await ClusterAccounts.open(ncA, { keys });
    const b = await ClusterAccounts.open(ncB, { keys });
    return { a, b, keys, close: async () => void (await Promise.all([a.close(), b.close()])) };
  }

  it("an account made on A is one on B, and its password lets it in on B", async () => {
    const { a, b, close } = await twoNodes();
    try {
      assert.equal(await a.create("Olga", "s3cret"), "created");
      await eventually(() => b.isAccount("OLGA"), (known) => known, 5_000);
      assert.deepEqual(await b.authenticate("olga", "s3cret"), { outcome: "ok", name: "Olga" });
      assert.deepEqual(await b.authenticate("olga", "wrong"), { outcome: "wrong_password" });
      assert.deepEqual(await b.list({ kind: "glob", text: "o*" }, 10), ["Olga"]);
      assert.equal(await b.create("olga", undefined), "exists", "B knows it from its replica");
    } finally {
      await close();
    }
  });

  it("a node opened later holds every account made before, at once", async () => {
    const keys = freshKeys();
    const a = await ClusterAccounts.open(ncA, { keys });
    const names = Array.from({ length: 40 }, (_, i) => `user${i}`);
    await Promise.all(names.map((n) => a.create(n, undefined)));
    assert.equal(await a.delete("user7"), true);
    const b = await ClusterAccounts.open(ncB, { keys });
    try {
      assert.equal(b.size, 39);
      assert.equal(b.isAccount("user39"), true);
      assert.equal(b.isAccount("user7"), false);
      assert.deepEqual(await b.list({ kind: "all" }, 3), ["user0", "user1", "user10"]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("of one name made on A and on B at once, exactly one account is made", async () => {
    const { a, b, close } = await twoNodes();
    try {
      for (let round = 0; round < 5; round++) {
        const made = await Promise.all([a.create(`race${round}`, "from-a"), b.create(`RACE${round}`, "from-b")]);
        assert.deepEqual([...made].sort(), ["created", "exists"], `round ${round}`);
        const winner = made[0] === "created" ? "from-a" : "from-b";
        assert.equal((await a.authenticate(`race${round}`, winner)).outcome, "ok");
        assert.equal((await b.authenticate(`race${round}`, winner)).outcome, "ok");
      }
    } finally {
      await close();
    }
  });

  it("a deletion on B is seen on A, and a password set again on A a moment ago counts on B", async () => {
    const { a, b, close } = await twoNodes();
    try {
      await a.create("pat", "first");
      await eventually(() => b.isAccount("pat"), (known) => known, 5_000);
      assert.equal(await b.delete("PAT"), true);
      assert.equal(b.isAccount("pat"), false, "B's own deletion counts on B at once");
      await eventually(() => a.isAccount("pat"), (known) => !known, 5_000);
      assert.equal(await b.delete("pat"), false);
      assert.equal(await a.create("Pat", "second"), "created");
      // No wait for B's replica: a login reads the account afresh.
      assert.deepEqual(await b.authenticate("pat", "second"), { outcome: "ok", name: "Pat" });
      assert.deepEqual(await b.authenticate("pat", "first"), { outcome: "wrong_password" });
    } finally {
      await close();
    }
  });

  it("keeps no password in the clear in NATS", async () => {
    const keys = freshKeys();
    const a = await ClusterAccounts.open(ncA, { keys });
    try {
      await a.create("quinn", "plain-text-password");
      const { Kvm } = await import("@nats-io/kv");
      const kv = await new Kvm(ncB).open(keys.accountsBucket);
      const entry = await kv.get(nameKey("quinn"));
      assert.ok(entry !== null);
      const stored = Buffer.from(entry.value).toString("latin1");
      assert.ok(!stored.includes("plain-text-password"));
      assert.match(stored, /scrypt\$/);
    } finally {
      await a.close();
    }
  });

  it("gives names outside the wire's rules keys of their own, and back", () => {
    for (const name of ["a%b", "x.y", "a=b", "a/b", "ü", "a b", "😀", "a.b.c"]) {
      const key = nameKey(name);
      assert.match(key, /^[-/=\w]+$/, `${name} -> ${key}`);
      assert.equal(keyName(key), name);
    }
    assert.equal(nameKey("x.y"), "x=y", "a valid name's key is as before");
    assert.notEqual(nameKey("a=b"), nameKey("a.b"));
  });
});
