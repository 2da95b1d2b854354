/**
 * udp codec battery (STYLE.md habit 9): byte-annotated fixtures with decode, encode and
 * mirror for every opcode of the RFC; the malformed table (short, length mismatch,
 * unknown opcode, data where none belongs, missing NUL); splitting of lists and long
 * messages into datagrams of at most 1200 bytes. Wire format: docs/udp.md#datagrams.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CodecErrors,
  OK_DATAGRAM,
  UdpCodec,
  decodeDatagram,
  encodeEmpty,
  encodeFrame,
  encodeMessage,
  encodeNamed,
  encodeText,
  encodeUserList,
} from "../../../src/protocols/udp/codec.js";
import { MAX_SERVER_DATAGRAM, Op, type UdpFrame } from "../../../src/protocols/udp/frames.js";

/** Bytes from annotated hex: whitespace and `|` separate nothing, `#...` to end of line is a comment. */
function hex(annotated: string): Buffer {
  const digits = annotated.replace(/#[^\n]*/g, "").replace(/[\s|]/g, "");
  assert.match(digits, /^([0-9a-f]{2})*$/i, "fixture hex is malformed");
  return Buffer.from(digits, "hex");
}

function decodeOk(bytes: Buffer): UdpFrame {
  const d = decodeDatagram(bytes);
  assert.ok(d.ok, `expected a frame, got ${d.ok ? "" : d.error.code}`);
  return d.frame;
}

interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly frame: UdpFrame;
  /** The dedicated encoder for this opcode. */
  readonly encode: () => Buffer;
}

const FIXTURES: readonly Fixture[] = [
  { name: "OK (0)", bytes: hex("00 | 00 00"), frame: { op: Op.Ok }, encode: () => Buffer.from(OK_DATAGRAM) },
  {
    name: "Error (1)",
    bytes: hex("01 | 00 0b | 6e 61 6d 65 20 69 6e 20 75 73 65 # name in use"),
    frame: { op: Op.Error, message: "name in use" },
    encode: () => encodeText(Op.Error, "name in use"),
  },
  { name: "REGISTER (11)", bytes: hex("0b | 00 03 | 62 6f 62 # bob"), frame: { op: Op.Register, name: "bob" }, encode: () => encodeText(Op.Register, "bob") },
  { name: "LOGOUT (12)", bytes: hex("0c | 00 00"), frame: { op: Op.Logout }, encode: () => encodeEmpty(Op.Logout) },
  { name: "PUBLIC (20)", bytes: hex("14 | 00 02 | 68 69 # hi"), frame: { op: Op.Public, text: "hi" }, encode: () => encodeText(Op.Public, "hi") },
  {
    name: "public message (21)",
    bytes: hex("15 | 00 06 | 62 6f 62 | 00 | 68 69 # bob NUL hi"),
    frame: { op: Op.PublicMessage, from: "bob", text: "hi" },
    encode: () => encodeNamed(Op.PublicMessage, "bob", "hi"),
  },
  {
    name: "PRIVATE (22)",
    bytes: hex("16 | 00 07 | 61 6e 6e | 00 | 79 6f 21 # ann NUL yo!"),
    frame: { op: Op.Private, to: "ann", text: "yo!" },
    encode: () => encodeNamed(Op.Private, "ann", "yo!"),
  },
  {
    name: "private message (23)",
    bytes: hex("17 | 00 07 | 62 6f 62 | 00 | e2 9c 93 # bob NUL ✓ (3 UTF-8 bytes)"),
    frame: { op: Op.PrivateMessage, from: "bob", text: "✓" },
    encode: () => encodeNamed(Op.PrivateMessage, "bob", "✓"),
  },
  { name: "INFO (40)", bytes: hex("28 | 00 00"), frame: { op: Op.Info }, encode: () => encodeEmpty(Op.Info) },
  {
    name: "INFO reply (41)",
    bytes: hex("29 | 00 05 | 73 77 2f 31 2e # sw/1."),
    frame: { op: Op.InfoReply, info: "sw/1." },
    encode: () => encodeText(Op.InfoReply, "sw/1."),
  },
  { name: "LIST (42)", bytes: hex("2a | 00 00"), frame: { op: Op.List }, encode: () => encodeEmpty(Op.List) },
  {
    name: "a list in one datagram (43), no trailing NUL",
    bytes: hex("2b | 00 06 | 61 | 00 | 62 62 | 00 | 63 # a NUL bb NUL c"),
    frame: { op: Op.UserList, names: ["a", "bb", "c"], more: false },
    encode: () => encodeUserList(["a", "bb", "c"])[0]!,
  },
  {
    name: "a list datagram with more to follow (43), trailing NUL",
    bytes: hex("2b | 00 04 | 61 | 00 | 62 | 00 # a NUL b NUL"),
    frame: { op: Op.UserList, names: ["a", "b"], more: true },
    encode: () => encodeFrame({ op: Op.UserList, names: ["a", "b"], more: true }),
  },
  {
    name: "an empty list (43)",
    bytes: hex("2b | 00 00"),
    frame: { op: Op.UserList, names: [], more: false },
    encode: () => encodeUserList([])[0]!,
  },
];

