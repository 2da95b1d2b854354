/**
 * The cluster's Router (src/cluster/cluster-router.ts) against a real nats-server: the
 * Router contract on one node, then two nodes (A and B, each its own connection and
 * registry) passing broadcasts and direct messages, and what a node that cannot be
 * reached does to a sender (a rejection within the timeout, never a hang or a success).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ClusterRouter, type ClusterRouterOptions } from "../../src/cluster/cluster-router.js";
import { DirectUnreachableError } from "../../src/cluster/direct-batches.js";
import { encodeDirectBatch } from "../../src/cluster/event-codec.js";
import { clusterKeys, type ClusterKeys } from "../../src/cluster/keys.js";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import type { Member } from "../../src/core/ports.js";
import { captureLog } from "../helpers/capture-log.js";
import { NATS_SKIP, startNatsServer, type NatsServer } from "../helpers/nats-server.js";
import { eventually } from "../helpers/signals.js";
import { routerContract } from "../core/ports/router.contract.js";
import { TestClusterNames } from "./router-test-names.js";

let server: NatsServer | undefined;
const connections: NatsConnection[] = [];
const routers: ClusterRouter[] = [];
const starts: Promise<void>[] = [];
let namespaces = 0;

/** A namespace no other test uses. */
function freshKeys(): ClusterKeys {
  return clusterKeys(`t${++namespaces}`);
}

async function connection(): Promise<NatsConnection> {
  const nc = await connect({ servers: server!.url, name: "router-test", reconnect: false });
  connections.push(nc);
  return nc;
}

if (!NATS_SKIP) {
  before(async () => {
    server = await startNatsServer();
    await connection(); // the contract's
  });
  after(async () => {
    for (const r of routers) await r.close();
    await Promise.all(starts);
    for (const nc of connections) await nc.close();
    await server?.dispose();
  });
}

/** A member that keeps what it takes, up to `capacity`, or throws when `broken`; `onDeliver` sees each event first. */
class Recorder implements Member {
  readonly got: HubEvent[] = [];
  readonly dialect = "test";
  disconnected: string | undefined;
  constructor(
    readonly name: string,
    readonly options: { wantsPresence?: boolean; capacity?: number; broken?: boolean; onDeliver?: (e: HubEvent) => void } = {},
  ) {}
  get wantsPresence(): boolean | undefined {
    return this.options.wantsPresence;
  }
  deliver(event: HubEvent): boolean {
    this.options.onDeliver?.(event);
    if (this.options.broken) throw new Error(`${this.name} is broken`);
    if (this.got.length >= (this.options.capacity ?? Infinity)) return false;
    this.got.push(event);
    return true;
  }
  disconnect(reason: string): void {
    this.disconnected = reason;
  }
  texts(): string[] {
    return this.got.map((e) => (e.kind === "direct" || e.kind === "lobby" ? e.text : e.kind));
  }
}

// ---- the contract, one node ---------------------------------------------------------

if (NATS_SKIP) {
  describe("ClusterRouter", { skip: NATS_SKIP }, () => {
    it("needs a nats-server", () => undefined);
  });
} else {
  routerContract("ClusterRouter, one node", {
    open: (onThrow) => {
      const names = new TestClusterNames("solo");
      const router = new ClusterRouter(connections[0]!, freshKeys(), names);
      router.attach({ undelivered: () => undefined, threw: onThrow });
      routers.push(router);
      const started = router.start();
      started.catch(() => undefined); // awaited (and so reported) in `after`
      starts.push(started);
      return { router, registry: names };
    },
  });
}

// ---- two nodes ----------------------------------------------------------------------

interface Node {
  readonly names: TestClusterNames;
  readonly router: ClusterRouter;
  readonly undelivered: Member[];
  readonly threw: [Member, unknown][];
}

