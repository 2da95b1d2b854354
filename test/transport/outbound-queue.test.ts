/**
 * OutboundQueue (src/transport/outbound-queue.ts) over a fake socket whose unsent bytes
 * (writableLength) the test sets: coalesced writes, the slow-consumer limits (replies
 * free, pushed frames counted only while the socket is backed up, pushed bytes charged
 * only while unsent), the high-water hold on input, split frames and flush waiters.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { OUTPUT_HIGH_WATER, OutboundQueue, SPLIT_PAUSE_MS, type OutputPressure, type QueueOwner } from "../../src/transport/outbound-queue.js";

class FakeSocket {
  readonly writes: Buffer[] = [];
  /** Which writes were handed over as text (a net.Socket encodes those itself). */
  readonly textWrites: number[] = [];
  /** Bytes the kernel has not taken: set by the test. */
  writableLength = 0;
  readonly writableHighWaterMark = 16 * 1024;
  destroyed = false;
  corks = 0;
  write(b: Uint8Array | string): boolean {
    if (typeof b === "string") this.textWrites.push(this.writes.length);
    this.writes.push(Buffer.from(b));
    return true;
  }
  cork(): void {
    this.corks++;
  }
  uncork(): void {}
}

class Owner implements QueueOwner {
  closed = false;
  overLimit = 0;
  readonly thrown: unknown[] = [];
  overQueueLimit(): void {
    this.overLimit++;
  }
  runGuarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.thrown.push(err);
    }
  }
}

class Pressure implements OutputPressure {
  outputFull = false;
  stops = 0;
  resumes = 0;
  stopForOutput(): void {
    this.outputFull = true;
    this.stops++;
  }
  resumeForOutput(): void {
    this.outputFull = false;
    this.resumes++;
  }
}

function setup(limits: Partial<Limits> = {}) {
  const socket = new FakeSocket();
  const owner = new Owner();
  const input = new Pressure();
  const queue = new OutboundQueue(socket as unknown as Socket, { ...DEFAULT_LIMITS, ...limits }, owner, input);
  return { socket, owner, input, queue };
}

