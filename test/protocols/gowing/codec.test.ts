/**
 * gowing codec battery (STYLE.md habit 9): byte-annotated fixtures with decode, encode
 * and mirror for every type in both directions; byte-at-a-time and split-at-every-offset
 * feeding through the FrameReader; a table of malformed and hostile input; buffer
 * aliasing. Wire format: docs/gowing.md#frames (`type:u8 | len:u16 | payload`, big-endian).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeEmpty, encodeRaw, encodeText, GowingCodec } from "../../../src/protocols/gowing/codec.js";
import { FrameType, type GowingFrame } from "../../../src/protocols/gowing/frames.js";
import { FrameReader } from "../../../src/transport/frame-reader.js";

// ---- helpers ------------------------------------------------------------------------

/** Bytes from annotated hex: whitespace separates nothing, `#...` to end of line is a comment. */
function hex(annotated: string): Buffer {
  const digits = annotated.replace(/#[^\n]*/g, "").replace(/\s/g, "");
  assert.match(digits, /^([0-9a-f]{2})*$/i, "fixture hex is malformed");
  return Buffer.from(digits, "hex");
}

export type Event =
  | { readonly kind: "frame"; readonly frame: GowingFrame }
  | { readonly kind: "body"; readonly bytes: Buffer }
  | { readonly kind: "end" }
  | { readonly kind: "error"; readonly code: string };

function recorder(maxFrameBytes = 64 * 1024) {
  const events: Event[] = [];
  const reader = new FrameReader<GowingFrame>(
    new GowingCodec(maxFrameBytes),
    {
      onFrame: (frame) => events.push({ kind: "frame", frame }),
      onBody: (chunk) => events.push({ kind: "body", bytes: Buffer.from(chunk) }),
      onBodyEnd: () => events.push({ kind: "end" }),
      onDecodeError: (e) => events.push({ kind: "error", code: e.code }),
    },
    maxFrameBytes,
  );
  return { reader, events };
}

function merged(events: readonly Event[]): Event[] {
  const out: Event[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.kind === "body" && last?.kind === "body") out[out.length - 1] = { kind: "body", bytes: Buffer.concat([last.bytes, e.bytes]) };
    else out.push(e);
  }
  return out;
}

function feed(chunks: readonly Buffer[], maxFrameBytes?: number): Event[] {
  const { reader, events } = recorder(maxFrameBytes);
  for (const c of chunks) reader.push(Buffer.from(c)); // fresh copies, as a socket gives
  return merged(events);
}

const text = (type: number, t: string): Event => ({ kind: "frame", frame: { kind: "text", type, text: t } });

// ---- fixtures -----------------------------------------------------------------------

interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly frame: GowingFrame;
  readonly encode: () => Buffer;
}

const LONG = "x".repeat(300); // 0x012c: the length's high byte is not zero

const FIXTURES: readonly Fixture[] = [
  {
    name: "client JOIN",
    bytes: hex(`00        # type: JOIN
                0003      # length 3
                426f62    # "Bob"`),
    frame: { kind: "text", type: FrameType.Join, text: "Bob" },
    encode: () => encodeText(FrameType.Join, "Bob"),
  },
  {
    name: "LEAVE (empty)",
    bytes: hex(`01 0000     # "Length can be 0 so there are no bytes after"`),
    frame: { kind: "text", type: FrameType.Leave, text: "" },
    encode: () => encodeEmpty(FrameType.Leave),
  },
  {
    name: "client MESSAGE",
    bytes: hex(`02 0002 4869   # "Hi"`),
    frame: { kind: "text", type: FrameType.Message, text: "Hi" },
    encode: () => encodeText(FrameType.Message, "Hi"),
  },
  {
    name: "server MESSAGE line",
    bytes: hex(`02 0008 5b426f625d204869   # "[Bob] Hi"`),
    frame: { kind: "text", type: FrameType.Message, text: "[Bob] Hi" },
    encode: () => encodeText(FrameType.Message, "[Bob] Hi"),
  },
  {
    name: "MESSAGE with a two-byte length",
    bytes: Buffer.concat([hex(`02 012c`), Buffer.from(LONG)]),
    frame: { kind: "text", type: FrameType.Message, text: LONG },
    encode: () => encodeText(FrameType.Message, LONG),
  },
  {
    name: "LIST request (empty)",
    bytes: hex(`03 0000`),
    frame: { kind: "text", type: FrameType.List, text: "" },
    encode: () => encodeEmpty(FrameType.List),
  },
  {
    name: "LIST reply",
    bytes: hex(`03 0006 612c20622c63   # "a, b,c"`),
    frame: { kind: "text", type: FrameType.List, text: "a, b,c" },
    encode: () => encodeText(FrameType.List, "a, b,c"),
  },
  {
    name: "client DIRECT",
    bytes: hex(`04 0006 626f62206869   # "bob hi"`),
    frame: { kind: "text", type: FrameType.Direct, text: "bob hi" },
    encode: () => encodeText(FrameType.Direct, "bob hi"),
  },
  {
    name: "ERROR",
    bytes: hex(`05 0013 556e737570706f7274656420636f6d6d616e64   # "Unsupported command"`),
    frame: { kind: "text", type: FrameType.Error, text: "Unsupported command" },
    encode: () => encodeText(FrameType.Error, "Unsupported command"),
  },
];

// ---- tests --------------------------------------------------------------------------

