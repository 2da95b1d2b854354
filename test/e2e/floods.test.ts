/**
 * Floods, per dialect (issue 8, "Hard to break"): one client sends as fast as its socket
 * takes bytes, and is held to the message rate in its dialect's way (bcs status 7, cs262
 * a RESPONSE error, lab and gowing read more slowly with no error, udp one Error per run
 * of dropped datagrams); meanwhile a well-behaved client's round trips keep their
 * latency. Real sockets on loopback, an in-process server with the default limits
 * (--msg-rate 50, --msg-burst 100).
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { BcsCodec, encodeFrame as encodeBcs } from "../../src/protocols/bcs/codec.js";
import { FrameType as Bcs, Status } from "../../src/protocols/bcs/frames.js";
import { Cs262Codec, encodeFrame as encodeCs262 } from "../../src/protocols/cs262/codec.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { GowingCodec, encodeText as encodeGowing } from "../../src/protocols/gowing/codec.js";
import { FrameType as Gowing } from "../../src/protocols/gowing/frames.js";
import { decodeDatagram, encodeFrame as encodeUdp } from "../../src/protocols/udp/codec.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { countLines, floodSocket, onFrames, percentile, rateCeiling, sleep, timeRoundTrips } from "../helpers/flood.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, startHub } from "../helpers/server.js";
import { RawUdp } from "../helpers/udp-wire.js";

const RATE = DEFAULT_LIMITS.msgRate;
const BURST = DEFAULT_LIMITS.msgBurst;
/** The bound on a well-behaved client's 99th-percentile round trip while the flood runs. */
const P99_BOUND_MS = 50;
/** Round trips measured, one after another with this gap (under the rate: ~1 every 16 ms). */
const ROUNDS = 100;
const GAP_MS = 15;
/** How long the flood runs before the measurement starts: the burst is long spent by then. */
const WARM_UP_MS = 200;
const TIMEOUT = { timeout: 60_000 };

/** The flooder's outcome and the others' latency, checked the same way for every dialect. */
function report(t: TestContext, dialect: string, elapsedMs: number, served: number, samples: number[]): void {
  const p99 = percentile(samples, 99);
  const rate = (served * 1000) / elapsedMs;
  t.diagnostic(
    `${dialect}: flooder served ${served} in ${elapsedMs} ms (${rate.toFixed(1)}/s over the whole run incl. the burst of ${BURST}); ` +
      `well-behaved p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...samples).toFixed(2)} ms`,
  );
  assert.ok(served <= rateCeiling(RATE, BURST, elapsedMs), `${served} flood messages served in ${elapsedMs} ms: over ${RATE}/s with a burst of ${BURST}`);
  // Held to the rate, not starved: it still gets its share.
  assert.ok(served >= BURST + (RATE * (elapsedMs - 500)) / 1000 / 2, `only ${served} flood messages served in ${elapsedMs} ms`);
  assert.ok(p99 < P99_BOUND_MS, `p99 round trip ${p99.toFixed(1)} ms while a flood runs`);
}

