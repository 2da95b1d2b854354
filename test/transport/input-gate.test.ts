/**
 * InputGate (src/transport/input-gate.ts) with a real FrameReader over a line codec and
 * a fake socket: frames reach the session in order and only while nothing holds input
 * back (the session's pause, the output's high water, the message rate);
 * what is held back is handed over later, never lost; replies are marked; a throw ends
 * the session through the guard.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { DialectStats } from "../../src/core/stats.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { InputGate, type GateOwner } from "../../src/transport/input-gate.js";
import { SessionGuard } from "../../src/transport/session-guard.js";
import type { StreamSession } from "../../src/transport/session.js";
import { NEED, type Decoded, type StreamCodec } from "../../src/transport/stream-codec.js";
import { captureLog } from "../helpers/capture-log.js";

const lineCodec: StreamCodec<string> = {
  decode(buf: Buffer, offset: number): Decoded<string> {
    const nl = buf.indexOf(0x0a, offset);
    if (nl < 0) return NEED;
    return { kind: "frame", frame: buf.toString("latin1", offset, nl), consumed: nl - offset + 1 };
  },
};

class FakeSocket {
  paused = false;
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

class Owner implements GateOwner {
  closed = false;
  failed = 0;
  readonly stats = new DialectStats("toy");
  readonly remote = "127.0.0.1:4000";
  readonly guardedUser = "ann";
  readonly log = captureLog();
  readonly guard = new SessionGuard(this.log.log, "toy", "session failed; closing it");
  constructor(readonly limits: Readonly<Limits>) {}
  sessionFailed(): void {
    this.failed++;
    this.closed = true;
  }
}

/** Records each line, whether it was handled as a reply; `throw` throws. */
class Session implements StreamSession<string> {
  readonly lines: string[] = [];
  readonly overRated: string[] = [];
  gate!: InputGate<string>;
  replying: boolean[] = [];
  overRate?(line: string): void;
  onFrame(line: string): void {
    if (line === "throw") throw new Error("session bug");
    this.lines.push(line);
    this.replying.push(this.gate.replying);
  }
  isRateFree(line: string): boolean {
    return line === "ack";
  }
  onBody(): void {}
  onBodyEnd(): void {}
  onDecodeError(): void {}
  onClose(): void {}
}

function setup(limits: Partial<Limits> = {}, answerOverRate = false) {
  const owner = new Owner({ ...DEFAULT_LIMITS, msgRate: 0, ...limits });
  const socket = new FakeSocket();
  const gate = new InputGate<string>(owner, socket as unknown as Socket);
  const session = new Session();
  session.gate = gate;
  if (answerOverRate) session.overRate = (line) => void session.overRated.push(line);
  gate.start(session, new FrameReader(lineCodec, gate, 1024));
  return { owner, socket, gate, session, push: (s: string) => gate.received(Buffer.from(s, "latin1")) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(5);
  }
}

describe("input gate", () => {
  it("hands frames to the session in order, marked as replies while they are handled", () => {
    const { gate, session, push } = setup();
    push("a\nb\nc");
    push("\n");
    assert.deepEqual(session.lines, ["a", "b", "c"]);
    assert.deepEqual(session.replying, [true, true, true]);
    assert.equal(gate.replying, false, "not outside the input");
  });

  it("holds input while the session is paused, losing nothing, and goes on where it stopped", () => {
    const { socket, gate, session, push } = setup();
    push("a\n");
    gate.pause();
    assert.equal(socket.paused, true);
    push("b\nc\n");
    assert.deepEqual(session.lines, ["a"]);
    assert.equal(gate.stalledSince, 0, "a wait of the server's own is no stall");
    gate.resume();
    assert.deepEqual(session.lines, ["a", "b", "c"]);
    assert.equal(socket.paused, false);
  });

  it("holds input while the output is over its high water, and reads on when it falls", () => {
    const { socket, gate, session, push } = setup();
    gate.stopForOutput();
    assert.equal(gate.outputFull, true);
    push("a\nb\n");
    assert.deepEqual(session.lines, []);
    assert.equal(socket.paused, true);
    gate.resumeForOutput();
    assert.deepEqual(session.lines, ["a", "b"]);
    assert.equal(socket.paused, false);
  });

  it("over the message rate: keeps the frame and hands it over once a token is back, counting the hit; free frames never wait", async () => {
    const { owner, socket, session, push } = setup({ msgRate: 20, msgBurst: 1 });
    push("one\ntwo\nack\n");
    assert.deepEqual(session.lines, ["one"], "the second waits for its token; the rest waits behind it");
    assert.equal(socket.paused, true);
    assert.equal(owner.stats.rateLimited.msg_rate, 1);
    const started = Date.now();
    await until(() => session.lines.length === 3);
    assert.ok(Date.now() - started >= 30, "about a token's time (50 ms at 20/s)");
    assert.deepEqual(session.lines, ["one", "two", "ack"]);
    assert.equal(socket.paused, false);
    push("ack\nack\nack\n");
    assert.deepEqual(session.lines.slice(3), ["ack", "ack", "ack"], "acks are free");
  });

  it("over the message rate with overRate: the frame goes there instead, and input waits for the next token", async () => {
    const { owner, session, push } = setup({ msgRate: 20, msgBurst: 1 }, true);
    push("one\ntwo\nthree\n");
    assert.deepEqual(session.lines, ["one"]);
    assert.deepEqual(session.overRated, ["two"]);
    await until(() => session.lines.length === 2);
    assert.deepEqual(session.lines, ["one", "three"]);
    assert.equal(owner.stats.rateLimited.msg_rate, 1);
  });

  it("ends the session through the guard when it throws, logged, and stops handing it frames", () => {
    const { owner, gate, session, push } = setup();
    push("a\nthrow\n");
    assert.equal(owner.failed, 1);
    assert.deepEqual(
      owner.log.records.map((r) => [r.msg, r["dialect"], r["remote"], r["user"], r["reason"]]),
      [["session failed; closing it", "toy", "127.0.0.1:4000", "ann", "session_error"]],
    );
    gate.stop();
    push("b\n");
    assert.deepEqual(session.lines, ["a"]);
  });
});
