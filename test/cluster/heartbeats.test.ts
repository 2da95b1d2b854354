/**
 * Node heartbeats (src/cluster/node-heartbeats.ts) through the cluster's registry,
 * against a real nats-server: every node lists the nodes alive; a node that dies
 * without closing has its names freed by the survivors, within 15 s with the default
 * timings (docs/cluster.md#names); a node cut off does not take the others for dead.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { ClusterNameRegistry } from "../../src/cluster/cluster-registry.js";
import { clusterKeys, type ClusterKeys } from "../../src/cluster/keys.js";
import type { HeartbeatTimings } from "../../src/cluster/node-heartbeats.js";
import { NATS_SKIP, startNatsServer, type NatsServer } from "../helpers/nats-server.js";
import { QuietMember } from "../helpers/quiet-member.js";
import { eventually } from "../helpers/signals.js";
import { connectNode, FAST, holderInBucket } from "./cluster-test-nodes.js";
import { startNatsProxy, type NatsProxy } from "./nats-proxy.js";

describe("node heartbeats", { skip: NATS_SKIP }, () => {
  let server: NatsServer;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  const opened: ClusterNameRegistry[] = [];
  const connections: NatsConnection[] = [];
  let namespaces = 0;
  const freshKeys = (): ClusterKeys => clusterKeys(`h${++namespaces}`);

  async function openNode(nc: NatsConnection, keys: ClusterKeys, node: string, heartbeat?: Partial<HeartbeatTimings>): Promise<ClusterNameRegistry> {
    const registry = await ClusterNameRegistry.open(nc, { keys, node, heartbeat });
    opened.push(registry);
    return registry;
  }

  /** A node on a connection of its own, which the test closes to kill it. */
  async function mortalNode(keys: ClusterKeys, node: string, heartbeat?: Partial<HeartbeatTimings>): Promise<{ registry: ClusterNameRegistry; nc: NatsConnection }> {
    const nc = await connectNode(server.url);
    connections.push(nc);
    return { registry: await openNode(nc, keys, node, heartbeat), nc };
  }

  before(async () => {
    server = await startNatsServer();
    ncA = await connectNode(server.url);
    ncB = await connectNode(server.url);
  });
  after(async () => {
    // The dead nodes' own deletes fail at once (their connection is closed): what this stops is their timers.
    await Promise.all(opened.map((r) => r.close()));
    await Promise.all([ncA, ncB, ...connections].map((nc) => nc?.close()));
    await server?.dispose();
  });

  it("every node lists every node alive, itself included, with its users", async () => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A", FAST);
    const b = await openNode(ncB, keys, "B", FAST);
    await a.claim("ann", new QuietMember("Ann"));
    await a.claim("abe", new QuietMember("Abe"));
    await b.claim("bea", new QuietMember("Bea"));
    const users = (r: ClusterNameRegistry): string =>
      r
        .nodes()
        .map((n) => `${n.node}:${n.users}`)
        .sort()
        .join();
    await eventually(() => users(a), (text) => text === "A:2,B:1");
    await eventually(() => users(b), (text) => text === "A:2,B:1");
    const now = Date.now();
    for (const n of a.nodes()) assert.ok(now - n.lastSeen < 2_000, `${n.node} seen ${now - n.lastSeen} ms ago`);
    assert.equal(a.node, "A");
  });

  it("a node that dies without closing has its names freed within 15 s (default timings)", async (t) => {
    const keys = freshKeys();
    const survivor = await openNode(ncA, keys, "A");
    const { registry: doomed, nc } = await mortalNode(keys, "D");
    assert.equal(await doomed.claim("dan", new QuietMember("Dan")), true);
    assert.equal(await doomed.claim("dina", new QuietMember("Dina")), true);
    await eventually(() => survivor.size, (n) => n === 2);
    await eventually(() => survivor.nodes().length, (n) => n === 2);

    await nc.close(); // dead: no close of the registry, nothing deleted
    const died = performance.now();
    await eventually(() => [survivor.find("dan"), survivor.find("dina")], (held) => held.every((m) => m === undefined), 15_000);
    const freedAfter = performance.now() - died;
    t.diagnostic(`the dead node's names were free ${freedAfter.toFixed(0)} ms after its death`);
    assert.ok(freedAfter <= 15_000);
    assert.equal(await survivor.claim("dan", new QuietMember("dan")), true);
    assert.equal(await holderInBucket(ncB, keys, "dina"), undefined);
    await eventually(() => survivor.nodes().map((n) => n.node).join(), (nodes) => nodes === "A", 3_000);
  });

  it("two survivors burying one dead node at once is harmless", async () => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A", FAST);
    const b = await openNode(ncB, keys, "B", FAST);
    const { registry: doomed, nc } = await mortalNode(keys, "D", FAST);
    for (const name of ["dan", "dina", "dora"]) assert.equal(await doomed.claim(name, new QuietMember(name)), true);
    await eventually(() => [a.size, b.size], ([x, y]) => x === 3 && y === 3);
    await nc.close();
    await eventually(() => [a.size, b.size], ([x, y]) => x === 0 && y === 0, 5_000);
    assert.equal(await a.claim("dan", new QuietMember("Dan")), true);
    await eventually(() => b.find("dan")?.node, (node) => node === "A");
    await eventually(() => b.nodes().map((n) => n.node).sort().join(), (nodes) => nodes === "A,B");
    const kv = await new Kvm(ncB).open(keys.nodesBucket);
    const heartbeat = await kv.get("D");
    assert.notEqual(heartbeat?.operation, "PUT", "the dead node's heartbeat is deleted");
  });

  it("a node whose heartbeat was deleted (taken for dead) writes it again", async () => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A", FAST);
    const kv = await new Kvm(ncB).open(keys.nodesBucket);
    const before = await kv.get("A");
    assert.equal(before?.operation, "PUT");
    await kv.delete("A");
    await eventually(
      () => a.nodes().length,
      (n) => n === 1,
    );
    let back = false;
    for (const until = Date.now() + 3_000; !back && Date.now() < until; ) {
      back = (await kv.get("A"))?.operation === "PUT";
      if (!back) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(back, "A's heartbeat is back in the bucket");
  });

  it("a node cut off takes nobody for dead: its silence is its own", async () => {
    const proxy: NatsProxy = await startNatsProxy(server.port);
    try {
      const ncCut = await connectNode(proxy.url);
      connections.push(ncCut);
      const keys = freshKeys();
      const a = await openNode(ncCut, keys, "A", FAST);
      const b = await openNode(ncB, keys, "B", FAST);
      const bob = new QuietMember("Bob");
      assert.equal(await b.claim("bob", bob), true);
      const revision = b.claimRevision(bob);
      await eventually(() => a.find("bob"), (m) => m !== undefined);
      proxy.cut();
      await new Promise((r) => setTimeout(r, FAST.deadAfterMs * 3)); // well past B's deadline, as A hears it
      proxy.restore();
      await eventually(() => a.nodes().map((n) => n.node).sort().join(), (nodes) => nodes === "A,B", 5_000);
      await new Promise((r) => setTimeout(r, FAST.deadAfterMs * 2));
      assert.equal((await holderInBucket(ncB, keys, "bob"))?.node, "B");
      assert.equal(b.claimRevision(bob), revision, "A did not bury B: B never had to claim Bob's name again");
      assert.equal(a.find("bob")?.node, "B");
      const kv = await new Kvm(ncB).open(keys.nodesBucket);
      assert.equal((await kv.get("B"))?.operation, "PUT");
    } finally {
      await proxy.close();
    }
  });
});
