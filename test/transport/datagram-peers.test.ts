/**
 * DatagramPeers (src/transport/datagram-peers.ts), with a toy datagram dialect (each
 * datagram a command word) and an output that records what is sent: the message rate of
 * admitted peers (the dialect hears of the first refusal of a run only), the session
 * boundary for datagrams and wrapped callbacks, idle release and the dialect's timers.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RateLimit } from "../../src/core/rate-limit.js";
import { DialectStats } from "../../src/core/stats.js";
import type { DatagramCodec, DecodedDatagram } from "../../src/transport/datagram-codec.js";
import { DatagramPeers, type DatagramOut } from "../../src/transport/datagram-peers.js";
import type { DatagramHandler, DatagramLink, Peer } from "../../src/transport/datagram-session.js";
import { captureLog } from "../helpers/capture-log.js";

const toyCodec: DatagramCodec<string> = {
  decode: (d: Buffer): DecodedDatagram<string> => ({ ok: true, frame: d.toString("latin1") }),
  encode: (f: string) => Buffer.from(f, "latin1"),
};

class Out implements DatagramOut {
  readonly sent: string[] = [];
  send(peer: Peer, datagram: Uint8Array, admitted: boolean): boolean {
    this.sent.push(`${peer.key} ${admitted ? "admitted" : "stranger"} ${Buffer.from(datagram).toString("latin1")}`);
    return true;
  }
}

/** `admit NAME`, `throw`, `later` (answers through a wrapped callback, kept in `pending`); anything else is echoed. */
class Toy implements DatagramHandler<string, string> {
  readonly seen: string[] = [];
  readonly overRated: string[] = [];
  readonly idle: string[] = [];
  readonly failed: string[] = [];
  readonly pending: (() => void)[] = [];
  ticks = 0;
  constructor(readonly link: DatagramLink<string>) {
    link.every(20, "ticking", () => {
      this.ticks++;
      if (this.ticks === 1) throw new Error("tick bug");
    });
  }
  onDatagram(d: DecodedDatagram<string>, from: Peer, session: string | undefined): void {
    if (!d.ok) return;
    this.seen.push(`${session ?? "-"}:${d.frame}`);
    const [command, arg] = d.frame.split(" ");
    if (command === "admit") this.link.admit(from, arg!);
    else if (command === "throw") throw new Error("handler bug");
    else if (command === "later" && session !== undefined)
      this.pending.push(
        this.link.guarded(from, session, () => {
          throw new Error("callback bug");
        }),
      );
    else this.link.send(from, Buffer.from(d.frame));
  }
  overRate(session: string): void {
    this.overRated.push(session);
  }
  onIdle(session: string): void {
    this.idle.push(session);
  }
  onSessionError(session: string): void {
    this.failed.push(session);
  }
  userOf(session: string): string {
    return `user-${session}`;
  }
  close(): void {}
}

function setup(rate: RateLimit = { perSecond: 0, burst: 1 }, idleTimeoutMs = 60_000) {
  const out = new Out();
  const { log, records } = captureLog();
  const stats = new DialectStats("toy");
  let toy: Toy | undefined;
  const peers = new DatagramPeers<string, string>({ name: "toy", codec: toyCodec, createHandler: (link) => (toy = new Toy(link)) }, out, { idleTimeoutMs, rate, stats, log });
  peers.start();
  // Times are given from now: a peer is admitted (its bucket made, its clock started) at Date.now().
  const t0 = Date.now();
  const from = (port: number) => ({ send: (s: string, at = 0) => peers.receive(Buffer.from(s, "latin1"), "127.0.0.1", port, t0 + at) });
  return { out, records, stats, peers, toy: toy!, from, t0 };
}

