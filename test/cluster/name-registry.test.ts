/**
 * The cluster's NameRegistry (src/cluster/cluster-registry.ts) against a real
 * nats-server: the NameRegistry contract, then two nodes (two connections sharing one
 * namespace, as two `switchboard serve --cluster` processes), then what happens when
 * NATS goes away: a restart, one node cut off long enough to be taken for dead, and one
 * server of a 3-server NATS cluster stopping under a node's names watch
 * (docs/cluster.md#names).
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ClusterNameRegistry } from "../../src/cluster/cluster-registry.js";
import { clusterKeys, type ClusterKeys } from "../../src/cluster/keys.js";
import { RemoteMember } from "../../src/cluster/remote-member.js";
import { nameRegistryContract } from "../core/ports/name-registry.contract.js";
import { captureLog } from "../helpers/capture-log.js";
import { connectToCluster, NATS_SKIP, startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from "../helpers/nats-server.js";
import { QuietMember } from "../helpers/quiet-member.js";
import { eventually, retry, untilTrue } from "../helpers/signals.js";
import { connectNode, FAST, holderInBucket, RecordingMember } from "./cluster-test-nodes.js";
import { startNatsProxy, type NatsProxy } from "./nats-proxy.js";

/** Each registry a test opens, closed after the file. */
const opened: ClusterNameRegistry[] = [];
let namespaces = 0;
const freshKeys = (): ClusterKeys => clusterKeys(`t${++namespaces}`);

async function openNode(nc: NatsConnection, keys: ClusterKeys, node: string): Promise<ClusterNameRegistry> {
  const registry = await ClusterNameRegistry.open(nc, { keys, node, heartbeat: FAST });
  opened.push(registry);
  return registry;
}

const whoHolds = (registry: ClusterNameRegistry): [string, string | undefined][] => [...registry.members()].map((m) => [m.name, m.node]);

