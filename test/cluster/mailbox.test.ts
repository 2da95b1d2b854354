/**
 * The cluster's Mailbox (src/cluster/cluster-mailbox.ts) against real nats-servers: the
 * Mailbox contract; two nodes (two connections) sharing one namespace; the limit while
 * it changes; a 3-server NATS cluster losing a server; NATS gone
 * (docs/cluster.md#accounts-and-mail).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ClusterAccounts } from "../../src/cluster/cluster-accounts.js";
import { ClusterMailbox } from "../../src/cluster/cluster-mailbox.js";
import { clusterKeys, type ClusterKeys } from "../../src/cluster/keys.js";
import type { QueuedMail } from "../../src/core/ports.js";
import { mailboxContract } from "../core/ports/mailbox.contract.js";
import {
  connectToCluster,
  NATS_SKIP,
  startNatsCluster,
  startNatsWithConnections,
  type NatsCluster,
  type NatsWithConnections,
} from "../helpers/nats-server.js";
import { eventually, retry } from "../helpers/signals.js";

const texts = (mail: readonly QueuedMail[]): string[] => mail.map((m) => m.text);

/** One node: its accounts and its mailbox over `nc`. */
interface Node {
  readonly accounts: ClusterAccounts;
  readonly mailbox: ClusterMailbox;
  close(): Promise<void>;
}

async function openNode(nc: NatsConnection, keys: ClusterKeys, options: { limit?: number; replicas?: number; timeoutMs?: number } = {}): Promise<Node> {
  const accounts = await ClusterAccounts.open(nc, { keys, ...options });
  let mailbox: ClusterMailbox;
  try {
    mailbox = await ClusterMailbox.open(nc, { keys, accounts, ...options });
  } catch (err) {
    await accounts.close();
    throw err;
  }
  return {
    accounts,
    mailbox,
    close: async () => {
      await mailbox.close();
      await accounts.close();
    },
  };
}

/** Every message of `account`'s mailbox, a page of `size` at a time. */
async function readAll(mailbox: ClusterMailbox, account: string, size = 256): Promise<QueuedMail[]> {
  const all: QueuedMail[] = [];
  for (;;) {
    const page = await mailbox.page(account, all.at(-1)?.id ?? 0, size);
    all.push(...page);
    if (page.length < size) return all;
  }
}

