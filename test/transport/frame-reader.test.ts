/**
 * FrameReader: pausing keeps bytes and order, maxBuffered bounds an incomplete frame,
 * partialSince times incomplete frames (with an injected clock), recoverable errors
 * skip and continue. Driven mostly by the bcs codec, whose frames are easy to build.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BcsCodec, encodeDeliver, encodeOneString, encodeRecvFileHeader, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType, type BcsFrame } from "../../src/protocols/bcs/frames.js";
import { FrameReader, type FrameSink } from "../../src/transport/frame-reader.js";
import { NEED, type CodecError, type Decoded, type StreamCodec } from "../../src/transport/stream-codec.js";

type Event = string;

/** Events as short strings: `frame:send:a`, `body:xyz`, `end`, `error:CODE:fatal`. */
function describeFrame(f: BcsFrame): string {
  switch (f.type) {
    case FrameType.Send:
      return `frame:send:${f.message}`;
    case FrameType.Register:
      return `frame:register:${f.username}`;
    case FrameType.Status:
      return `frame:status:${f.code}`;
    case FrameType.RecvFile:
      return `frame:recvfile:${f.size}`;
    default:
      return `frame:${String(f.type)}`;
  }
}

/** A FrameReader over the bcs codec that records events and lets a test act inside them. */
class Harness {
  readonly events: Event[] = [];
  /** Called after each event is recorded, from inside the sink callback. */
  hook: (e: Event, reader: FrameReader<BcsFrame>) => void = () => undefined;
  readonly reader: FrameReader<BcsFrame>;

  constructor(opts: { maxFrameBytes?: number; maxBuffered?: number; now?: () => number }) {
    const sink: FrameSink<BcsFrame> = {
      onFrame: (f) => this.record(describeFrame(f)),
      onBody: (chunk) => this.record(`body:${chunk.toString("latin1")}`),
      onBodyEnd: () => this.record("end"),
      onDecodeError: (e) => this.record(`error:${e.code}:${e.fatal ? "fatal" : "recoverable"}`),
    };
    const maxFrameBytes = opts.maxFrameBytes ?? 1024;
    this.reader = new FrameReader(new BcsCodec(maxFrameBytes), sink, opts.maxBuffered ?? maxFrameBytes, opts.now);
  }

  private record(e: Event): void {
    this.events.push(e);
    this.hook(e, this.reader);
  }
}

function harness(opts: { maxFrameBytes?: number; maxBuffered?: number; now?: () => number } = {}): Harness {
  return new Harness(opts);
}

const send = (s: string): Buffer => encodeOneString(FrameType.Send, s);