describe("ClusterNameRegistry over a NATS KV bucket", { skip: NATS_SKIP }, () => {
  let server: NatsServer;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  /** Node A's connection through a proxy that can hold what NATS sends it. */
  let proxy: NatsProxy;
  let ncHeld: NatsConnection;

  before(async () => {
    server = await startNatsServer();
    ncA = await connectNode(server.url);
    ncB = await connectNode(server.url);
    proxy = await startNatsProxy(server.port);
    ncHeld = await connectNode(proxy.url);
  });
  after(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
    await Promise.all([ncA?.close(), ncB?.close(), ncHeld?.close()]);
    await proxy?.close();
    await server?.dispose();
  });

  nameRegistryContract("ClusterNameRegistry", { open: () => openNode(ncA, freshKeys(), "A") });

  it("a claim on A is found on B as A's RemoteMember and counted; B cannot claim it; A's release frees it for B", async () => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A");
    const b = await openNode(ncB, keys, "B");
    const alice = new QuietMember("Alice");
    assert.equal(await a.claim("alice", alice), true);
    const seen = await eventually(() => b.find("alice"), (m) => m !== undefined);
    assert.ok(seen instanceof RemoteMember);
    assert.deepEqual([seen.name, seen.dialect, seen.node], ["Alice", "test", "A"]);
    assert.equal(b.size, 1, "B counts A's user");
    assert.equal(b.findLocal("alice"), undefined);
    assert.equal(a.findLocal("alice"), alice);
    assert.equal(a.claimRevision(alice)! > 0, true);
    assert.equal(await b.claim("alice", new QuietMember("ALICE")), false, "held on A");

    const bob = new QuietMember("Bob");
    assert.equal(await b.claim("bob", bob), true);
    await eventually(() => a.size, (n) => n === 2);
    assert.deepEqual(whoHolds(a), [["Alice", undefined], ["Bob", "B"]]);
    assert.deepEqual(whoHolds(b), [["Alice", "A"], ["Bob", undefined]]);
    assert.deepEqual([...a.localMembers()], [alice]);
    assert.deepEqual([...b.localMembers()], [bob]);

    a.release("alice", alice);
    assert.equal(a.find("alice"), undefined);
    await eventually(() => b.find("alice"), (m) => m === undefined);
    const alice2 = new QuietMember("alice");
    assert.equal(await b.claim("alice", alice2), true, "free for B once A released it");
    assert.equal(b.find("alice"), alice2);
    await eventually(() => a.find("alice")?.node, (node) => node === "B");
    assert.deepEqual(
      a
        .nodes()
        .map((n) => n.node)
        .sort(),
      ["A", "B"],
    );
  });

  it("of two nodes claiming one name at once, exactly one wins, in each of 100 rounds", async (t) => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A");
    const b = await openNode(ncB, keys, "B");
    const wins = { A: 0, B: 0 };
    const started = performance.now();
    for (let round = 0; round < 100; round++) {
      const folded = `race${round}`;
      const [ma, mb] = [new QuietMember(folded), new QuietMember(folded.toUpperCase())];
      // Whoever's request leaves first usually wins: each node goes first every other round.
      const [wonA, wonB] =
        round % 2 === 0
          ? await Promise.all([a.claim(folded, ma), b.claim(folded, mb)])
          : await Promise.all([b.claim(folded, mb), a.claim(folded, ma)]).then(([x, y]) => [y, x]);
      assert.equal(Number(wonA) + Number(wonB), 1, `round ${round}: A ${wonA}, B ${wonB}`);
      const [loser, loserMember] = wonA ? [b, mb] : [a, ma];
      assert.notEqual(loser.find(folded), loserMember, `round ${round}: the loser does not list its own member`);
      assert.equal(loser.findLocal(folded), undefined);
      wins[wonA ? "A" : "B"]++;
    }
    const ms = performance.now() - started;
    t.diagnostic(`100 rounds in ${ms.toFixed(0)} ms; A won ${wins.A}, B won ${wins.B}`);
    // Once the watches are through, both replicas agree on every holder.
    await eventually(() => [a.size, b.size], ([x, y]) => x === 100 && y === 100);
    for (let round = 0; round < 100; round++) {
      const folded = `race${round}`;
      const onA = a.find(folded)!;
      const onB = b.find(folded)!;
      assert.equal(onA.node === undefined ? "A" : onA.node, onB.node === undefined ? "B" : onB.node, folded);
    }
  });

  it("a join event before the watch's update, and a watch update late after a leave event, leave the replica right", async () => {
    const keys = freshKeys();
    const a = await openNode(ncHeld, keys, "A");
    const b = await openNode(ncB, keys, "B");
    proxy.hold(); // A hears nothing from NATS until release: its watch updates come late
    try {
      const xavier = new QuietMember("Xavier");
      assert.equal(await b.claim("xavier", xavier), true);
      assert.equal(a.find("xavier"), undefined, "A's watch is held back");
      a.sawJoin({ folded: "xavier", name: "Xavier", dialect: "test", node: "B", revision: b.claimRevision(xavier)! });
      assert.equal(a.find("xavier")?.node, "B", "the join event put it in the replica first");

      const yolanda = new QuietMember("Yolanda");
      assert.equal(await b.claim("yolanda", yolanda), true);
      a.sawJoin({ folded: "yolanda", name: "Yolanda", dialect: "test", node: "B", revision: b.claimRevision(yolanda)! });
      a.sawLeave("yolanda", "B");
      assert.equal(a.find("yolanda"), undefined);
      assert.equal(await b.claim("zoe", new QuietMember("Zoe")), true);
    } finally {
      proxy.release();
    }
    await eventually(() => a.find("zoe"), (m) => m !== undefined);
    assert.equal(a.find("yolanda"), undefined, "the watch's update of Yolanda's claim is older than the leave: it does not bring her back");
    assert.deepEqual(whoHolds(a), [
      ["Xavier", "B"],
      ["Zoe", "B"],
    ]);
  });

  it("a clean close frees the node's names at once, and its heartbeat", async () => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A");
    const b = await openNode(ncB, keys, "B");
    assert.equal(await a.claim("carl", new QuietMember("Carl")), true);
    assert.equal(await a.claim("dora", new QuietMember("Dora")), true);
    await eventually(() => b.size, (n) => n === 2);
    await eventually(() => b.nodes().length, (n) => n === 2);
    await a.close();
    assert.equal(await b.claim("carl", new QuietMember("carl")), true, "free as soon as close resolved");
    assert.equal(await b.claim("dora", new QuietMember("dora")), true);
    await eventually(() => b.nodes().map((n) => n.node), (nodes) => nodes.length === 1 && nodes[0] === "B");
    await assert.rejects(Promise.resolve(a.claim("eve", new QuietMember("Eve"))), /closed/);
  });
});