describe("gowing codec fixtures", () => {
  const codec = new GowingCodec(64 * 1024);
  for (const f of FIXTURES) {
    it(`decodes ${f.name} and consumes exactly its bytes`, () => {
      const trailing = Buffer.concat([f.bytes, Buffer.from([0x02])]); // the start of a next frame
      assert.deepEqual(codec.decode(trailing, 0), { kind: "frame", frame: f.frame, consumed: f.bytes.length });
    });

    it(`encodes ${f.name} to the fixture bytes`, () => {
      assert.deepEqual(f.encode(), f.bytes);
    });

    it(`decodes ${f.name} at an offset inside a larger buffer`, () => {
      const buf = Buffer.concat([Buffer.from([9, 9, 9, 9]), f.bytes]);
      assert.deepEqual(codec.decode(buf, 4), { kind: "frame", frame: f.frame, consumed: f.bytes.length });
    });

    it(`reads ${f.name} fed one byte at a time, and split at every offset`, () => {
      const oneByOne = [...f.bytes].map((b) => Buffer.from([b]));
      assert.deepEqual(feed(oneByOne), [{ kind: "frame", frame: f.frame }]);
      for (let cut = 0; cut <= f.bytes.length; cut++) {
        assert.deepEqual(feed([f.bytes.subarray(0, cut), f.bytes.subarray(cut)]), [{ kind: "frame", frame: f.frame }], `cut at ${cut}`);
      }
    });
  }

  it("reads all fixtures back to back, however they are split", () => {
    const all = Buffer.concat(FIXTURES.map((f) => f.bytes));
    const expected = FIXTURES.map((f): Event => ({ kind: "frame", frame: f.frame }));
    assert.deepEqual(feed([all]), expected);
    for (let size = 1; size <= 7; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      assert.deepEqual(feed(chunks), expected, `chunks of ${size}`);
    }
  });
});

describe("gowing codec on malformed and hostile input", () => {
  const codec = new GowingCodec(64);

  const NEEDS: readonly [string, string][] = [
    ["nothing", ""],
    ["a type byte alone", "02"],
    ["half a length", "02 00"],
    ["a header announcing more than is there", "02 0005 4869"],
    ["a header announcing 61 bytes (fits 64 with the header) with none there", "02 003d"],
  ];
  for (const [name, bytes] of NEEDS) {
    it(`waits for more on ${name}, consuming nothing`, () => {
      assert.deepEqual(codec.decode(hex(bytes), 0), { kind: "need" });
    });
  }

  const SKIPS: readonly [string, string, GowingFrame][] = [
    ["an unknown type (6)", "06 0003 616263", { kind: "skipped", type: 6, size: 3 }],
    ["an unknown type (255) with an empty payload", "ff 0000", { kind: "skipped", type: 255, size: 0 }],
    ["a known type whose payload is over the frame limit", "02 003e", { kind: "skipped", type: 2, size: 62 }],
    ["a JOIN of the largest length a u16 can announce", "00 ffff", { kind: "skipped", type: 0, size: 0xffff }],
  ];
  for (const [name, bytes, frame] of SKIPS) {
    it(`reports ${name} at its header and announces its payload as a body to skip`, () => {
      assert.deepEqual(codec.decode(hex(bytes), 0), { kind: "frame", frame, consumed: 3, body: frame.kind === "skipped" ? frame.size : 0 });
    });
  }

  it("streams a skipped payload past without buffering it, then reads on in step", () => {
    const big = Buffer.alloc(5000, 0x41);
    const bytes = Buffer.concat([hex("02 1388"), big, encodeText(FrameType.Message, "next")]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 700) chunks.push(bytes.subarray(i, i + 700));
    assert.deepEqual(feed(chunks, 64), [
      { kind: "frame", frame: { kind: "skipped", type: 2, size: 5000 } },
      { kind: "body", bytes: big },
      { kind: "end" },
      text(FrameType.Message, "next"),
    ]);
  });

  it("reads an unknown type with an empty payload as a header and an immediate body end", () => {
    assert.deepEqual(feed([hex("09 0000 01 0000")]), [
      { kind: "frame", frame: { kind: "skipped", type: 9, size: 0 } },
      { kind: "end" },
      text(FrameType.Leave, ""),
    ]);
  });

  it("decodes invalid UTF-8 to U+FFFD instead of failing", () => {
    assert.deepEqual(feed([hex("02 0003 61ff62")]), [text(FrameType.Message, "a\ufffdb")]);
  });

  it("never reports a decode error, so nothing can poison the stream", () => {
    const garbage = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const events = feed([garbage, Buffer.alloc(30_000, 0x20)], 512);
    assert.ok(events.every((e) => e.kind !== "error"), JSON.stringify(events.filter((e) => e.kind === "error")));
  });

  it("does not keep the buffer it decoded from (no aliasing)", () => {
    const buf = encodeText(FrameType.Message, "alias");
    const r = new GowingCodec(64).decode(buf, 0);
    buf.fill(0x7a);
    assert.deepEqual(r, { kind: "frame", frame: { kind: "text", type: FrameType.Message, text: "alias" }, consumed: 8 });
  });

  it("refuses to encode a payload a u16 cannot announce", () => {
    assert.throws(() => encodeText(FrameType.Message, "x".repeat(0x10000)), RangeError);
    assert.throws(() => encodeRaw(FrameType.Message, Buffer.alloc(0x10000)), RangeError);
    assert.equal(encodeText(FrameType.Message, "x".repeat(0xffff)).length, 3 + 0xffff);
  });

  it("encodes text as UTF-8 and counts its length in bytes", () => {
    assert.deepEqual(encodeText(FrameType.Message, "é✓"), hex("02 0005 c3a9 e29c93"));
  });
});