describe("udp codec fixtures (every opcode of the RFC)", () => {
  for (const fx of FIXTURES) {
    it(`decodes ${fx.name}`, () => {
      assert.deepEqual(decodeOk(fx.bytes), fx.frame);
    });
    it(`encodes ${fx.name} with its own encoder and with encodeFrame`, () => {
      assert.deepEqual(fx.encode(), fx.bytes);
      assert.deepEqual(encodeFrame(fx.frame), fx.bytes);
      assert.deepEqual(new UdpCodec().encode(fx.frame), fx.bytes);
    });
  }

  it("reads OK as exactly the three bytes 00 00 00 (docs/udp.md#datagrams)", () => {
    assert.deepEqual([...OK_DATAGRAM], [0, 0, 0]);
    assert.deepEqual([...encodeEmpty(Op.Ok)], [0, 0, 0]);
  });

  it("splits name and text at the first NUL only, so the text may hold NULs", () => {
    assert.deepEqual(decodeOk(encodeNamed(Op.Private, "bob", "a\0b\0")), { op: Op.Private, to: "bob", text: "a\0b\0" });
  });

  it("reads an empty text after the NUL as an empty text (the hub refuses it)", () => {
    assert.deepEqual(decodeOk(hex("16 00 04 62 6f 62 00")), { op: Op.Private, to: "bob", text: "" });
    assert.deepEqual(decodeOk(hex("14 00 00")), { op: Op.Public, text: "" });
  });

  it("replaces invalid UTF-8 with U+FFFD instead of failing", () => {
    assert.deepEqual(decodeOk(hex("14 00 03 61 ff 62")), { op: Op.Public, text: "a\ufffdb" });
  });

  it("reads a length whose high byte is set (big-endian)", () => {
    const text = "x".repeat(300); // 0x012c
    const bytes = encodeText(Op.Public, text);
    assert.deepEqual([...bytes.subarray(0, 3)], [0x14, 0x01, 0x2c]);
    assert.deepEqual(decodeOk(bytes), { op: Op.Public, text });
  });

  it("does not keep the datagram: decoded strings survive its reuse", () => {
    const bytes = encodeText(Op.Public, "keep me");
    const frame = decodeOk(bytes);
    bytes.fill(0x41);
    assert.deepEqual(frame, { op: Op.Public, text: "keep me" });
  });
});

describe("udp codec malformed datagrams", () => {
  const table: readonly { name: string; bytes: Buffer; code: string; typeByte: number | undefined }[] = [
    { name: "an empty datagram", bytes: hex(""), code: "CODEC_SHORT", typeByte: undefined },
    { name: "one byte", bytes: hex("0b"), code: "CODEC_SHORT", typeByte: 11 },
    { name: "two bytes (the RFC's drawing read as bytes)", bytes: hex("28 00"), code: "CODEC_SHORT", typeByte: 40 },
    { name: "a length larger than the data", bytes: hex("0b 00 05 62 6f 62"), code: "CODEC_LENGTH_MISMATCH", typeByte: 11 },
    { name: "a length smaller than the data", bytes: hex("0b 00 01 62 6f 62"), code: "CODEC_LENGTH_MISMATCH", typeByte: 11 },
    { name: "a length of 65535 with 3 bytes of data", bytes: hex("14 ff ff 61 62 63"), code: "CODEC_LENGTH_MISMATCH", typeByte: 20 },
    { name: "an unknown opcode", bytes: hex("63 00 00"), code: "CODEC_UNKNOWN_OPCODE", typeByte: 99 },
    { name: "opcode 2 (not in the RFC)", bytes: hex("02 00 00"), code: "CODEC_UNKNOWN_OPCODE", typeByte: 2 },
    { name: "opcode 255", bytes: hex("ff 00 01 00"), code: "CODEC_UNKNOWN_OPCODE", typeByte: 255 },
    { name: "LOGOUT with data", bytes: hex("0c 00 01 41"), code: "CODEC_UNEXPECTED_DATA", typeByte: 12 },
    { name: "INFO with data", bytes: hex("28 00 02 41 42"), code: "CODEC_UNEXPECTED_DATA", typeByte: 40 },
    { name: "LIST with data", bytes: hex("2a 00 01 00"), code: "CODEC_UNEXPECTED_DATA", typeByte: 42 },
    { name: "OK with data", bytes: hex("00 00 01 00"), code: "CODEC_UNEXPECTED_DATA", typeByte: 0 },
    { name: "PRIVATE without a NUL", bytes: hex("16 00 03 62 6f 62"), code: "CODEC_MISSING_SEPARATOR", typeByte: 22 },
    { name: "a public message without a NUL", bytes: hex("15 00 01 62"), code: "CODEC_MISSING_SEPARATOR", typeByte: 21 },
    { name: "a list starting with a NUL", bytes: hex("2b 00 02 00 61"), code: "CODEC_EMPTY_NAME", typeByte: 43 },
    { name: "a list with two NULs in a row", bytes: hex("2b 00 04 61 00 00 62"), code: "CODEC_EMPTY_NAME", typeByte: 43 },
  ];
  for (const row of table) {
    it(`reports ${row.name} as ${row.code}, not fatal, with its type byte`, () => {
      const d = decodeDatagram(row.bytes);
      assert.equal(d.ok, false);
      if (d.ok) return;
      assert.equal(d.error.code, row.code);
      assert.equal(d.error.fatal, false);
      assert.equal(d.typeByte, row.typeByte);
    });
  }

  it("keeps every error message short enough for a 64-byte Error reply", () => {
    for (const e of Object.values(CodecErrors)) {
      assert.ok(encodeText(Op.Error, e.message).length <= 64, e.message);
    }
  });
});