describe("ClusterNameRegistry when NATS goes away", { skip: NATS_SKIP }, () => {
  let server: NatsServer;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let proxy: NatsProxy;
  let ncCut: NatsConnection;

  before(async () => {
    server = await startNatsServer();
    ncA = await connectNode(server.url);
    ncB = await connectNode(server.url);
    proxy = await startNatsProxy(server.port);
    ncCut = await connectNode(proxy.url);
  });
  after(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
    await Promise.all([ncA?.close(), ncB?.close(), ncCut?.close()]);
    await proxy?.close();
    await server?.dispose();
  });

  it("while NATS is down a claim fails within a few seconds, the replica answers, and a release made meanwhile lands after the restart", async (t) => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A");
    const b = await openNode(ncB, keys, "B");
    const alice = new QuietMember("Alice");
    assert.equal(await a.claim("alice", alice), true);
    assert.equal(await b.claim("bob", new QuietMember("Bob")), true);
    await eventually(() => a.size + b.size, (n) => n === 4);

    await server.stop();
    const started = performance.now();
    await assert.rejects(Promise.resolve(a.claim("carol", new QuietMember("Carol"))));
    const failedAfter = performance.now() - started;
    t.diagnostic(`a claim while NATS was down failed after ${failedAfter.toFixed(0)} ms`);
    assert.ok(failedAfter < 5_000, `failed after ${failedAfter} ms`);
    assert.equal(a.find("bob")?.node, "B", "find answers from the replica");
    assert.deepEqual(whoHolds(a), [
      ["Alice", undefined],
      ["Bob", "B"],
    ]);
    a.release("alice", alice); // its delete cannot land now

    await server.restart();
    await untilTrue(() => Promise.resolve(b.claim("alice", new QuietMember("ALICE"))), 15_000, "B claims the name A released while NATS was down");
    assert.equal((await holderInBucket(ncB, keys, "alice"))?.node, "B");
    assert.equal((await holderInBucket(ncA, keys, "bob"))?.node, "B", "B's claim survived the restart");
    assert.equal(await a.claim("bob", new QuietMember("bob")), false);
    await eventually(() => a.find("alice")?.node, (node) => node === "B", 5_000);
  });

  it("after a NATS restart a node cut off meanwhile claims its names again, and the one another node claimed stays that node's (name_lost)", async () => {
    const keys = freshKeys();
    const a = await openNode(ncCut, keys, "A");
    const b = await openNode(ncB, keys, "B");
    const [alice, carol] = [new RecordingMember("Alice"), new RecordingMember("Carol")];
    assert.equal(await a.claim("alice", alice), true);
    assert.equal(await a.claim("carol", carol), true);
    assert.equal(await b.claim("bob", new QuietMember("Bob")), true);
    await eventually(() => b.size, (n) => n === 3);

    proxy.cut(); // A stays away after the restart
    await server.restart();
    // B hears nothing from A for deadAfterMs: A is dead, its names are freed.
    await eventually(() => [b.find("alice"), b.find("carol")], (held) => held.every((m) => m === undefined), 10_000);
    const carol2 = new QuietMember("CAROL");
    await untilTrue(() => Promise.resolve(b.claim("carol", carol2)), 10_000, "B claims Carol's name");

    proxy.restore();
    await eventually(() => carol.reasons, (reasons) => reasons.includes("name_lost"), 10_000);
    assert.deepEqual(alice.reasons, [], "Alice's name was free: A claimed it again");
    await eventually(() => b.find("alice")?.node, (node) => node === "A", 5_000);
    assert.equal((await holderInBucket(ncB, keys, "alice"))?.node, "A");
    assert.equal((await holderInBucket(ncB, keys, "carol"))?.node, "B", "the claim in the bucket keeps the name");

    // Until the hub's leave, A lists its own member; the release then shows B's holder and deletes nothing of B's.
    assert.equal(a.find("carol"), carol);
    a.release("carol", carol);
    assert.equal(a.find("carol")?.node, "B");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await holderInBucket(ncB, keys, "carol"))?.node, "B");
    assert.equal(b.find("carol"), carol2);
    assert.equal(await a.claim("alice", new QuietMember("alice")), false, "held by A's own member");
    await eventually(() => a.nodes().map((n) => n.node).sort(), (nodes) => nodes.join() === "A,B", 5_000);
  });

  it("after NATS lost its store, every node makes its bucket and its claims again", async () => {
    const keys = freshKeys();
    const a = await openNode(ncA, keys, "A");
    const b = await openNode(ncB, keys, "B");
    const [alice, bob] = [new RecordingMember("Alice"), new RecordingMember("Bob")];
    assert.equal(await a.claim("alice", alice), true);
    assert.equal(await b.claim("bob", bob), true);
    await eventually(() => a.size + b.size, (n) => n === 4);

    await server.stop();
    rmSync(join(server.storeDir, "js"), { recursive: true, force: true });
    await server.restart();
    await untilTrue(async () => (await holderInBucket(ncB, keys, "alice"))?.node === "A", 15_000, "Alice's claim is back");
    await untilTrue(async () => (await holderInBucket(ncA, keys, "bob"))?.node === "B", 15_000, "Bob's claim is back");
    assert.deepEqual([alice.reasons, bob.reasons], [[], []], "nobody was told to go");
    assert.equal(await a.claim("bob", new QuietMember("bob")), false);
    await eventually(() => [a.find("bob")?.node, b.find("alice")?.node], ([x, y]) => x === "B" && y === "A", 5_000);
  });
});