async function twoNodes(options: ClusterRouterOptions = {}): Promise<{ a: Node; b: Node; keys: ClusterKeys }> {
  const keys = freshKeys();
  const make = async (name: string): Promise<Node> => {
    const names = new TestClusterNames(name);
    const router = new ClusterRouter(await connection(), keys, names, options);
    const node: Node = { names, router, undelivered: [], threw: [] };
    router.attach({ undelivered: (m) => node.undelivered.push(m), threw: (m, err) => node.threw.push([m, err]) });
    routers.push(router);
    await router.start();
    return node;
  };
  return { a: await make("A"), b: await make("B"), keys };
}

/** `member` joins `node` as the hub would: claims its name, then broadcasts its join to those showing presence. */
function join(node: Node, member: Member): void {
  assert.equal(node.names.claim(member.name.toLowerCase(), member), true);
  const audience = [...node.names.localMembers()].filter((m) => m.wantsPresence !== false);
  node.router.broadcast({ kind: "join", name: member.name }, member, audience);
}

/** The member `name` of another node, once `node`'s replica has it. */
async function remote(node: Node, name: string): Promise<Member> {
  const found = await eventually(
    () => node.names.find(name.toLowerCase()),
    (m) => m !== undefined && m.node !== undefined,
  );
  return found!;
}