describe("floods: one client as fast as it can, the others keep their latency", TIMEOUT, () => {
  it("lab: the flooder is read at --msg-rate and gets no error line; LIST round trips stay fast", async (t) => {
    const server = await startHub({ lab: { ...ANY_PORT, bots: [] } });
    const peers: { close(): void }[] = [];
    try {
      const port = server.ports["lab"]!;
      const sink = await RawLab.login(port, "sink");
      const flooder = await RawLab.login(port, "flooder");
      const alice = await RawLab.login(port, "alice");
      peers.push(sink, flooder, alice);
      const replies = countLines(flooder.socket);
      const start = Date.now();
      const flood = floodSocket(flooder.socket, Buffer.from("SEND sink x\n".repeat(2000)));
      await sleep(WARM_UP_MS);
      const samples = await timeRoundTrips(ROUNDS, GAP_MS, async () => {
        alice.write("LIST\n");
        assert.match((await alice.next()) ?? "", /^LIST-OK /);
      });
      const elapsed = Date.now() - start;
      const served = replies.get("SEND-OK") ?? 0;
      flood.stop();
      assert.deepEqual([...replies.keys()], ["SEND-OK"], "the lab answers a flood with nothing but slower reading");
      report(t, "lab", elapsed, served, samples);
      assert.equal(server.running.hub.isOnline("flooder"), true, "slowed, not dropped");
    } finally {
      for (const p of peers) p.close();
      await server.close();
    }
  });

  it("gowing: the flooder is read at --msg-rate and gets no ERROR; LIST round trips stay fast", async (t) => {
    const server = await startHub({ gowing: { ...ANY_PORT, logDir: "off" } });
    const peers: { close(): void }[] = [];
    try {
      const port = server.ports["gowing"]!;
      const sink = await RawGowing.joined(port, "sink");
      const flooder = await RawGowing.joined(port, "flooder");
      const alice = await RawGowing.joined(port, "alice");
      peers.push(sink, flooder, alice);
      let served = 0;
      onFrames(sink.socket, new GowingCodec(3 + 0xffff), (f) => {
        if (f.kind === "text" && f.text === "[flooder] x") served++;
      });
      const errors: string[] = [];
      onFrames(flooder.socket, new GowingCodec(3 + 0xffff), (f) => {
        if (f.type === Gowing.Error && f.kind === "text") errors.push(f.text);
      });
      const start = Date.now();
      const flood = floodSocket(flooder.socket, Buffer.concat(Array.from({ length: 2000 }, () => encodeGowing(Gowing.Message, "x"))));
      await sleep(WARM_UP_MS);
      const samples = await timeRoundTrips(ROUNDS, GAP_MS, async () => {
        alice.send(Gowing.List);
        for (;;) {
          const f = await alice.next();
          if (f?.type === Gowing.List) break;
          assert.equal(f?.type, Gowing.Message); // the flood's lines, at the rate
        }
      });
      const elapsed = Date.now() - start;
      const seen = served;
      flood.stop();
      assert.deepEqual(errors, [], "gowing answers a flood with nothing but slower reading");
      report(t, "gowing", elapsed, seen, samples);
    } finally {
      for (const p of peers) p.close();
      await server.close();
    }
  });

  it("bcs: the flooder gets status 7 beyond --msg-rate; send round trips of others stay fast", async (t) => {
    const server = await startHub({ bcs: { ...ANY_PORT, chatLog: "off" } });
    const peers: { close(): void }[] = [];
    try {
      const port = server.ports["bcs"]!;
      const sink = (await RawBcs.login(port, "sink")).peer;
      const flooder = (await RawBcs.login(port, "flooder")).peer;
      const alice = (await RawBcs.login(port, "alice")).peer;
      peers.push(sink, flooder, alice);
      // The sink acknowledges everything at once, as bcs_client does.
      onFrames(sink.socket, new BcsCodec(1 << 20), (f) => {
        if (f.type === Bcs.Deliver) sink.ack();
      });
      const statuses = new Map<number, number>();
      onFrames(flooder.socket, new BcsCodec(1 << 20), (f) => {
        if (f.type === Bcs.Status) statuses.set(f.code, (statuses.get(f.code) ?? 0) + 1);
      });
      const start = Date.now();
      const flood = floodSocket(flooder.socket, Buffer.concat(Array.from({ length: 2000 }, () => encodeBcs({ type: Bcs.Send, message: "x" }))));
      await sleep(WARM_UP_MS);
      const samples = await timeRoundTrips(ROUNDS, GAP_MS, async () => {
        alice.send({ type: Bcs.Send, message: "ping" });
        for (;;) {
          const f = await alice.next();
          if (f?.type === Bcs.Deliver) {
            alice.ack(); // the flood's messages, acknowledged as they come
            continue;
          }
          assert.equal(f?.type, Bcs.Status);
          assert.equal(f.code, Status.Ok, f.message);
          return;
        }
      });
      const elapsed = Date.now() - start;
      const served = statuses.get(Status.Ok) ?? 0;
      const limited = statuses.get(Status.RateLimited) ?? 0;
      flood.stop();
      assert.deepEqual([...statuses.keys()].sort(), [Status.Ok, Status.RateLimited], "only ok and 7 (rate limited)");
      // Each answer is followed by a wait for the next token: the 7s come at about the rate
      // (one per token, so fewer than the messages served), not at the flood's speed.
      assert.ok(limited > 0 && limited <= served, `${limited} status 7 answers for ${served} served in ${elapsed} ms`);
      t.diagnostic(`bcs: ${limited} status 7 answers`);
      report(t, "bcs", elapsed, served, samples);
    } finally {
      for (const p of peers) p.close();
      await server.close();
    }
  });

  it("bcs: acks of outstanding delivers never wait for the rate; stray acks count like any frame", async (t) => {
    const server = await startHub({ bcs: { ...ANY_PORT, chatLog: "off" } }, { msgRate: 10, msgBurst: 5 });
    try {
      const alice = (await RawBcs.login(server.ports["bcs"]!, "alice")).peer;
      const hub = server.running.hub;
      const talker = { name: "talker", dialect: "test", deliver: () => true, disconnect: () => undefined };
      assert.equal(hub.join(talker, "talker"), "ok");
      await alice.deliver(); // talker has connected
      // 40 delivers, each acknowledged: far past 10/s with a burst of 5 if acks counted.
      const t0 = Date.now();
      for (let i = 0; i < 40; i++) hub.lobby(talker, `m${i}`);
      for (let i = 0; i < 40; i++) assert.deepEqual(await alice.deliver(), { from: "talker", message: `m${i}` });
      const ackedMs = Date.now() - t0;
      assert.ok(ackedMs < 1500, `40 acknowledged delivers took ${ackedMs} ms`);
      // 25 stray acks, then a send: its answer waits until the acks ahead of it were read at the rate.
      await sleep(600); // the burst is back
      const t1 = Date.now();
      for (let i = 0; i < 25; i++) alice.ack();
      alice.send({ type: Bcs.Send, message: "after the strays" });
      const reply = await alice.next(10_000);
      const strayMs = Date.now() - t1;
      // Stray acks get no answer; the send gets its own (ok, or 7 if it too came over the rate).
      assert.ok(reply?.type === Bcs.Status && (reply.code === Status.Ok || reply.code === Status.RateLimited), JSON.stringify(reply));
      // The burst of 5 at once, then two frames per token (one read, one refused): about 1 s.
      assert.ok(strayMs >= 800, `answered ${strayMs} ms after 25 stray acks at 10/s with a burst of 5`);
      t.diagnostic(`bcs: 40 acknowledged delivers in ${ackedMs} ms; a send behind 25 stray acks answered after ${strayMs} ms`);
      alice.close();
    } finally {
      await server.close();
    }
  });

  it("cs262: the flooder gets a RESPONSE error beyond --msg-rate; SEND round trips of others stay fast", async (t) => {
    const server = await startHub({ cs262: ANY_PORT, store: "memory" });
    const peers: { close(): void }[] = [];
    try {
      const port = server.ports["cs262"]!;
      const sink = await RawCs262.account(port, "sink");
      const bob = await RawCs262.account(port, "bob");
      const flooder = await RawCs262.account(port, "flooder");
      const alice = await RawCs262.account(port, "alice");
      peers.push(sink, bob, flooder, alice);
      const answers = new Map<string, number>();
      onFrames(flooder.socket, new Cs262Codec(1 << 20), (f) => {
        if (f.command === Command.Response) answers.set(f.error, (answers.get(f.error) ?? 0) + 1);
      });
      const start = Date.now();
      const one = encodeCs262({ command: Command.Send, sender: "flooder", recipient: "sink", message: "x" });
      const flood = floodSocket(flooder.socket, Buffer.concat(Array.from({ length: 1000 }, () => one)));
      await sleep(WARM_UP_MS);
      const samples = await timeRoundTrips(ROUNDS, GAP_MS, async () => {
        assert.equal(await alice.message("alice", "bob", "ping"), "");
      });
      const elapsed = Date.now() - start;
      const served = answers.get("") ?? 0;
      const limited = answers.get("rate limited; slow down") ?? 0;
      flood.stop();
      assert.deepEqual([...answers.keys()].sort(), ["", "rate limited; slow down"]);
      assert.ok(limited > 0 && limited <= served, `${limited} rate-limited answers for ${served} served in ${elapsed} ms`);
      t.diagnostic(`cs262: ${limited} RESPONSE errors`);
      report(t, "cs262", elapsed, served, samples);
    } finally {
      for (const p of peers) p.close();
      await server.close();
    }
  });

  it("udp: the flooder's datagrams beyond the rate are dropped with one Error per run; INFO round trips stay fast", async (t) => {
    // udp keeps its own, stricter default rate (10/s); here it is given the TCP defaults,
    // so that the well-behaved client's 100 round trips are within it.
    const server = await startHub({ udp: { ...ANY_PORT, rate: { perSecond: RATE, burst: BURST } } });
    const peers: RawUdp[] = [];
    let flooding = false;
    try {
      const port = server.ports["udp"]!;
      const flooder = await RawUdp.registered(port, "flooder");
      const alice = await RawUdp.registered(port, "alice");
      peers.push(flooder, alice);
      let served = 0;
      let errors = 0;
      flooder.socket.on("message", (m) => {
        const d = decodeDatagram(m);
        if (d.ok && d.frame.op === Op.PublicMessage) served++; // its own messages come back (RFC 4.2)
        if (d.ok && d.frame.op === Op.Error) errors++;
      });
      const datagram = encodeUdp({ op: Op.Public, text: "x" });
      // The flooder shares this thread with the server: it sends a batch per turn of the
      // event loop, about what the server reads per turn. A flood faster than the server
      // reads only fills the kernel's receive buffer, which drops every sender's datagrams
      // alike; no server-side limit can help that (docs/udp.md#anti-abuse).
      let sent = 0;
      const pump = (): void => {
        if (!flooding) return;
        for (let i = 0; i < 32; i++) flooder.write(datagram);
        sent += 32;
        setImmediate(pump);
      };
      const start = Date.now();
      flooding = true;
      pump();
      await sleep(WARM_UP_MS);
      const samples = await timeRoundTrips(ROUNDS, GAP_MS, async () => {
        alice.send({ op: Op.Info });
        for (;;) {
          const f = await alice.next();
          if (f.op === Op.InfoReply) return;
          assert.ok(f.op === Op.PublicMessage || f.op === Op.UserList, `unexpected ${f.op}`);
        }
      });
      const elapsed = Date.now() - start;
      const seen = served;
      flooding = false;
      t.diagnostic(`udp: ${sent} datagrams sent by the flooder, ${errors} Error "rate limited"`);
      assert.ok(sent > 10 * seen, "the flooder did flood");
      assert.ok(errors >= 1 && errors <= seen + 1, `${errors} Errors for ${seen} datagrams served: one per run of dropped ones`);
      report(t, "udp", elapsed, seen, samples);
    } finally {
      flooding = false;
      for (const p of peers) p.close();
      await server.close();
    }
  });
});