describe("ClusterNameRegistry on a 3-server NATS cluster (replicas 3)", { skip: NATS_SKIP }, () => {
  let cluster: NatsCluster;
  /** Nodes A and B, both connected to the first server (and knowing the others). */
  let ncA: NatsConnection;
  let ncB: NatsConnection;

  before(async () => {
    cluster = await startNatsCluster(3);
    ncA = await connectToCluster(cluster);
    ncB = await connectToCluster(cluster);
  });
  after(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
    await Promise.all([ncA?.close(), ncB?.close()]);
    await cluster?.dispose();
  });

  it("a node whose names watch's server stops sees another node's new claim within 20 s (its watch is checked every second)", async (t) => {
    const { log, records } = captureLog();
    const jsm = await jetstreamManager(ncA);
    const first = cluster.servers[0]!.name;
    const open = async (nc: NatsConnection, keys: ClusterKeys, node: string): Promise<ClusterNameRegistry> => {
      const registry = await ClusterNameRegistry.open(nc, { keys, node, replicas: 3, heartbeat: { watchCheckMs: 1_000, requestTimeoutMs: 2_000 }, log });
      opened.push(registry);
      return registry;
    };
    // A's connection stays up (on the first server); its names watch must be on another
    // server, which is stopped: only A's watchdog brings that watch back soon (the
    // client's own recovery took 40 to 90 s). A is opened again, in a fresh namespace
    // (no other node's watches in it), until its watch is elsewhere.
    let keys = clusterKeys("r3n0");
    let a: ClusterNameRegistry | undefined;
    let watchedOn: string | undefined;
    for (let attempt = 0; attempt < 10 && watchedOn === undefined; attempt++) {
      await a?.close();
      keys = clusterKeys(`r3n${attempt}`);
      // The first open may come before every server has joined JetStream ("no suitable peers").
      a = await retry(() => open(ncA, keys, "A"), 30_000);
      for await (const c of jsm.consumers.list(`KV_${keys.namesBucket}`)) if (c.cluster?.leader !== first) watchedOn = c.cluster?.leader;
    }
    const stopped = cluster.servers.find((s) => s.name === watchedOn);
    assert.ok(a && stopped, `A's names watch on a server but the first (${watchedOn})`);
    const b = await open(ncB, keys, "B");
    assert.equal(await b.claim("before", new QuietMember("before")), true);
    await eventually(() => a.find("before")?.node, (node) => node === "B", 5_000);

    await stopped.stop();
    const stoppedAt = Date.now();
    // B's claim, through its registry: nobody calls A's sawJoin, A learns of it from its
    // names watch only. A claim may fail while the bucket elects a new leader; each try
    // claims a fresh name (a claim that timed out may still have landed).
    let tries = 0;
    const folded = await retry(async () => {
      const name = `after${++tries}`;
      if (!(await b.claim(name, new QuietMember(name)))) throw new Error(`"${name}" was taken`);
      return name;
    }, 30_000);
    const claimedAt = Date.now();
    // Without the watchdog A waits for the client's own recovery (40 to 90 s). With it, A
    // starts over within about two checks; a new watch that NATS places on the stopped
    // server again (it did so for up to 13 s after the stop) fails after the request
    // timeout (2 s here), and the next is asked for at once.
    try {
      await eventually(() => a.find(folded)?.node, (node) => node === "B", 20_000, `A seeing B's claim of "${folded}" made after the stop`);
    } finally {
      const watchLog = records.filter((r) => r.level >= 40).map((r) => `${Number(r["time"]) - stoppedAt} ms: ${r.msg} (${r["bucket"]})`);
      const had = a.find(folded)?.node === "B" ? "had" : "still lacked";
      t.diagnostic(`A ${had} B's claim ${Date.now() - claimedAt} ms after it was made (${claimedAt - stoppedAt} ms after the stop, ${tries} tries); ${watchLog.join("; ")}`);
    }
    assert.equal(a.find("before")?.node, "B", "what A held before is still there");
  });
});