describe("ClusterRouter, two nodes", { skip: NATS_SKIP }, () => {
  it("delivers a lobby message here at once and once, and to the other node's members as one shared event", async () => {
    const { a, b } = await twoNodes();
    const [a1, a2] = [new Recorder("a1"), new Recorder("a2")];
    const [b1, b2] = [new Recorder("b1"), new Recorder("b2", { wantsPresence: false })];
    for (const m of [a1, a2]) join(a, m);
    for (const m of [b1, b2]) join(b, m);
    await remote(a, "b2");
    await remote(b, "a2");
    const [a2Before, b1Before] = [a2.got.length, b1.got.length];

    const event: HubEvent = { kind: "lobby", from: "a1", text: "hello" };
    assert.deepEqual(a.router.broadcast(event, a1), []);
    assert.equal(a2.got.length, a2Before + 1, "a2 has it when broadcast returns");
    assert.equal(a2.got.at(-1), event);
    await eventually(() => b2.got.length, (n) => n === 1);
    assert.equal(b1.got.length, b1Before + 1);
    assert.equal(b1.got.at(-1), b2.got[0], "B's members share one event object");
    assert.deepEqual(b2.got[0], event);
    assert.equal(a1.got.filter((e) => e.kind === "lobby").length, 0, "the sender does not get its own message");

    // B answers after it had A's message: once A has B's, A has seen (and ignored) its own echo.
    b.router.broadcast({ kind: "lobby", from: "b1", text: "after" }, b1);
    await eventually(() => a2.texts().at(-1), (t) => t === "after");
    assert.deepEqual(a2.texts().slice(a2Before), ["hello", "after"], "A's member did not get A's message twice");
  });

  it("shows another node's joins and leaves only to members that show presence, and files and lobby to all", async () => {
    const { a, b } = await twoNodes();
    const watcher = new Recorder("watcher");
    const quiet = new Recorder("quiet", { wantsPresence: false });
    join(a, quiet);
    join(a, watcher);
    const bob = new Recorder("Bob");
    join(b, bob);
    await eventually(() => watcher.got.length, (n) => n === 1);
    assert.deepEqual(watcher.got, [{ kind: "join", name: "Bob" }]);
    assert.equal(a.names.find("bob")?.node, "B");
    assert.equal(a.names.find("bob")?.dialect, "test");

    b.names.release("bob", bob);
    b.router.broadcast({ kind: "leave", name: "Bob" }, bob);
    await eventually(() => watcher.got.length, (n) => n === 2);
    assert.deepEqual(watcher.got[1], { kind: "leave", name: "Bob" });
    assert.equal(a.names.find("bob"), undefined, "the leave took Bob off A's replica");
    assert.deepEqual(a.names.heard, ["sawJoin bob B 1", "sawLeave bob B"], "with Bob's claim revision on B");

    const other = new Recorder("other");
    join(b, other);
    b.router.broadcast({ kind: "file", from: "other", file: "notes.txt" }, other);
    await eventually(() => quiet.got.length, (n) => n === 1);
    assert.deepEqual(quiet.got, [{ kind: "file", from: "other", file: "notes.txt" }], "the quiet member saw the file, no presence");
  });

  it("reports the members here that did not take another node's event, and goes on past them", async () => {
    const { a, b } = await twoNodes();
    const full = new Recorder("full", { capacity: 0, wantsPresence: false });
    const broken = new Recorder("broken", { broken: true, wantsPresence: false });
    const fine = new Recorder("fine", { wantsPresence: false });
    for (const m of [full, broken, fine]) join(b, m);
    a.router.broadcast({ kind: "lobby", from: "x", text: "hi" }, undefined);
    await eventually(() => fine.got.length, (n) => n === 1);
    assert.deepEqual(b.undelivered, [full, broken]);
    assert.deepEqual(b.threw.map(([m]) => m), [broken]);
    assert.deepEqual(a.undelivered, []);
  });

  it("tells the registry of a join before any member hears of it", async () => {
    const { a, b } = await twoNodes();
    const order: string[] = [];
    const watcher = new Recorder("watcher", {
      onDeliver: (e) => {
        if (e.kind !== "join") return;
        // What a user shown "X has connected" who asks for the list would see.
        order.push(`deliver ${e.name} (listed: ${a.names.find(e.name.toLowerCase())?.node ?? "no"})`);
      },
    });
    join(a, watcher);
    const heard = a.names.heard;
    const originalSawJoin = a.names.sawJoin.bind(a.names);
    a.names.sawJoin = (claim) => {
      order.push(`sawJoin ${claim.folded} rev ${claim.revision}`);
      originalSawJoin(claim);
    };
    join(b, new Recorder("first"));
    join(b, new Recorder("Second"));
    await eventually(() => order.length, (n) => n === 4);
    assert.deepEqual(order, ["sawJoin first rev 1", "deliver first (listed: B)", "sawJoin second rev 2", "deliver Second (listed: B)"]);
    assert.equal(heard.length, 2);
  });

  it("answers a direct message true once the other node's member has it", async () => {
    const { a, b } = await twoNodes();
    const bob = new Recorder("bob");
    join(b, bob);
    const bobThere = await remote(a, "bob");
    const answer = a.router.unicast(bobThere, { kind: "direct", from: "ann", text: "psst" });
    assert.ok(answer instanceof Promise, "a member of another node is answered later");
    const taken = await (answer as Promise<boolean>).then((t) => ({ t, had: [...bob.got] }));
    assert.equal(taken.t, true);
    assert.deepEqual(taken.had, [{ kind: "direct", from: "ann", text: "psst" }], "bob had it when the answer came");
    assert.equal(a.router.waiting, 0);
  });

  it("answers a member here synchronously, with no promise", async () => {
    const { a } = await twoNodes();
    const here = new Recorder("here");
    join(a, here);
    assert.equal(a.router.unicast(here, { kind: "direct", from: "x", text: "now" }), true);
    assert.deepEqual(here.texts(), ["now"]);
  });

  it("answers false for a name the other node no longer has", async () => {
    const { a, b } = await twoNodes();
    const bob = new Recorder("bob");
    join(b, bob);
    const bobThere = await remote(a, "bob");
    b.names.release("bob", bob); // gone from B; A's replica has not heard yet
    assert.equal(await a.router.unicast(bobThere, { kind: "direct", from: "ann", text: "late" }), false);
    assert.deepEqual(bob.got, []);
    assert.deepEqual(b.undelivered, [], "nobody to drop");
  });

  it("answers false for a member whose queue is full, and its own node's host hears of it", async () => {
    const { a, b } = await twoNodes();
    const full = new Recorder("full", { capacity: 0 });
    join(b, full);
    const fullThere = await remote(a, "full");
    const answers = await Promise.all([1, 2, 3].map((i) => a.router.unicast(fullThere, { kind: "direct", from: "ann", text: `m${i}` })));
    assert.deepEqual(answers, [false, false, false]);
    assert.deepEqual(b.undelivered, [full], "reported once for the batch");
    assert.deepEqual(a.undelivered, [], "the sender's node does not drop another node's member");
  });

  it("answers false for a member whose deliver throws, and its own node hears of the throw", async () => {
    const { a, b } = await twoNodes();
    const broken = new Recorder("broken", { broken: true });
    join(b, broken);
    const brokenThere = await remote(a, "broken");
    assert.equal(await a.router.unicast(brokenThere, { kind: "direct", from: "ann", text: "hi" }), false);
    assert.equal(b.threw.length, 1);
    assert.equal(b.threw[0]![0], broken);
    assert.match(String(b.threw[0]![1]), /broken is broken/);
    assert.deepEqual(b.undelivered, [broken]);
  });

  it("keeps the order of 1,000 direct messages to one member of the other node", async () => {
    const { a, b } = await twoNodes({ maxBatchMessages: 64 });
    const bob = new Recorder("bob");
    join(b, bob);
    const bobThere = await remote(a, "bob");
    const texts = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    const answers: Promise<boolean>[] = [];
    // Over several turns and batch sizes: some batches full, some cut by the turn.
    for (let i = 0; i < texts.length; ) {
      const n = 1 + ((i * 37) % 150);
      for (const text of texts.slice(i, i + n)) answers.push(a.router.unicast(bobThere, { kind: "direct", from: "ann", text }) as Promise<boolean>);
      i += n;
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await Promise.all(answers), texts.map(() => true));
    assert.deepEqual(bob.texts(), texts);
    assert.equal(a.router.waiting, 0);
  });

  it("rejects soon when the other node's router is closed (no responders), and after close refuses to send", async () => {
    const { a, b } = await twoNodes({ timeoutMs: 3000 });
    const bob = new Recorder("bob");
    join(b, bob);
    const bobThere = await remote(a, "bob");
    await b.router.close();
    const started = Date.now();
    await assert.rejects(Promise.resolve(a.router.unicast(bobThere, { kind: "direct", from: "ann", text: "anyone?" })), (err: unknown) => {
      assert.ok(err instanceof DirectUnreachableError);
      assert.equal(err.node, "B");
      assert.match(err.message, /no responders/i);
      return true;
    });
    assert.ok(Date.now() - started < 3000, "rejected before the timeout");
    assert.deepEqual(bob.got, []);
    assert.equal(a.router.waiting, 0);

    await a.router.close();
    await assert.rejects(Promise.resolve(a.router.unicast(bobThere, { kind: "direct", from: "ann", text: "x" })), /router is closed/);
  });

  it("rejects on its timeout when the other node does not answer, and bounds what waits for it", async () => {
    const keys = freshKeys();
    const { log, records } = captureLog();
    const names = new TestClusterNames("A");
    const router = new ClusterRouter(await connection(), keys, names, { timeoutMs: 300, maxWaitingPerNode: 3, logger: log });
    routers.push(router);
    await router.start();
    // Node "hung" takes requests and never answers.
    const hung = await connection();
    const sub = hung.subscribe(keys.directSubject("hung"), { callback: () => undefined });
    await hung.flush();
    const ghost: Member = { name: "ghost", dialect: "test", node: "hung", deliver: () => true, disconnect: () => undefined };
    const started = Date.now();
    const sends = [1, 2, 3].map((i) => router.unicast(ghost, { kind: "direct", from: "ann", text: `m${i}` }) as Promise<boolean>);
    const settled = sends.map((p) => p.then(() => "resolved", (err: unknown) => err));
    await assert.rejects(Promise.resolve(router.unicast(ghost, { kind: "direct", from: "ann", text: "m4" })), /3 messages already wait/);
    const outcomes = await Promise.all(settled);
    const took = Date.now() - started;
    for (const o of outcomes) assert.ok(o instanceof DirectUnreachableError && /timeout/i.test(o.message), String(o));
    assert.ok(took >= 250 && took < 2000, `rejected on the 300 ms timeout, took ${took} ms`);
    assert.equal(router.waiting, 0);
    assert.equal(records.filter((r) => r.msg.includes("direct messages to another node failed")).length, 1, "one log line for the batch");
    // The bound is freed: another send goes out (and times out) again.
    await assert.rejects(Promise.resolve(router.unicast(ghost, { kind: "direct", from: "ann", text: "m5" })), /timeout/i);
    sub.unsubscribe();
  });

  it("survives envelopes and batches that do not decode, and answers a bad batch so its sender fails fast", async () => {
    const { a, b, keys } = await twoNodes();
    const { log, records } = captureLog();
    const c = new ClusterRouter(await connection(), keys, new TestClusterNames("C"), { logger: log });
    routers.push(c);
    await c.start();
    const nc = await connection();
    nc.publish(keys.eventsSubject, Uint8Array.of(1, 1, 200));
    const reply = await nc.request(keys.directSubject("C"), Uint8Array.of(1, 0, 0, 0, 9), { timeout: 2000 });
    assert.equal(reply.data.length, 0, "an empty answer: the sender's sends reject at once");
    assert.ok(records.some((r) => r.msg.includes("envelope that does not decode")));
    assert.ok(records.some((r) => r.msg.includes("failed to answer a batch")));
    // Still working: a lobby message from A reaches B.
    const b1 = new Recorder("b1");
    join(b, b1);
    a.router.broadcast({ kind: "lobby", from: "x", text: "still here" }, undefined);
    await eventually(() => b1.texts(), (t) => t.includes("still here"));
    // And a well-formed batch to C for nobody is answered 0.
    const answer = await nc.request(keys.directSubject("C"), encodeDirectBatch([{ to: "nobody", from: "x", text: "y" }]), { timeout: 2000 });
    assert.deepEqual([...answer.data], [0]);
  });
});