describe("datagram peers", () => {
  it("drops an admitted peer's datagrams over its rate before the dialect sees them, telling it of the first of each run", () => {
    const { stats, peers, toy, from } = setup({ perSecond: 10, burst: 2 });
    const a = from(5001);
    a.send("admit A", 0);
    for (let i = 0; i < 6; i++) a.send(`m${i}`, 0);
    assert.deepEqual(toy.seen, ["-:admit A", "A:m0", "A:m1"], "the burst, then nothing");
    assert.deepEqual(toy.overRated, ["A"], "one refusal told per run");
    assert.equal(stats.rateLimited.msg_rate, 4);
    a.send("m6", 150); // a token is back: the run is over
    a.send("m7", 150);
    assert.deepEqual(toy.seen.slice(3), ["A:m6"]);
    assert.deepEqual(toy.overRated, ["A", "A"], "a new run is told again");
    assert.equal(peers.isAdmitted("127.0.0.1:5001"), true);
  });

  it("never limits an address not admitted (the dialect answers those under the listener's reply limits)", () => {
    const { toy, from, out } = setup({ perSecond: 1, burst: 1 });
    for (let i = 0; i < 5; i++) from(5002).send(`hi${i}`, 0);
    assert.equal(toy.seen.length, 5);
    assert.ok(out.sent.every((s) => s.includes(" stranger ")));
  });

  it("counts a datagram over the rate as a sign of life, and releases peers silent for the idle limit, oldest first", () => {
    const { peers, toy, from, t0 } = setup({ perSecond: 1, burst: 1 }, 1000);
    from(5003).send("admit Q", 0);
    from(5004).send("admit T", 0);
    from(5004).send("over the rate", 900);
    from(5004).send("over the rate", 900);
    peers.sweep(t0 + 999);
    assert.deepEqual(toy.idle, [], "not yet");
    peers.sweep(t0 + 1100);
    assert.deepEqual(toy.idle, ["Q"]);
    assert.equal(peers.admittedCount, 1);
    peers.sweep(t0 + 1899);
    assert.deepEqual(toy.idle, ["Q"], "T was heard at 900");
    peers.sweep(t0 + 1900);
    assert.deepEqual(toy.idle, ["Q", "T"]);
  });

  it("a datagram that throws ends its admitted peer's session only, logged; from a stranger it costs that datagram", () => {
    const { records, peers, toy, from } = setup();
    from(5005).send("admit B");
    from(5006).send("admit G");
    from(5005).send("throw");
    from(5007).send("throw");
    assert.deepEqual(toy.failed, ["B"]);
    assert.equal(peers.isAdmitted("127.0.0.1:5005"), false);
    assert.equal(peers.isAdmitted("127.0.0.1:5006"), true);
    const lines = records.filter((r) => r.msg === "udp handler failed on a datagram; ending that session");
    assert.deepEqual(
      lines.map((r) => [r["dialect"], r["remote"], r["reason"], "user" in r]),
      [
        ["toy", "127.0.0.1:5005", "session_error", false],
        ["toy", "127.0.0.1:5007", "session_error", false],
      ],
    );
  });

  it("a wrapped callback that throws is logged with the user and ends that session", () => {
    const { records, peers, toy, from } = setup();
    from(5008).send("admit C");
    from(5008).send("later");
    assert.doesNotThrow(() => toy.pending[0]!());
    assert.deepEqual(toy.failed, ["C"]);
    assert.equal(peers.isAdmitted("127.0.0.1:5008"), false);
    const line = records.find((r) => r.msg === "udp session failed; logging it out")!;
    assert.deepEqual([line["remote"], line["user"], line["reason"]], ["127.0.0.1:5008", "user-C", "session_error"]);
  });

  it("runs the dialect's timers, logging a throw and going on, until close", async () => {
    const { records, peers, toy } = setup();
    const deadline = Date.now() + 2000;
    while (toy.ticks < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(toy.ticks >= 2, `${toy.ticks} ticks: a throw did not stop the timer`);
    assert.equal(records.filter((r) => r.msg === "ticking failed").length, 1);
    peers.close();
    const ticks = toy.ticks;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(toy.ticks, ticks, "stopped at close");
  });
});
