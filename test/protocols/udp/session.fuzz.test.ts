/**
 * The CHAT UDP sessions (UdpServer) under fuzz, behind the transport's own peers table
 * (DatagramPeers: admitted peers, their message rate, idle release, as the UDP listener
 * uses it, src/transport/udp-listener.ts) with an output that records every datagram
 * sent instead of a socket, and a real Hub. Datagrams go in as the listener hands them
 * over: bytes and a source address.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Hub } from "../../../src/core/hub.js";
import { silentLog } from "../../../src/log/ops-log.js";
import { decodeDatagram, encodeFrame } from "../../../src/protocols/udp/codec.js";
import { MAX_SERVER_DATAGRAM, Op } from "../../../src/protocols/udp/frames.js";
import { udpDialect } from "../../../src/protocols/udp/index.js";
import type { UdpOptions } from "../../../src/protocols/udp/session.js";
import { DatagramPeers, type DatagramOut } from "../../../src/transport/datagram-peers.js";
import type { Peer } from "../../../src/transport/datagram-session.js";
import { QuietMember } from "../../helpers/quiet-member.js";

interface Sent {
  readonly to: string;
  readonly datagram: Buffer;
  /** The peer was admitted (registered) when the datagram was sent. */
  readonly admitted: boolean;
}

/** The socket's side: records what is sent, and whether its address was admitted then. */
class RecordingOut implements DatagramOut {
  readonly sent: Sent[] = [];
  send(peer: Peer, datagram: Uint8Array, admitted: boolean): boolean {
    this.sent.push({ to: peer.key, datagram: Buffer.from(datagram), admitted });
    return true;
  }
}

const PEERS: Peer[] = [0, 1, 2].map((i) => ({ address: "127.0.0.1", port: 50000 + i, key: `127.0.0.1:${50000 + i}` }));
const IDLE_MS = 60_000;

function world(rate: UdpOptions["rate"]) {
  const hub = new Hub({ limits: { maxMessageBytes: 2000, maxUsers: 4 } });
  hub.join(new QuietMember("watcher"), "watcher");
  const link = new RecordingOut();
  const options: UdpOptions = { listIntervalMs: 60_000, idleTimeoutMs: IDLE_MS, rate };
  const peers = new DatagramPeers(udpDialect({ hub, log: silentLog, version: "test", options }), link, { idleTimeoutMs: IDLE_MS, rate, log: silentLog });
  peers.start();
  /** Hand one datagram over as the listener does; returns what was sent to its sender meanwhile. */
  const receive = (from: Peer, datagram: Buffer): Sent[] => {
    const before = link.sent.length;
    peers.receive(datagram, from.address, from.port, Date.now());
    return link.sent.slice(before).filter((s) => s.to === from.key);
  };
  return { hub, link, peers, receive };
}

// ---- arbitraries --------------------------------------------------------------------

const NAMES = ["alice", "ALICE", "bob", "watcher", "server", "bad name", "", "x".repeat(33)];
const name = fc.constantFrom(...NAMES);
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("hi", "x".repeat(1500), "é\u0000x"));

const valid: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: name.map((n) => encodeFrame({ op: Op.Register, name: n })) },
  { weight: 4, arbitrary: text.map((t) => encodeFrame({ op: Op.Public, text: t })) },
  { weight: 4, arbitrary: fc.tuple(name, text).map(([to, t]) => encodeFrame({ op: Op.Private, to, text: t })) },
  { weight: 2, arbitrary: fc.constantFrom(Op.Logout, Op.Info, Op.List, Op.Ok).map((op) => encodeFrame({ op } as never)) },
  { weight: 1, arbitrary: fc.tuple(name, text).map(([from, t]) => encodeFrame({ op: Op.PublicMessage, from, text: t })) },
);

const datagram: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: valid },
  // damaged: a byte changed (often the length), or cut short, or random bytes
  {
    weight: 2,
    arbitrary: fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([d, at, v, cut]) => {
      const c = Buffer.from(d);
      if (cut) return c.subarray(0, at % (c.length + 1));
      c[at % Math.min(c.length, 3)] = v;
      return c;
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)) },
);