const bytes = (n: number, fill = "x") => Buffer.alloc(n, fill);
const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("outbound queue", () => {
  it("writes what one turn queued in one write: merged when small, corked when large", async () => {
    const { socket, queue } = setup();
    queue.push(Buffer.from("a\n"), false);
    queue.push(Buffer.from("b\n"), true);
    queue.push(Buffer.from("c\n"), false);
    assert.equal(socket.writes.length, 0, "nothing is written before the turn ends");
    await turn();
    assert.deepEqual(socket.writes.map(String), ["a\nb\nc\n"]);
    queue.push(bytes(10_000, "p"), false);
    queue.push(bytes(10_000, "q"), false);
    await turn();
    assert.equal(socket.corks, 1, "over 16 KiB: corked writes, not one copy");
    assert.equal(socket.writes.length, 3);
  });

  it("joins the text frames of a turn into one text write, and keeps text and bytes in order", async () => {
    const { socket, queue } = setup();
    queue.push("DELIVERY ann hi\n", false);
    queue.push("SEND-OK\n", true);
    queue.push("DELIVERY ann é✓\n", false);
    assert.equal(queue.frameCount, 3, "joined text still counts as the frames it joined");
    await turn();
    assert.deepEqual(socket.writes.map(String), ["DELIVERY ann hi\nSEND-OK\nDELIVERY ann é✓\n"]);
    assert.deepEqual(socket.textWrites, [0], "handed to the socket as text, which encodes it as UTF-8");

    queue.push("a\n", false);
    queue.push(Buffer.from("b\n"), false);
    queue.push("c\n", false);
    queue.push("d\n", true);
    await turn();
    assert.deepEqual(socket.writes.map(String).slice(1), ["a\nb\nc\nd\n"], "mixed: one write, in order");
    assert.deepEqual(socket.textWrites, [0], "mixed output is written as bytes");

    queue.push(Buffer.from("DELIVERY ann "), false);
    queue.push("é✓😀 → ü\n", false); // 9 characters long, 17 bytes of UTF-8
    queue.push(Buffer.from("SEND-OK\n"), true);
    await turn();
    assert.equal(socket.writes.at(-1)!.toString("utf8"), "DELIVERY ann é✓😀 → ü\nSEND-OK\n", "mixed with UTF-8: every byte written");
  });

  it("counts text by its length toward the limits and the high-water mark", () => {
    const stuck = setup({ queueBytes: 100 });
    assert.equal(stuck.queue.push("x".repeat(60), false), true);
    assert.equal(stuck.queue.pendingBytes, 60);
    assert.equal(stuck.queue.push("y".repeat(60), false), false, "120 characters pushed and unsent");
    assert.equal(stuck.owner.overLimit, 1);

    const { input, queue } = setup();
    queue.push("r".repeat(OUTPUT_HIGH_WATER), true);
    assert.equal(input.stops, 0);
    queue.push("s", true);
    assert.equal(input.stops, 1, "text replies past the mark hold input back too");
  });

  it("splits a text frame by its UTF-8 bytes", async () => {
    const { socket, queue } = setup();
    queue.pushSplit("DELIVERY bot ab\n", false);
    await turn();
    assert.deepEqual(socket.writes.map(String), ["DELIVERY"]);
    while (socket.writes.length < 2) await sleep(10);
    assert.deepEqual(socket.writes.map(String), ["DELIVERY", " bot ab\n"]);
  });

  it("counts pushed frames only while the socket is backed up, and never replies", () => {
    const kept = setup({ queueFrames: 2, queueBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) assert.equal(kept.queue.push(bytes(10), false), true);
    assert.equal(kept.owner.overLimit, 0, "a burst for a socket with nothing unsent is no debt");

    const replies = setup({ queueFrames: 2, queueBytes: 1 << 20 });
    replies.socket.writableLength = 1;
    for (let i = 0; i < 10; i++) assert.equal(replies.queue.push(bytes(10), true), true);
    assert.equal(replies.owner.overLimit, 0, "replies never make a slow consumer");

    const backedUp = setup({ queueFrames: 2, queueBytes: 1 << 20 });
    backedUp.socket.writableLength = 1;
    assert.equal(backedUp.queue.push(bytes(10), false), true);
    assert.equal(backedUp.queue.push(bytes(10), false), true);
    assert.equal(backedUp.queue.push(bytes(10), false), false, "the third pushed frame is over --queue-frames 2");
    assert.equal(backedUp.owner.overLimit, 1);
  });

  it("charges pushed bytes only while they are unsent: a reader that keeps up under a steady stream is not dropped", async () => {
    const steady = setup({ queueBytes: 100 });
    steady.socket.writableLength = 10; // never quite empty
    for (let i = 0; i < 10; i++) {
      assert.equal(steady.queue.push(bytes(60), false), true, `push ${i}`);
      await turn(); // flushed: 10 bytes stay unsent
    }
    assert.equal(steady.owner.overLimit, 0, "600 bytes pushed, never more than 70 unsent");

    const stuck = setup({ queueBytes: 100 });
    assert.equal(stuck.queue.push(bytes(60), false), true);
    assert.equal(stuck.queue.push(bytes(60), false), false, "120 bytes pushed and unsent");
    assert.equal(stuck.owner.overLimit, 1);
  });

  it("holds input back past OUTPUT_HIGH_WATER until the socket has taken all but its own buffer", async () => {
    const { socket, input, queue } = setup();
    queue.push(bytes(OUTPUT_HIGH_WATER), true);
    assert.equal(input.stops, 0, "at the mark: still reading");
    queue.push(bytes(1), true);
    assert.equal(input.stops, 1);
    assert.equal(queue.pendingBytes, OUTPUT_HIGH_WATER + 1);
    socket.writableLength = 20 * 1024; // written, but the kernel has not taken it all
    await turn();
    assert.equal(input.resumes, 0, "20 KiB unsent is over the socket's 16 KiB buffer");
    socket.writableLength = 16 * 1024;
    queue.socketDrained();
    assert.equal(input.resumes, 1, "at the socket's own buffer input goes on");
    socket.writableLength = 0;
    queue.socketDrained();
    assert.equal(input.resumes, 1, "not resumed twice");
  });

  it("writes a split frame in two parts with a pause between; what comes meanwhile waits behind it", async () => {
    const { socket, queue } = setup();
    const started = Date.now();
    const line = "DELIVERY bot split me\n"; // 22 bytes: 11 and 11
    queue.pushSplit(Buffer.from(line), false);
    queue.push(Buffer.from("next\n"), false);
    assert.equal(queue.frameCount, 3, "the first half queued; the rest held, and the next frame behind it");
    await turn();
    assert.deepEqual(socket.writes.map(String), [line.slice(0, 11)]);
    assert.equal(queue.pendingBytes, 11 + "next\n".length, "held bytes are still pending");
    while (socket.writes.length < 2) await sleep(10);
    assert.ok(Date.now() - started >= SPLIT_PAUSE_MS - 5, "the pause is kept");
    assert.deepEqual(socket.writes.map(String), [line.slice(0, 11), line.slice(11) + "next\n"]);
  });

  it("writes the held part at once when the connection closes, and nothing when it was destroyed", async () => {
    const closing = setup();
    closing.queue.pushSplit(Buffer.from("abcd"), false);
    closing.queue.flushAll();
    assert.deepEqual(closing.socket.writes.map(String), ["abcd"], "the pause is cut short: what was promised is written");

    const destroyed = setup();
    destroyed.queue.pushSplit(Buffer.from("abcd"), false);
    destroyed.queue.drop();
    destroyed.owner.closed = true;
    assert.equal(destroyed.queue.pendingBytes, 0);
    await sleep(SPLIT_PAUSE_MS + 50);
    assert.deepEqual(destroyed.socket.writes, [], "nothing after a destroy");
    assert.deepEqual(closing.socket.writes.map(String), ["abcd"], "and nothing twice after a close");
  });

  it("calls flush waiters once everything queued has been taken, inside the session boundary", async () => {
    const { socket, owner, queue } = setup();
    const calls: string[] = [];
    queue.whenFlushed(() => calls.push("at once"));
    assert.deepEqual(calls, ["at once"], "nothing pending: called at once");
    queue.push(bytes(10), true);
    queue.whenFlushed(() => calls.push("after"));
    queue.whenFlushed(() => {
      throw new Error("waiter bug");
    });
    socket.writableLength = 10;
    await turn();
    assert.deepEqual(calls, ["at once"], "written but not yet taken by the kernel");
    socket.writableLength = 0;
    queue.socketDrained();
    assert.deepEqual(calls, ["at once", "after"]);
    assert.equal(owner.thrown.length, 1, "a throwing waiter went to the boundary");
    queue.push(bytes(10), true);
    queue.whenFlushed(() => calls.push("forgotten"));
    queue.forgetWaiters();
    await turn();
    assert.deepEqual(calls, ["at once", "after"], "the socket closed: waiters are forgotten");
  });
});