// ---- two hubs -----------------------------------------------------------------------

describe("ClusterRouter under two hubs", { skip: NATS_SKIP }, () => {
  it("carries joins, lobby and direct messages between hubs, and drops a slow consumer on its own node", async () => {
    const { a, b } = await twoNodes();
    const hubA = new Hub({ registry: a.names, router: a.router });
    const hubB = new Hub({ registry: b.names, router: b.router });
    const ann = new Recorder("Ann");
    const bob = new Recorder("Bob", { capacity: 3 });
    assert.equal(hubA.join(ann, "Ann"), "ok");
    assert.equal(hubB.join(bob, "Bob"), "ok");
    await eventually(() => hubA.names().length, (n) => n === 2);
    await eventually(() => hubB.names().length, (n) => n === 2);
    assert.deepEqual(bob.got, [{ kind: "join", name: "Ann" }]);
    assert.deepEqual(ann.got, [{ kind: "join", name: "Bob" }]);

    assert.equal(await hubA.direct(ann, "bob", "hi Bob"), "ok");
    assert.equal(bob.texts().at(-1), "hi Bob");
    assert.equal(hubA.lobby(ann, "hello all"), "ok");
    await eventually(() => bob.texts().at(-1), (t) => t === "hello all");

    // Bob's queue (3) is full now: the direct message is refused, and B drops Bob.
    const result = await hubA.direct(ann, "bob", "one too many");
    assert.equal(result, "recipient_overflow");
    assert.equal(bob.disconnected, "slow_consumer");
    assert.equal(hubB.isOnline("bob"), false);
    await eventually(() => ann.got.filter((e) => e.kind === "leave").length, (n) => n === 1);
    assert.equal(hubA.isOnline("bob"), false, "A's replica heard Bob leave");
  });
});
