/**
 * bcs codec battery (STYLE.md habit 9): byte-annotated fixtures with decode, encode and
 * mirror for all eight frame types; byte-at-a-time and split-at-every-offset feeding
 * through the FrameReader; an error table; oversize strings streamed as bodies;
 * buffer aliasing. Wire format: docs/bcs.md#frames (`string = len:u16 | bytes`, `flen:u32`,
 * big-endian).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BcsCodec,
  encodeDeliver,
  encodeFNotify,
  encodeFrame,
  encodeOneString,
  encodeRecvFileHeader,
  encodeSendFileHeader,
  encodeStatus,
} from "../../../src/protocols/bcs/codec.js";
import { FrameType, type BcsFrame } from "../../../src/protocols/bcs/frames.js";
import { FrameReader } from "../../../src/transport/frame-reader.js";
import { merged, recorder, type Event } from "../../helpers/bcs-reader-events.js";

// ---- helpers ------------------------------------------------------------------------

/** Bytes from annotated hex: whitespace and `|` separate nothing, `#...` to end of line is a comment. */
function hex(annotated: string): Buffer {
  const digits = annotated.replace(/#[^\n]*/g, "").replace(/[\s|]/g, "");
  assert.match(digits, /^([0-9a-f]{2})*$/i, "fixture hex is malformed");
  return Buffer.from(digits, "hex");
}

function feedWhole(bytes: Buffer, maxFrameBytes?: number, maxBuffered?: number): Event[] {
  const { reader, events } = recorder(maxFrameBytes, maxBuffered);
  reader.push(Buffer.from(bytes));
  return events;
}

function feedChunks(chunks: readonly Buffer[], maxFrameBytes?: number, maxBuffered?: number): Event[] {
  const { reader, events } = recorder(maxFrameBytes, maxBuffered);
  // Each chunk is a fresh copy, as a socket would deliver it.
  for (const c of chunks) reader.push(Buffer.from(c));
  return events;
}

// ---- fixtures -----------------------------------------------------------------------

interface Fixture {
  readonly name: string;
  /** The frame's bytes (for sendfile/recvfile: the header only). */
  readonly bytes: Buffer;
  readonly frame: BcsFrame;
  /** File contents following the header, for sendfile/recvfile. */
  readonly body?: Buffer;
  /** The dedicated encoder for this frame type. */
  readonly encode: () => Buffer;
}

const LONG_MESSAGE = "x".repeat(300); // 300 = 0x012c: the length's high byte is non-zero

const FIXTURES: readonly Fixture[] = [
  {
    name: "register",
    bytes: hex(`
      01        # type: register
      0003      # username length: 3
      626f62    # "bob"
    `),
    frame: { type: FrameType.Register, username: "bob" },
    encode: () => encodeOneString(FrameType.Register, "bob"),
  },
  {
    name: "register with an empty name",
    bytes: hex(`
      01        # type: register
      0000      # username length: 0
    `),
    frame: { type: FrameType.Register, username: "" },
    encode: () => encodeOneString(FrameType.Register, ""),
  },
  {
    name: "send with multi-byte UTF-8",
    bytes: hex(`
      02            # type: send
      0006          # message length: 6 bytes (4 characters)
      6869 20       # "hi "
      e29883        # U+2603 SNOWMAN
    `),
    frame: { type: FrameType.Send, message: "hi \u2603" },
    encode: () => encodeOneString(FrameType.Send, "hi \u2603"),
  },
  {
    name: "send with a 300-byte message (big-endian length)",
    bytes: Buffer.concat([
      hex(`
        02      # type: send
        012c    # message length: 300, high byte first
      `),
      Buffer.from(LONG_MESSAGE),
    ]),
    frame: { type: FrameType.Send, message: LONG_MESSAGE },
    encode: () => encodeOneString(FrameType.Send, LONG_MESSAGE),
  },
  {
    name: "deliver",
    bytes: hex(`
      03              # type: deliver
      0006            # from length: 6
      736572766572    # "server"
      0002            # message length: 2
      6f6b            # "ok"
    `),
    frame: { type: FrameType.Deliver, from: "server", message: "ok" },
    encode: () => encodeDeliver("server", "ok"),
  },
  {
    name: "deliver with empty strings",
    bytes: hex(`
      03      # type: deliver
      0000    # from length: 0
      0000    # message length: 0
    `),
    frame: { type: FrameType.Deliver, from: "", message: "" },
    encode: () => encodeDeliver("", ""),
  },
  {
    name: "status",
    bytes: hex(`
      04                  # type: status
      05                  # code: 5 (message too long or empty)
      0008                # message length: 8
      746f6f206c6f6e67    # "too long"
    `),
    frame: { type: FrameType.Status, code: 5, message: "too long" },
    encode: () => encodeStatus(5, "too long"),
  },
  {
    name: "status with code 255 and no text",
    bytes: hex(`
      04      # type: status
      ff      # code: 255 (a u8, not a signed byte)
      0000    # message length: 0
    `),
    frame: { type: FrameType.Status, code: 255, message: "" },
    encode: () => encodeStatus(255, ""),
  },
  {
    name: "sendfile",
    bytes: hex(`
      05            # type: sendfile
      0005          # filename length: 5
      612e747874    # "a.txt"
      00000003      # flen: 3
    `),
    body: Buffer.from("xyz"),
    frame: { type: FrameType.SendFile, filename: "a.txt", size: 3 },
    encode: () => encodeSendFileHeader("a.txt", 3),
  },
  {
    name: "sendfile of an empty file",
    bytes: hex(`
      05        # type: sendfile
      0001      # filename length: 1
      65        # "e"
      00000000  # flen: 0, no contents follow
    `),
    body: Buffer.alloc(0),
    frame: { type: FrameType.SendFile, filename: "e", size: 0 },
    encode: () => encodeSendFileHeader("e", 0),
  },
  {
    name: "fnotify",
    bytes: hex(`
      06            # type: fnotify
      0002          # user length: 2
      616c          # "al"
      0005          # file length: 5
      662e62696e    # "f.bin"
    `),
    frame: { type: FrameType.FNotify, user: "al", file: "f.bin" },
    encode: () => encodeFNotify("al", "f.bin"),
  },
  {
    name: "getfile",
    bytes: hex(`
      07            # type: getfile
      0005          # filename length: 5
      662e62696e    # "f.bin"
    `),
    frame: { type: FrameType.GetFile, filename: "f.bin" },
    encode: () => encodeOneString(FrameType.GetFile, "f.bin"),
  },
  {
    name: "recvfile",
    bytes: hex(`
      08        # type: recvfile
      00000002  # flen: 2
    `),
    body: hex("00 ff"),
    frame: { type: FrameType.RecvFile, size: 2 },
    encode: () => encodeRecvFileHeader(2),
  },
  {
    name: "recvfile of an empty file",
    bytes: hex(`
      08        # type: recvfile
      00000000  # flen: 0
    `),
    body: Buffer.alloc(0),
    frame: { type: FrameType.RecvFile, size: 0 },
    encode: () => encodeRecvFileHeader(0),
  },
];

/** The events a fixture produces when read from a stream. */
function expectedEvents(f: Fixture): Event[] {
  const events: Event[] = [{ kind: "frame", frame: f.frame }];
  if (f.body !== undefined) {
    if (f.body.length > 0) events.push({ kind: "body", bytes: f.body });
    events.push({ kind: "end" });
  }
  return events;
}

function wire(f: Fixture): Buffer {
  return f.body === undefined ? f.bytes : Buffer.concat([f.bytes, f.body]);
}

// ---- tests --------------------------------------------------------------------------

describe("bcs codec fixtures", () => {
  const codec = new BcsCodec(64 * 1024);

  it("covers all eight frame types", () => {
    const types = new Set(FIXTURES.map((f) => f.frame.type));
    assert.deepEqual([...types].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  for (const f of FIXTURES) {
    describe(f.name, () => {
      it("decodes to the frame, consuming exactly the header bytes", () => {
        const expected =
          f.body === undefined
            ? { kind: "frame", frame: f.frame, consumed: f.bytes.length }
            : { kind: "frame", frame: f.frame, consumed: f.bytes.length, body: f.body.length };
        assert.deepEqual(codec.decode(f.bytes, 0), expected);
      });

      it("decodes at a non-zero offset, ignoring the bytes before it and after it", () => {
        const buf = Buffer.concat([hex("ff ff ff"), f.bytes, hex("ff")]);
        const r = codec.decode(buf, 3);
        assert.equal(r.kind, "frame");
        assert.deepEqual(r.kind === "frame" ? [r.frame, r.consumed] : undefined, [f.frame, f.bytes.length]);
      });

      it("asks for more bytes on every proper prefix", () => {
        for (let n = 0; n < f.bytes.length; n++) {
          assert.deepEqual(codec.decode(f.bytes.subarray(0, n), 0), { kind: "need" }, `prefix of ${n} bytes`);
        }
      });

      it("encodes to exactly the fixture bytes with its own encoder", () => {
        assert.deepEqual(f.encode(), f.bytes);
      });

      it("encodes to exactly the fixture bytes with encodeFrame", () => {
        assert.deepEqual(encodeFrame(f.frame), f.bytes);
      });

      it("mirrors: decoding the encoding gives the frame back", () => {
        const r = codec.decode(encodeFrame(f.frame), 0);
        assert.equal(r.kind, "frame");
        assert.deepEqual(r.kind === "frame" ? r.frame : undefined, f.frame);
      });

      it("reads from a stream as the frame then its body, fed whole", () => {
        assert.deepEqual(merged(feedWhole(wire(f))), expectedEvents(f));
      });

      it("reads byte at a time: nothing until the last header byte, then one body byte per push", () => {
        const bytes = wire(f);
        const { reader, events } = recorder();
        for (let i = 0; i < bytes.length; i++) {
          reader.push(Buffer.from([bytes[i]!]));
          const headerDone = i >= f.bytes.length - 1;
          if (!headerDone) {
            assert.equal(events.length, 0, `nothing is emitted after ${i + 1} header bytes`);
            assert.notEqual(reader.partialSince, 0, "an incomplete frame is being timed");
          } else {
            assert.deepEqual(events[0], { kind: "frame", frame: f.frame }, `the frame is emitted at byte ${i}`);
            // Every body byte arrives on its own, never held back.
            const bodySeen = events.filter((e) => e.kind === "body").length;
            assert.equal(bodySeen, i - (f.bytes.length - 1));
          }
        }
        assert.deepEqual(merged(events), expectedEvents(f));
        assert.equal(reader.partialSince, 0, "nothing is pending after the frame completes");
      });
    });
  }

  it("encodes a big-endian flen in a sendfile header", () => {
    assert.deepEqual(
      encodeSendFileHeader("f", 0x01020304),
      hex(`
        05          # type: sendfile
        0001 66     # "f"
        01020304    # flen, most significant byte first
      `),
    );
    assert.deepEqual(encodeRecvFileHeader(0xfffffffe), hex("08 | fffffffe"));
  });

  it("decodes a big-endian flen and announces that many body bytes", () => {
    assert.deepEqual(codec.decode(hex("08 | 01020304"), 0), {
      kind: "frame",
      frame: { type: FrameType.RecvFile, size: 0x01020304 },
      consumed: 5,
      body: 0x01020304,
    });
    assert.deepEqual(codec.decode(hex("05 | 0001 66 | ffffffff"), 0), {
      kind: "frame",
      frame: { type: FrameType.SendFile, filename: "f", size: 0xffffffff },
      consumed: 8,
      body: 0xffffffff,
    });
  });

  it("refuses to encode a string that does not fit a u16 length", () => {
    assert.throws(() => encodeOneString(FrameType.Send, "a".repeat(0x10000)), RangeError);
    assert.throws(() => encodeDeliver("a".repeat(0x8000) + "\u00e9".repeat(0x4000), "x"), RangeError);
    assert.equal(encodeOneString(FrameType.Send, "a".repeat(0xffff)).length, 3 + 0xffff);
  });

  it("refuses to encode the oversize pseudo-frame", () => {
    assert.throws(() => encodeFrame({ type: "oversize", of: FrameType.Send, size: 10 }), RangeError);
  });
});

describe("bcs codec under arbitrary chunking", () => {
  const stream = Buffer.concat(FIXTURES.map(wire));
  const expected = FIXTURES.flatMap(expectedEvents);

  it("reads all fixtures back to back from one chunk", () => {
    assert.deepEqual(merged(feedWhole(stream)), expected);
  });

  it("reads all fixtures back to back one byte at a time", () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    assert.deepEqual(merged(feedChunks(chunks)), expected);
  });

  it("reads all fixtures back to back split into two chunks at every offset", () => {
    for (let i = 0; i <= stream.length; i++) {
      const events = feedChunks([stream.subarray(0, i), stream.subarray(i)]);
      assert.deepEqual(merged(events), expected, `split at ${i}`);
    }
  });

  it("reads a short stream split into three chunks at every pair of offsets", () => {
    const short = Buffer.concat([FIXTURES[0]!, FIXTURES[4]!, FIXTURES[8]!, FIXTURES[12]!].map(wire));
    const shortExpected = [FIXTURES[0]!, FIXTURES[4]!, FIXTURES[8]!, FIXTURES[12]!].flatMap(expectedEvents);
    for (let i = 0; i <= short.length; i++) {
      for (let j = i; j <= short.length; j++) {
        const events = feedChunks([short.subarray(0, i), short.subarray(i, j), short.subarray(j)]);
        assert.deepEqual(merged(events), shortExpected, `split at ${i} and ${j}`);
      }
    }
  });
});

describe("bcs codec errors", () => {
  const register = hex("01 | 0003 | 626f62");
  const UNKNOWN = { kind: "error", code: "CODEC_UNKNOWN_TYPE", message: "unknown frame type", fatal: true } as const;
  const TOO_LARGE = { kind: "error", code: "CODEC_FRAME_TOO_LARGE", message: "frame too large", fatal: true } as const;

  for (const type of [0, 9, 255]) {
    it(`rejects type byte ${type} as a fatal CODEC_UNKNOWN_TYPE and emits no frame after it`, () => {
      const bytes = Buffer.concat([hex(type.toString(16).padStart(2, "0")), register, register]);
      assert.deepEqual(new BcsCodec(1024).decode(bytes, 0), {
        kind: "error",
        error: { code: "CODEC_UNKNOWN_TYPE", message: "unknown frame type", fatal: true },
      });
      assert.deepEqual(feedWhole(bytes), [UNKNOWN]);
      // Whatever follows, in later chunks, is ignored too.
      const { reader, events } = recorder();
      reader.push(bytes.subarray(0, 1));
      reader.push(bytes.subarray(1));
      reader.push(Buffer.from(register));
      assert.deepEqual(events, [UNKNOWN]);
    });
  }

  it("emits the frames before an unknown type byte, then only the error", () => {
    const bytes = Buffer.concat([register, hex("09"), register]);
    assert.deepEqual(feedWhole(bytes), [{ kind: "frame", frame: { type: FrameType.Register, username: "bob" } }, UNKNOWN]);
  });

  // maxFrameBytes = 16 throughout the table.
  const TABLE: readonly { readonly name: string; readonly bytes: Buffer; readonly ok: boolean }[] = [
    { name: "deliver of exactly 16 bytes", bytes: hex("03 | 0002 6162 | 0009 636465666768696a6b"), ok: true },
    { name: "deliver declaring 17 bytes by its second string", bytes: hex("03 | 0002 6162 | 000a"), ok: false },
    { name: "deliver declaring 17 bytes by its first string alone", bytes: hex("03 | 000c"), ok: false },
    { name: "deliver declaring 65539 bytes by its first string", bytes: hex("03 | ffff"), ok: false },
    { name: "fnotify of exactly 16 bytes", bytes: hex("06 | 0009 636465666768696a6b | 0002 6162"), ok: true },
    { name: "fnotify declaring 17 bytes by its second string", bytes: hex("06 | 0009 636465666768696a6b | 0003"), ok: false },
    { name: "fnotify declaring more by its first string alone", bytes: hex("06 | 0100"), ok: false },
    { name: "status of exactly 16 bytes", bytes: hex("04 | 00 | 000c 000000000000000000000000"), ok: true },
    { name: "status declaring 17 bytes", bytes: hex("04 | 00 | 000d"), ok: false },
    { name: "sendfile header of exactly 16 bytes", bytes: hex("05 | 0009 616263646566676869 | 00000000"), ok: true },
    { name: "sendfile header declaring 17 bytes", bytes: hex("05 | 000a"), ok: false },
  ];

  for (const row of TABLE) {
    if (row.ok) {
      it(`accepts a ${row.name} at maxFrameBytes 16`, () => {
        const events = feedWhole(row.bytes, 16);
        assert.equal(events[0]?.kind, "frame");
        assert.ok(events.every((e) => e.kind !== "error"));
      });
    } else {
      it(`rejects a ${row.name} at maxFrameBytes 16 as a fatal CODEC_FRAME_TOO_LARGE and emits nothing after it`, () => {
        const r = new BcsCodec(16).decode(row.bytes, 0);
        assert.deepEqual(r, { kind: "error", error: { code: "CODEC_FRAME_TOO_LARGE", message: "frame too large", fatal: true } });
        // As soon as the lengths are known, before any string byte: nothing is buffered.
        assert.deepEqual(feedWhole(Buffer.concat([row.bytes, register]), 16), [TOO_LARGE]);
        const { reader, events } = recorder(16);
        for (const b of row.bytes) reader.push(Buffer.from([b]));
        reader.push(Buffer.from(register));
        assert.deepEqual(events, [TOO_LARGE]);
      });
    }
  }
});

describe("bcs oversize strings", () => {
  for (const [type, name] of [
    [FrameType.Register, "register"],
    [FrameType.Send, "send"],
    [FrameType.GetFile, "getfile"],
  ] as const) {
    it(`decodes a ${name} whose string passes maxFrameBytes as oversize from its 3-byte header alone`, () => {
      // 3 + 14 = 17 > 16: the string itself has not arrived yet.
      assert.deepEqual(new BcsCodec(16).decode(Buffer.from([type, 0x00, 0x0e]), 0), {
        kind: "frame",
        frame: { type: "oversize", of: type, size: 14 },
        consumed: 3,
        body: 14,
      });
      // 3 + 13 = 16 fits: the codec waits for the string.
      assert.deepEqual(new BcsCodec(16).decode(Buffer.from([type, 0x00, 0x0d]), 0), { kind: "need" });
    });

    it(`streams an oversize ${name} string as body chunks, never buffering it`, () => {
      const len = 0x1234; // 4660 bytes against a limit of 16
      const text = Buffer.alloc(len, 0x61);
      const next = hex("02 | 0002 6869"); // a send "hi" after it
      const { reader, events } = recorder(16, 16);
      reader.push(Buffer.from([type, 0x12, 0x34]));
      assert.deepEqual(events, [{ kind: "frame", frame: { type: "oversize", of: type, size: len } }]);
      // 100-byte chunks, each far over maxBuffered: fine, because they are streamed.
      for (let i = 0; i < len; i += 100) {
        reader.push(text.subarray(i, Math.min(len, i + 100)));
        assert.ok(events.every((e) => e.kind !== "error"), `no error after ${i + 100} body bytes`);
      }
      reader.push(Buffer.from(next));
      const m = merged(events);
      assert.deepEqual(m, [
        { kind: "frame", frame: { type: "oversize", of: type, size: len } },
        { kind: "body", bytes: text },
        { kind: "end" },
        { kind: "frame", frame: { type: FrameType.Send, message: "hi" } },
      ]);
      // No body chunk was bigger than what one push carried.
      assert.ok(events.every((e) => e.kind !== "body" || e.bytes.length <= 100));
    });
  }
});

describe("bcs file bodies", () => {
  it("streams a sendfile body as chunks as they arrive and ends it exactly at flen", () => {
    const content = Buffer.from("0123456789abcdef0123456789");
    const { reader, events } = recorder(64);
    reader.push(Buffer.concat([encodeSendFileHeader("f.txt", content.length), content.subarray(0, 5)]));
    assert.deepEqual(events, [
      { kind: "frame", frame: { type: FrameType.SendFile, filename: "f.txt", size: content.length } },
      { kind: "body", bytes: content.subarray(0, 5) },
    ]);
    reader.push(content.subarray(5, 20));
    assert.deepEqual(events[2], { kind: "body", bytes: content.subarray(5, 20) });
    // The last body bytes and the next frame in one chunk: the body ends exactly at flen.
    reader.push(Buffer.concat([content.subarray(20), encodeOneString(FrameType.Send, "after")]));
    assert.deepEqual(events.slice(3), [
      { kind: "body", bytes: content.subarray(20) },
      { kind: "end" },
      { kind: "frame", frame: { type: FrameType.Send, message: "after" } },
    ]);
  });

  it("streams a body far larger than maxFrameBytes and maxBuffered", () => {
    const content = Buffer.alloc(10_000, 7);
    const events = feedChunks([encodeRecvFileHeader(content.length), content.subarray(0, 3000), content.subarray(3000)], 16, 16);
    assert.deepEqual(merged(events), [
      { kind: "frame", frame: { type: FrameType.RecvFile, size: 10_000 } },
      { kind: "body", bytes: content },
      { kind: "end" },
    ]);
  });

  it("ends a flen 0 body at once, with no body chunk, and reads on", () => {
    const bytes = Buffer.concat([encodeSendFileHeader("e", 0), encodeRecvFileHeader(0), encodeOneString(FrameType.GetFile, "e")]);
    assert.deepEqual(feedWhole(bytes), [
      { kind: "frame", frame: { type: FrameType.SendFile, filename: "e", size: 0 } },
      { kind: "end" },
      { kind: "frame", frame: { type: FrameType.RecvFile, size: 0 } },
      { kind: "end" },
      { kind: "frame", frame: { type: FrameType.GetFile, filename: "e" } },
    ]);
  });

  it("does not decode frame bytes inside a body", () => {
    // The body is itself a register frame and an unknown type byte: both are content.
    const content = Buffer.concat([encodeOneString(FrameType.Register, "x"), hex("ff")]);
    assert.deepEqual(feedWhole(Buffer.concat([encodeRecvFileHeader(content.length), content])), [
      { kind: "frame", frame: { type: FrameType.RecvFile, size: content.length } },
      { kind: "body", bytes: content },
      { kind: "end" },
    ]);
  });
});

describe("bcs codec buffer aliasing", () => {
  it("returns strings that do not change when the decoded buffer is overwritten", () => {
    const buf = Buffer.concat([encodeDeliver("alice", "hello \u00e9"), encodeFNotify("bob", "f.bin"), encodeStatus(0, "ok")]);
    const codec = new BcsCodec(1024);
    const frames: BcsFrame[] = [];
    for (let at = 0; at < buf.length; ) {
      const r = codec.decode(buf, at);
      assert.equal(r.kind, "frame");
      if (r.kind !== "frame") return;
      frames.push(r.frame);
      at += r.consumed;
    }
    buf.fill(0x7a);
    assert.deepEqual(frames, [
      { type: FrameType.Deliver, from: "alice", message: "hello \u00e9" },
      { type: FrameType.FNotify, user: "bob", file: "f.bin" },
      { type: FrameType.Status, code: 0, message: "ok" },
    ]);
  });

  it("emits frames from the reader that survive the caller overwriting its chunks", () => {
    const frames: BcsFrame[] = [];
    const reader = new FrameReader<BcsFrame>(
      new BcsCodec(1024),
      { onFrame: (f) => frames.push(f), onBody: () => undefined, onBodyEnd: () => undefined, onDecodeError: () => undefined },
      1024,
    );
    const a = Buffer.concat([encodeOneString(FrameType.Send, "first"), encodeDeliver("carol", "sec")]);
    const cut = a.length - 2; // the deliver spans two chunks
    const c1 = Buffer.from(a.subarray(0, cut));
    const c2 = Buffer.from(a.subarray(cut));
    reader.push(c1);
    reader.push(c2);
    c1.fill(0);
    c2.fill(0);
    assert.deepEqual(frames, [
      { type: FrameType.Send, message: "first" },
      { type: FrameType.Deliver, from: "carol", message: "sec" },
    ]);
  });
});