describe("udp codec splitting (docs/udp.md#what-other-dialects-events-become: at most 1200 bytes per server datagram)", () => {
  const names300 = Array.from({ length: 300 }, (_, i) => `user_${String(i).padStart(3, "0")}_${"x".repeat(23)}`);

  it("splits a list of 300 names into datagrams of at most 1200 bytes that hold every name in order", () => {
    assert.equal(names300[0]!.length, 32);
    const datagrams = encodeUserList(names300);
    assert.ok(datagrams.length >= 9, `only ${datagrams.length} datagrams for ${300 * 33} bytes of names`);
    const seen: string[] = [];
    datagrams.forEach((d, i) => {
      assert.ok(d.length <= MAX_SERVER_DATAGRAM, `datagram ${i} has ${d.length} bytes`);
      const f = decodeOk(d);
      assert.equal(f.op, Op.UserList);
      if (f.op !== Op.UserList) return;
      const last = i === datagrams.length - 1;
      assert.equal(f.more, !last, "every datagram but the last ends with a NUL");
      assert.equal(d[d.length - 1] === 0, !last);
      seen.push(...f.names);
    });
    assert.deepEqual(seen, names300);
  });

  it("fills datagrams: none but the last could have taken the next name", () => {
    const datagrams = encodeUserList(names300);
    for (const d of datagrams.slice(0, -1)) assert.ok(d.length + 33 > MAX_SERVER_DATAGRAM, `a datagram of ${d.length} bytes had room`);
  });

  it("keeps a list that fits one datagram in one, without a trailing NUL", () => {
    const names = names300.slice(0, 36); // 36 * 33 - 1 = 1187 data bytes
    const datagrams = encodeUserList(names);
    assert.equal(datagrams.length, 1);
    assert.notEqual(datagrams[0]![datagrams[0]!.length - 1], 0);
  });

  it("splits a long message at code points into datagrams of at most 1200 bytes, each from the sender", () => {
    const text = "é✓😀a".repeat(500); // 2 + 3 + 4 + 1 bytes, 5000 bytes
    const datagrams = encodeMessage(Op.PublicMessage, "alice", text);
    assert.ok(datagrams.length >= 5);
    let joined = "";
    for (const d of datagrams) {
      assert.ok(d.length <= MAX_SERVER_DATAGRAM, `${d.length} bytes`);
      const f = decodeOk(d);
      assert.equal(f.op, Op.PublicMessage);
      if (f.op !== Op.PublicMessage) continue;
      assert.equal(f.from, "alice");
      assert.ok(!f.text.includes("\ufffd"), "a code point was cut in two");
      joined += f.text;
    }
    assert.equal(joined, text);
  });

  it("sends a message that fits as one datagram, byte for byte as encodeNamed", () => {
    const text = "y".repeat(MAX_SERVER_DATAGRAM - 3 - 3 - 1); // exactly 1200 with `bob\0`
    const datagrams = encodeMessage(Op.PrivateMessage, "bob", text);
    assert.equal(datagrams.length, 1);
    assert.equal(datagrams[0]!.length, MAX_SERVER_DATAGRAM);
    assert.deepEqual(datagrams[0], encodeNamed(Op.PrivateMessage, "bob", text));
    assert.equal(encodeMessage(Op.PrivateMessage, "bob", text + "y").length, 2);
  });

  it("refuses to encode data over 65535 bytes (a caller bug, not a wire state)", () => {
    assert.throws(() => encodeText(Op.Public, "z".repeat(65536)), RangeError);
  });
});