/** What every datagram the server sends must be. */
function checkSent(link: RecordingOut): void {
  for (const s of link.sent) {
    assert.ok(s.datagram.length <= MAX_SERVER_DATAGRAM, `at most ${MAX_SERVER_DATAGRAM} bytes (docs/udp.md#what-other-dialects-events-become)`);
    const d = decodeDatagram(s.datagram);
    assert.ok(d.ok, `the server sends only well-formed datagrams: ${s.datagram.toString("hex")}`);
    assert.ok(([Op.Ok, Op.Error, Op.PublicMessage, Op.PrivateMessage, Op.InfoReply, Op.UserList] as number[]).includes(d.frame.op), `server op ${d.frame.op}`);
    // An address that is not registered only ever hears an Error or INFO's reply
    // (docs/udp.md#anti-abuse); registered-only traffic never reaches it.
    if (!s.admitted) assert.ok(d.frame.op === Op.Error || d.frame.op === Op.InfoReply, `op ${d.frame.op} to an unregistered address`);
  }
}

describe("udp sessions under fuzz", () => {
  it("never throws, answers every datagram of a registered address, answers an unregistered one only for REGISTER and INFO", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 }), datagram), { maxLength: 40 }), (script) => {
        const { hub, link, peers, receive } = world({ perSecond: 0, burst: 0 });
        for (const [who, d] of script) {
          const peer = PEERS[who]!;
          const registered = peers.isAdmitted(peer.key);
          const replies = receive(peer, d);
          if (registered) assert.ok(replies.length > 0, `a registered address is answered: ${d.toString("hex")}`);
          else if (d[0] !== Op.Register && d[0] !== Op.Info) assert.deepEqual(replies, [], `an unregistered address gets nothing for ${d.toString("hex")}`);
          else assert.ok(replies.length > 0, "REGISTER and INFO are answered");
        }
        checkSent(link);
        peers.close();
        assert.equal(peers.admittedCount, 0);
        assert.deepEqual(hub.names(), ["watcher"]);
      }),
      { numRuns: 500 },
    );
  });

  it("sends nothing to an address after it logged out or went idle, until it registers again", () => {
    fc.assert(
      fc.property(fc.array(datagram, { maxLength: 10 }), fc.boolean(), fc.array(datagram, { maxLength: 10 }), (before, idle, others) => {
        const { hub, link, peers, receive } = world({ perSecond: 0, burst: 0 });
        const [me, other] = [PEERS[0]!, PEERS[1]!];
        receive(me, encodeFrame({ op: Op.Register, name: "alice" }));
        for (const d of before) receive(me, d);
        if (peers.isAdmitted(me.key)) {
          if (idle) {
            // The listener's watchdog comes round once the idle limit has passed.
            peers.sweep(Date.now() + IDLE_MS);
            assert.equal(peers.isAdmitted(me.key), false, "released when idle");
          } else receive(me, encodeFrame({ op: Op.Logout }));
        }
        const mark = link.sent.length;
        receive(other, encodeFrame({ op: Op.Register, name: "bob" }));
        for (const d of others) receive(other, d);
        assert.deepEqual(link.sent.slice(mark).filter((s) => s.to === me.key), [], "nothing to a logged-out address");
        checkSent(link);
        peers.close();
        assert.deepEqual(hub.names(), ["watcher"]);
      }),
      { numRuns: 300 },
    );
  });

  it("answers a flood from one registered address with at most its burst and one rate-limit Error", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 20, max: 200 }), (burst, flood) => {
        const { link, peers, receive } = world({ perSecond: 1, burst });
        const me = PEERS[0]!;
        receive(me, encodeFrame({ op: Op.Register, name: "alice" }));
        const mark = link.sent.length;
        for (let i = 0; i < flood; i++) receive(me, encodeFrame({ op: Op.Info }));
        const got = link.sent.slice(mark).map((s) => decodeDatagram(s.datagram));
        const infos = got.filter((d) => d.ok && d.frame.op === Op.InfoReply).length;
        const errors = got.filter((d) => d.ok && d.frame.op === Op.Error);
        // The REGISTER took a token; a second may refill while the flood runs.
        assert.ok(infos <= burst + 1, `${infos} answers for a burst of ${burst}`);
        assert.equal(errors.length, 1, "one Error per run of refused datagrams");
        checkSent(link);
        peers.close();
      }),
      { numRuns: 100 },
    );
  });
});