describe("cluster mailbox over a NATS stream", { skip: NATS_SKIP }, () => {
  let nats: NatsWithConnections;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let namespaces = 0;
  const freshKeys = (): ClusterKeys => clusterKeys(`m${++namespaces}`);

  before(async () => {
    nats = await startNatsWithConnections(2);
    [ncA, ncB] = nats.connections as [NatsConnection, NatsConnection];
  });
  after(async () => {
    await nats?.dispose();
  });

  mailboxContract("ClusterMailbox", {
    open: async (limit) => {
      const node = await openNode(ncA, freshKeys(), { limit });
      return { mailbox: node.mailbox, accounts: node.accounts, close: node.close };
    },
  });

  describe("two nodes", () => {
    let keys: ClusterKeys;
    let a: Node;
    let b: Node;
    before(async () => {
      keys = freshKeys();
      a = await openNode(ncA, keys, { limit: 5 });
      b = await openNode(ncB, keys, { limit: 5 });
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    /** An account made on A, known on B. */
    async function account(name: string): Promise<void> {
      assert.equal(await a.accounts.create(name, undefined), "created");
      await eventually(() => b.accounts.isAccount(name), (known) => known, 5_000);
    }

    it("mail accepted on A is paged on B in order, and once removed on B is gone on A", async () => {
      await account("Rita");
      for (const t of ["one", "two", "three"]) assert.equal(await a.mailbox.accept("sam", "rita", t), "queued");
      const page = await b.mailbox.page("RITA", 0, 10);
      assert.deepEqual(texts(page), ["one", "two", "three"]);
      assert.deepEqual(page.map((m) => m.from), ["sam", "sam", "sam"]);
      await b.mailbox.remove("rita", page.at(-1)!.id);
      assert.deepEqual(await a.mailbox.page("rita", 0, 10), []);
      assert.deepEqual(await b.mailbox.page("rita", 0, 10), [], "handed out once");
    });

    it("holds the limit across A and B together: 3 via A and 3 via B at once, exactly 5 kept", async () => {
      await account("tess");
      const sent = await Promise.all([
        ...[1, 2, 3].map((i) => a.mailbox.accept("x", "tess", `a${i}`)),
        ...[1, 2, 3].map((i) => b.mailbox.accept("y", "TESS", `b${i}`)),
      ]);
      assert.equal(sent.filter((r) => r === "queued").length, 5, sent.join(","));
      assert.equal(sent.filter((r) => r === "full").length, 1, sent.join(","));
      const kept = await a.mailbox.page("tess", 0, 10);
      assert.equal(kept.length, 5);
      assert.ok(kept.every((m, i) => i === 0 || m.id > kept[i - 1]!.id));
    });

    it("a deletion on B removes the account and its mail for A", async () => {
      await account("uma");
      await a.mailbox.accept("x", "uma", "kept");
      assert.equal(await b.accounts.delete("uma"), true);
      await eventually(() => a.accounts.isAccount("uma"), (known) => !known, 5_000);
      assert.equal(await a.mailbox.accept("x", "uma", "late"), "not_an_account");
      assert.deepEqual(await a.mailbox.page("uma", 0, 10), []);
      assert.equal(await a.accounts.create("uma", undefined), "created");
      assert.deepEqual(await b.mailbox.page("uma", 0, 10), [], "a new account of the name starts empty");
    });
  });

  it("hands out a long mailbox a page at a time, in order, each message once", async () => {
    const node = await openNode(ncA, freshKeys());
    try {
      await node.accounts.create("vic", undefined);
      const sent = Array.from({ length: 600 }, (_, i) => `m${i}`);
      // Accepted together (pipelined), as a busy server would: the order kept is the order acknowledged.
      const results = await Promise.all(sent.map((t) => node.mailbox.accept("w", "vic", t)));
      assert.ok(results.every((r) => r === "queued"));
      const started = performance.now();
      const first = await node.mailbox.page("vic", 0, 256);
      const pageMs = performance.now() - started;
      assert.equal(first.length, 256);
      const all = await readAll(node.mailbox, "vic");
      assert.equal(all.length, 600);
      assert.deepEqual(new Set(texts(all)).size, 600);
      assert.ok(all.every((m, i) => i === 0 || m.id > all[i - 1]!.id));
      // Pipelined publishes may be stored in another order than sent; ids are the stored order.
      assert.deepEqual([...texts(all)].sort(), [...sent].sort());
      await node.mailbox.remove("vic", first.at(-1)!.id);
      const rest = await readAll(node.mailbox, "vic");
      assert.deepEqual(rest, all.slice(256));
      console.log(`# a page of 256 read in ${pageMs.toFixed(1)} ms`);
    } finally {
      await node.close();
    }
  });

  describe("the limit, changed while running (SIGHUP)", () => {
    it("lowered, keeps every message already kept and refuses past the new limit; raised or lifted, takes more", async () => {
      const keys = freshKeys();
      const node = await openNode(ncA, keys, { limit: 5 });
      const other = await openNode(ncB, keys, { limit: 5 });
      const jsm = await jetstreamManager(ncA);
      const streamLimit = async (): Promise<number> => (await jsm.streams.info(keys.mailStream)).config.max_msgs_per_subject;
      try {
        await node.accounts.create("kim", undefined);
        await node.accounts.create("lee", undefined);
        await eventually(() => other.accounts.isAccount("lee"), (known) => known, 5_000);
        for (let i = 0; i < 4; i++) assert.equal(await node.mailbox.accept("x", "kim", `k${i}`), "queued");

        node.mailbox.limit = 2;
        await node.mailbox.whenLimitApplied();
        assert.deepEqual(texts(await node.mailbox.page("kim", 0, 10)), ["k0", "k1", "k2", "k3"], "nothing kept was dropped");
        assert.equal(await streamLimit(), 4, "the stream's limit stops at the fullest mailbox");
        assert.equal(await node.mailbox.accept("x", "kim", "over"), "full");
        assert.equal(await node.mailbox.accept("x", "lee", "l0"), "queued");
        assert.equal(await node.mailbox.accept("x", "lee", "l1"), "queued");
        assert.equal(await node.mailbox.accept("x", "lee", "l2"), "full", "the new limit holds for the others too");

        const kim = await node.mailbox.page("kim", 0, 10);
        await node.mailbox.remove("kim", kim[2]!.id); // kim keeps 1
        await node.mailbox.whenLimitApplied();
        assert.equal(await streamLimit(), 2, "once no mailbox holds more, the stream's limit comes down");
        assert.equal(await other.mailbox.accept("y", "lee", "via B"), "full", "and holds for every node");

        node.mailbox.limit = 3;
        await node.mailbox.whenLimitApplied();
        assert.equal(await streamLimit(), 3);
        assert.equal(await other.mailbox.accept("y", "lee", "l2"), "queued");
        assert.equal(await other.mailbox.accept("y", "lee", "l3"), "full");

        node.mailbox.limit = 0;
        await node.mailbox.whenLimitApplied();
        assert.equal(await streamLimit(), -1);
        for (let i = 0; i < 5; i++) assert.equal(await other.mailbox.accept("y", "lee", `more${i}`), "queued");
        assert.equal((await node.mailbox.page("lee", 0, 100)).length, 8);
      } finally {
        await Promise.all([node.close(), other.close()]);
      }
    });
  });
});

describe("cluster mailbox on a 3-server NATS cluster (replicas 3)", { skip: NATS_SKIP }, () => {
  let cluster: NatsCluster;
  let ncA: NatsConnection;
  let ncB: NatsConnection;

  before(async () => {
    cluster = await startNatsCluster(3);
    // Each node starts on another server, and knows them all to fail over to.
    ncA = await connectToCluster(cluster, 0);
    ncB = await connectToCluster(cluster, 1);
  });
  after(async () => {
    await Promise.all([ncA?.close(), ncB?.close()]);
    await cluster?.dispose();
  });

  it("mail acknowledged survives stopping the stream's leader, and paging goes on after", async () => {
    const keys = clusterKeys("r3");
    // The first open may come before every server has joined JetStream ("no suitable peers").
    const a = await retry(() => openNode(ncA, keys, { replicas: 3, limit: 100, timeoutMs: 5_000 }), 30_000);
    const b = await openNode(ncB, keys, { replicas: 3, limit: 100, timeoutMs: 5_000 });
    try {
      const jsm = await jetstreamManager(ncA);
      assert.equal((await jsm.streams.info(keys.mailStream)).config.num_replicas, 3);
      await a.accounts.create("wes", "pw");
      await eventually(() => b.accounts.isAccount("wes"), (known) => known, 5_000);
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
      for (const t of sent) assert.equal(await a.mailbox.accept("x", "wes", t), "queued");

      const leader = (await jsm.streams.info(keys.mailStream)).cluster?.leader;
      const stopped = cluster.servers.find((s) => s.name === leader);
      assert.ok(stopped, `the leader ${leader} is one of ours`);
      await stopped.stop();

      // A new leader is elected within seconds; until then a page may fail (it rejects, never hangs).
      const kept = await retry(() => readAll(b.mailbox, "wes", 16), 30_000);
      assert.deepEqual(texts(kept), sent);
      await retry(() => b.mailbox.remove("wes", kept[9]!.id), 30_000);
      assert.deepEqual(texts(await retry(() => readAll(a.mailbox, "wes", 16), 30_000)), sent.slice(10));
      assert.equal(await retry(() => a.mailbox.accept("x", "wes", "after"), 30_000), "queued");
      assert.deepEqual(texts(await retry(() => readAll(b.mailbox, "wes"), 30_000)).at(-1), "after");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("cluster mailbox without NATS", { skip: NATS_SKIP }, () => {
  let nats: NatsWithConnections;
  let nc: NatsConnection;
  before(async () => {
    nats = await startNatsWithConnections(1, { reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    nc = nats.connections[0]!;
  });
  after(async () => {
    await nats?.dispose();
  });

  it("rejects within a bounded time when the server is gone, and never says queued", async () => {
    const node = await openNode(nc, clusterKeys("gone"), { limit: 10, timeoutMs: 1_000 });
    try {
      await node.accounts.create("xena", undefined);
      assert.equal(await node.mailbox.accept("y", "xena", "before"), "queued");
      await nats.server.stop();
      for (const attempt of [
        () => node.mailbox.accept("y", "xena", "lost"),
        () => node.mailbox.page("xena", 0, 10),
        () => node.mailbox.remove("xena", 1),
        () => node.accounts.authenticate("xena", undefined),
        () => node.accounts.create("yuri", undefined),
        () => node.accounts.delete("xena"),
      ]) {
        const started = Date.now();
        await assert.rejects(async () => await attempt());
        const took = Date.now() - started;
        assert.ok(took < 3_000, `rejected after ${took} ms`);
      }
    } finally {
      await node.close();
    }
  });
});