describe("FrameReader pause and resume", () => {
  it("stops emitting when paused from a frame handler and keeps the rest of the chunk", () => {
    const h = harness();
    h.hook = (e, r) => {
      if (e === "frame:send:a") r.pause();
    };
    h.reader.push(Buffer.concat([send("a"), send("b"), send("c")]));
    assert.deepEqual(h.events, ["frame:send:a"]);
    assert.equal(h.reader.isPaused, true);
    h.reader.resume();
    assert.equal(h.reader.isPaused, false);
    assert.deepEqual(h.events, ["frame:send:a", "frame:send:b", "frame:send:c"]);
  });

  it("keeps bytes pushed while paused, complete or not, and emits them in order on resume", () => {
    const h = harness();
    h.reader.pause();
    const bytes = Buffer.concat([send("one"), send("two"), send("three")]);
    h.reader.push(bytes.subarray(0, 4));
    h.reader.push(bytes.subarray(4, 11));
    h.reader.push(bytes.subarray(11));
    assert.deepEqual(h.events, []);
    h.reader.resume();
    assert.deepEqual(h.events, ["frame:send:one", "frame:send:two", "frame:send:three"]);
  });

  it("pauses inside a body and resumes it without losing or reordering a byte", () => {
    const h = harness();
    let pausedOnce = false;
    h.hook = (e, r) => {
      if (e.startsWith("body:") && !pausedOnce) {
        pausedOnce = true;
        r.pause();
      }
    };
    // The body arrives in two chunks; the reader is paused after the first body chunk.
    h.reader.push(Buffer.concat([encodeRecvFileHeader(6), Buffer.from("abc")]));
    h.reader.push(Buffer.concat([Buffer.from("def"), send("next")]));
    assert.deepEqual(h.events, ["frame:recvfile:6", "body:abc"]);
    h.reader.resume();
    assert.deepEqual(h.events, ["frame:recvfile:6", "body:abc", "body:def", "end", "frame:send:next"]);
  });

  it("pauses at the end of a body (as a session finishing an upload does) and goes on after resume", () => {
    const h = harness();
    h.hook = (e, r) => {
      if (e === "end") r.pause();
    };
    h.reader.push(Buffer.concat([encodeRecvFileHeader(2), Buffer.from("xy"), send("after"), send("later")]));
    assert.deepEqual(h.events, ["frame:recvfile:2", "body:xy", "end"]);
    h.reader.push(send("pushed while paused"));
    assert.deepEqual(h.events.length, 3);
    h.reader.resume();
    assert.deepEqual(h.events.slice(3), ["frame:send:after", "frame:send:later", "frame:send:pushed while paused"]);
  });

  it("continues the running loop when resumed from inside a handler", () => {
    const h = harness();
    h.hook = (e, r) => {
      if (e === "frame:send:a") {
        r.pause();
        r.resume(); // synchronous: the loop that called us simply goes on
      }
    };
    h.reader.push(Buffer.concat([send("a"), send("b")]));
    assert.deepEqual(h.events, ["frame:send:a", "frame:send:b"]);
    assert.equal(h.reader.isPaused, false);
  });

  it("handles pausing again during the resume's own drain", () => {
    const h = harness();
    h.hook = (e, r) => {
      if (e.startsWith("frame:send:")) r.pause(); // one frame per resume
    };
    h.reader.push(Buffer.concat([send("1"), send("2"), send("3")]));
    assert.deepEqual(h.events, ["frame:send:1"]);
    h.reader.resume();
    assert.deepEqual(h.events, ["frame:send:1", "frame:send:2"]);
    h.reader.resume();
    assert.deepEqual(h.events, ["frame:send:1", "frame:send:2", "frame:send:3"]);
    h.reader.resume();
    assert.equal(h.events.length, 3);
  });

  it("treats resume without pause as a no-op", () => {
    const h = harness();
    h.reader.push(send("x").subarray(0, 2));
    h.reader.resume();
    assert.deepEqual(h.events, []);
    h.reader.push(send("x").subarray(2));
    assert.deepEqual(h.events, ["frame:send:x"]);
  });
});

describe("FrameReader maxBuffered", () => {
  // The codec allows large frames; the reader's own bound is what is tested.
  const deliverOf = (n: number): Buffer => encodeDeliver("f", "m".repeat(n));

  it("fails with a fatal CODEC_FRAME_TOO_LARGE when an incomplete frame passes maxBuffered", () => {
    const h = harness({ maxFrameBytes: 1 << 20, maxBuffered: 16 });
    const big = deliverOf(100);
    h.reader.push(big.subarray(0, 16));
    assert.deepEqual(h.events, [], "exactly maxBuffered bytes may wait");
    h.reader.push(big.subarray(16, 17));
    assert.deepEqual(h.events, ["error:CODEC_FRAME_TOO_LARGE:fatal"]);
  });

  it("emits nothing after the maxBuffered error, whatever follows", () => {
    const h = harness({ maxFrameBytes: 1 << 20, maxBuffered: 8 });
    const big = deliverOf(100);
    h.reader.push(big.subarray(0, 20));
    h.reader.push(big.subarray(20));
    h.reader.push(send("late"));
    h.reader.pause();
    h.reader.resume();
    assert.deepEqual(h.events, ["error:CODEC_FRAME_TOO_LARGE:fatal"]);
  });

  it("counts only the incomplete tail: complete frames in one chunk may exceed maxBuffered", () => {
    const h = harness({ maxFrameBytes: 1 << 20, maxBuffered: 8 });
    const many = Buffer.concat([deliverOf(50), deliverOf(50), send("ok"), send("tail").subarray(0, 5)]);
    h.reader.push(many);
    assert.deepEqual(h.events, ["frame:3", "frame:3", "frame:send:ok"]);
    h.reader.push(send("tail").subarray(5));
    assert.deepEqual(h.events.at(-1), "frame:send:tail");
  });

  it("applies to a tail that grows over several pushes", () => {
    const h = harness({ maxFrameBytes: 1 << 20, maxBuffered: 10 });
    const big = deliverOf(40);
    for (let i = 0; i < 11; i++) h.reader.push(big.subarray(i, i + 1));
    assert.deepEqual(h.events, ["error:CODEC_FRAME_TOO_LARGE:fatal"]);
  });
});

