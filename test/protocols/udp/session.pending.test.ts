/**
 * The udp sessions, behind the transport's peer table, when a hub answer is pending (a
 * registry or router that answers later, gated-ports.ts). udp has no connection to pause: a user's datagrams wait in
 * order behind its pending answer, and an address's repeated REGISTER is dropped while
 * the first waits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hub } from "../../../src/core/hub.js";
import { LocalNameRegistry } from "../../../src/core/local-registry.js";
import { LocalRouter } from "../../../src/core/local-router.js";
import { silentLog } from "../../../src/log/ops-log.js";
import { decodeDatagram, encodeFrame } from "../../../src/protocols/udp/codec.js";
import { Op, type UdpFrame } from "../../../src/protocols/udp/frames.js";
import { udpDialect } from "../../../src/protocols/udp/index.js";
import { MAX_WAITING, type UdpOptions } from "../../../src/protocols/udp/session.js";
import { DatagramPeers, type DatagramOut } from "../../../src/transport/datagram-peers.js";
import type { Peer } from "../../../src/transport/datagram-session.js";
import { Gate, GatedRegistry, GatedRouter } from "../../helpers/gated-ports.js";
import { QuietMember } from "../../helpers/quiet-member.js";

/** The socket's side: records what is sent, decoded (as in session.fuzz.test.ts). */
class RecordingOut implements DatagramOut {
  readonly sent: { to: string; frame: UdpFrame }[] = [];
  send(peer: Peer, datagram: Uint8Array): boolean {
    const d = decodeDatagram(Buffer.from(datagram));
    assert.ok(d.ok);
    this.sent.push({ to: peer.key, frame: d.frame });
    return true;
  }
}

const peer = (port: number): Peer => ({ address: "127.0.0.1", port, key: `127.0.0.1:${port}` });
const ALICE = peer(50001);
const BOB = peer(50002);
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The udp sessions behind the transport's peer table (DatagramPeers), as the UDP listener runs them. */
function world(hub: Hub) {
  const out = new RecordingOut();
  const options: UdpOptions = { listIntervalMs: 60_000, idleTimeoutMs: 60_000, rate: { perSecond: 0, burst: 0 } };
  const link = new DatagramPeers(udpDialect({ hub, log: silentLog, version: "test", options }), out, { idleTimeoutMs: options.idleTimeoutMs, rate: options.rate, log: silentLog });
  link.start();
  /** The listener is closing: every session ends. */
  const server = { close: () => link.close() };
  const receive = (from: Peer, frame: UdpFrame): void => link.receive(encodeFrame(frame), from.address, from.port, Date.now());
  /** The ops (and Error texts) sent to `to`. */
  const heard = (to: Peer): string[] => out.sent.filter((s) => s.to === to.key).map((s) => (s.frame.op === Op.Error ? `error ${s.frame.message}` : String(s.frame.op)));
  return { link, server, receive, heard };
}

describe("udp sessions with pending hub answers", () => {
  it("answers a REGISTER once the registry decides, dropping the address's repeats meanwhile", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const { link, server, receive, heard } = world(hub);
    receive(ALICE, { op: Op.Register, name: "alice" });
    receive(ALICE, { op: Op.Register, name: "alice" }); // a client that did not wait
    assert.equal(gate.waiting, 1, "one claim");
    assert.deepEqual(heard(ALICE), []);
    assert.equal(link.admittedCount, 0);
    gate.open();
    await turn();
    assert.deepEqual(heard(ALICE), [String(Op.Ok)]);
    assert.equal(link.admittedCount, 1);
    assert.equal(hub.isOnline("alice"), true);
    server.close();
  });

  it("refuses a REGISTER that lost its name to a rival's once decided", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const { server, receive, heard } = world(hub);
    receive(ALICE, { op: Op.Register, name: "bob" });
    receive(BOB, { op: Op.Register, name: "BOB" });
    gate.open();
    await turn();
    assert.deepEqual(heard(ALICE), [String(Op.Ok)]);
    assert.equal(heard(BOB).length, 1);
    assert.match(heard(BOB)[0]!, /^error /);
    server.close();
  });

  it("holds a user's datagrams behind its pending PRIVATE and handles them in order once it is answered", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate) });
    const { server, receive, heard } = world(hub);
    receive(ALICE, { op: Op.Register, name: "alice" });
    receive(BOB, { op: Op.Register, name: "bob" });
    receive(ALICE, { op: Op.Private, to: "bob", text: "one" });
    receive(ALICE, { op: Op.Private, to: "nobody", text: "two" });
    receive(ALICE, { op: Op.List });
    receive(ALICE, { op: Op.Logout });
    assert.deepEqual(heard(ALICE), [String(Op.Ok)], "only the REGISTER's OK so far");
    assert.deepEqual(heard(BOB), [String(Op.Ok)]);
    gate.open();
    await turn();
    assert.deepEqual(heard(BOB), [String(Op.Ok), String(Op.PrivateMessage)]);
    assert.deepEqual(heard(ALICE), [String(Op.Ok), String(Op.Ok), "error no such user", String(Op.UserList), String(Op.Ok)]);
    assert.equal(hub.isOnline("alice"), false, "the LOGOUT came last");
    server.close();
  });

  it("drops what a user sends past the most that may wait, as the network may", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate) });
    hub.join(new QuietMember("bob"), "bob");
    const { server, receive, heard } = world(hub);
    receive(ALICE, { op: Op.Register, name: "alice" });
    receive(ALICE, { op: Op.Private, to: "bob", text: "first" });
    for (let i = 0; i < MAX_WAITING + 10; i++) receive(ALICE, { op: Op.Info });
    gate.open();
    await turn();
    assert.equal(heard(ALICE).filter((op) => op === String(Op.InfoReply)).length, MAX_WAITING);
    server.close();
  });

  it("abandons a pending REGISTER when the server closes: the name never comes online", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const { server, receive, heard } = world(hub);
    receive(ALICE, { op: Op.Register, name: "carol" });
    server.close();
    gate.open();
    await turn();
    assert.equal(hub.isOnline("carol"), false);
    assert.deepEqual(heard(ALICE), []);
    assert.equal(hub.tableSizes()["hub.pendingLogins"], 0);
  });
});