describe("FrameReader partialSince", () => {
  function clocked(maxBuffered = 1024) {
    let t = 1000;
    const h = harness({ maxBuffered, now: () => t });
    return { h, at: (ms: number) => void (t = ms) };
  }

  it("is 0 before anything arrives and after whole frames", () => {
    const { h } = clocked();
    assert.equal(h.reader.partialSince, 0);
    h.reader.push(Buffer.concat([send("a"), send("b")]));
    assert.equal(h.reader.partialSince, 0);
  });

  it("is set when a frame is left incomplete, keeps its start while it grows, and is 0 once it completes", () => {
    const { h, at } = clocked();
    const f = send("hello");
    at(1000);
    h.reader.push(f.subarray(0, 2));
    assert.equal(h.reader.partialSince, 1000);
    at(1500);
    h.reader.push(f.subarray(2, 5));
    assert.equal(h.reader.partialSince, 1000, "the frame began at 1000");
    at(2000);
    h.reader.push(f.subarray(5));
    assert.deepEqual(h.events, ["frame:send:hello"]);
    assert.equal(h.reader.partialSince, 0);
  });

  it("restarts for the next incomplete frame after the previous one completed", () => {
    const { h, at } = clocked();
    const f = send("again");
    at(1000);
    h.reader.push(f.subarray(0, 3));
    at(2000);
    h.reader.push(f.subarray(3));
    assert.equal(h.reader.partialSince, 0);
    at(3000);
    h.reader.push(f.subarray(0, 1));
    assert.equal(h.reader.partialSince, 3000);
  });

  it(
    "times a frame that begins in the same chunk that completes the previous one from that chunk",
    () => {
      const { h, at } = clocked();
      const a = send("aaaa");
      const b = send("bbbb");
      at(100);
      h.reader.push(a.subarray(0, 3));
      assert.equal(h.reader.partialSince, 100);
      at(200);
      h.reader.push(Buffer.concat([a.subarray(3), b.subarray(0, 3)]));
      assert.deepEqual(h.events, ["frame:send:aaaa"]);
      assert.equal(h.reader.partialSince, 200, "frame b began at 200");
    },
  );

  it("tracks body progress while a body is incomplete and is 0 once the body ends", () => {
    const { h, at } = clocked();
    at(1000);
    h.reader.push(Buffer.concat([encodeRecvFileHeader(4), Buffer.from("ab")]));
    assert.equal(h.reader.partialSince, 1000);
    at(4000);
    h.reader.push(Buffer.from("c"));
    assert.equal(h.reader.partialSince, 4000, "the body progressed at 4000");
    at(5000);
    h.reader.push(Buffer.from("d"));
    assert.deepEqual(h.events.at(-1), "end");
    assert.equal(h.reader.partialSince, 0);
  });

  it("is set while a frame header is incomplete after an announced body ended", () => {
    const { h, at } = clocked();
    at(1000);
    h.reader.push(Buffer.concat([encodeRecvFileHeader(1), Buffer.from("z"), encodeStatus(0, "ok").subarray(0, 2)]));
    assert.deepEqual(h.events, ["frame:recvfile:1", "body:z", "end"]);
    assert.notEqual(h.reader.partialSince, 0);
    at(2000);
    h.reader.push(encodeStatus(0, "ok").subarray(2));
    assert.equal(h.events.at(-1), "frame:status:0");
    assert.equal(h.reader.partialSince, 0);
  });
});

describe("FrameReader recoverable errors", () => {
  /** A toy codec: each byte is a frame, except 0xee, a recoverable error covering 2 bytes. */
  const toy: StreamCodec<number> = {
    decode(buf: Buffer, offset: number): Decoded<number> {
      if (offset >= buf.length) return NEED;
      if (buf[offset] === 0xee) return { kind: "error", error: { code: "TOY_BAD", message: "bad", fatal: false, consumed: 2 } };
      if (buf[offset] === 0xef) return { kind: "error", error: { code: "TOY_BAD_NO_SKIP", message: "bad", fatal: false } };
      return { kind: "frame", frame: buf[offset]!, consumed: 1 };
    },
  };

  it("skips the bytes a recoverable error consumed and goes on decoding", () => {
    const events: (number | string)[] = [];
    const reader = new FrameReader<number>(
      toy,
      {
        onFrame: (f) => events.push(f),
        onBody: () => assert.fail("no bodies"),
        onBodyEnd: () => assert.fail("no bodies"),
        onDecodeError: (e: CodecError) => events.push(e.code),
      },
      16,
    );
    reader.push(Buffer.from([1, 0xee, 99, 2, 0xef, 3]));
    // 0xee skips itself and 99; 0xef reports no count and skips at least its own byte.
    assert.deepEqual(events, [1, "TOY_BAD", 2, "TOY_BAD_NO_SKIP", 3]);
  });
});
