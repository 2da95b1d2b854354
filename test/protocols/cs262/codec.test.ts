/**
 * cs262 codec fixtures (seed 002, docs/cs262.md#frames): byte-annotated frames decoded and encoded,
 * fed whole, split at every offset and byte by byte; then the table of malformed input.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cs262Codec, encodeFrame, encodeSend } from "../../../src/protocols/cs262/codec.js";
import { Command, HEADER_BYTES, type Cs262Frame } from "../../../src/protocols/cs262/frames.js";
import { readChunked, recorder } from "../../helpers/cs262-reader-events.js";

/** version 1, `command`, then a 40-byte big-endian data_len, then `data`. */
function wire(command: number, data: string | Buffer, version = 1): Buffer {
  const body = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = version;
  header[1] = command;
  header.writeUIntBE(body.length, HEADER_BYTES - 6, 6);
  return Buffer.concat([header, body]);
}

/** A header whose 40-byte data_len is `len` (a bigint up to 2^320 - 1), no data. */
function headerWithLength(len: bigint, command: number = Command.Send): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h[0] = 1;
  h[1] = command;
  for (let i = HEADER_BYTES - 1, v = len; i >= 2; i--, v >>= 8n) h[i] = Number(v & 0xffn);
  return h;
}

const FIXTURES: { name: string; bytes: Buffer; frame: Cs262Frame }[] = [
  { name: "CREATE [name]", bytes: wire(1, "alice"), frame: { command: Command.Create, name: "alice", password: undefined } },
  { name: "CREATE [name, password]", bytes: wire(1, "alice|||s3cret"), frame: { command: Command.Create, name: "alice", password: "s3cret" } },
  { name: "LOGIN [name, password] keeps `|||` in the password", bytes: wire(6, "bob|||a|||b"), frame: { command: Command.Login, name: "bob", password: "a|||b" } },
  { name: "LOGIN [name]", bytes: wire(6, "bob"), frame: { command: Command.Login, name: "bob", password: undefined } },
  { name: "LIST []", bytes: wire(2, ""), frame: { command: Command.List, pattern: undefined } },
  { name: "LIST [pattern]", bytes: wire(2, "*b*"), frame: { command: Command.List, pattern: "*b*" } },
  { name: "SEND [sender, recipient, message]", bytes: wire(3, "alice|||bob|||hi there"), frame: { command: Command.Send, sender: "alice", recipient: "bob", message: "hi there" } },
  { name: "SEND keeps `|` and `|||` in the message (the last field)", bytes: wire(3, "a|||b|||x|||y|z"), frame: { command: Command.Send, sender: "a", recipient: "b", message: "x|||y|z" } },
  { name: "SEND with an empty message", bytes: wire(3, "a|||b|||"), frame: { command: Command.Send, sender: "a", recipient: "b", message: "" } },
  { name: "DELIVER []", bytes: wire(4, ""), frame: { command: Command.Deliver } },
  { name: "DELETE []", bytes: wire(5, ""), frame: { command: Command.Delete } },
  { name: "RESPONSE success (empty)", bytes: wire(7, ""), frame: { command: Command.Response, error: "" } },
  { name: "RESPONSE error", bytes: wire(7, "no such account"), frame: { command: Command.Response, error: "no such account" } },
  { name: "LISTRESPONSE []", bytes: wire(8, ""), frame: { command: Command.ListResponse, names: [] } },
  { name: "LISTRESPONSE [a, b, c]", bytes: wire(8, "a|||b|||c"), frame: { command: Command.ListResponse, names: ["a", "b", "c"] } },
];

describe("cs262 codec fixtures", () => {
  it("lays out a frame as version, command, 40-byte data_len, data", () => {
    const bytes = encodeFrame({ command: Command.Create, name: "al", password: undefined });
    assert.deepEqual([...bytes], [1, 1, ...new Array(39).fill(0), 2, 0x61, 0x6c]);
    assert.deepEqual([...encodeSend("a", "b", "c")].slice(HEADER_BYTES), [...Buffer.from("a|||b|||c")]);
  });

  for (const f of FIXTURES) {
    it(`decodes and encodes ${f.name}`, () => {
      assert.deepEqual(new Cs262Codec(1 << 16).decode(f.bytes, 0), { kind: "frame", frame: f.frame, consumed: f.bytes.length });
      assert.deepEqual(encodeFrame(f.frame), f.bytes);
    });
  }

  // Version 0 (zackziegler95/chatbot's numbering, docs/cs262.md#frames): the same commands, one lower.
  for (const f of FIXTURES) {
    it(`decodes and encodes ${f.name} in version 0's numbering`, () => {
      const bytes = Buffer.from(f.bytes);
      bytes[0] = 0;
      bytes[1] = bytes[1]! - 1;
      const frame = { ...f.frame, version: 0 } as const;
      assert.deepEqual(new Cs262Codec(1 << 16).decode(bytes, 0), { kind: "frame", frame, consumed: bytes.length });
      assert.deepEqual(encodeFrame(frame), bytes);
    });
  }

  it("decodes the original client's CREATE (00 00 ...) as version 0", () => {
    const bytes = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(39), Buffer.from([3]), Buffer.from("dav")]);
    assert.deepEqual(new Cs262Codec(1 << 16).decode(bytes, 0), { kind: "frame", frame: { command: Command.Create, name: "dav", password: undefined, version: 0 }, consumed: bytes.length });
  });

  it("holds a connection to its first frame's version: a frame of the other one is fatal at its first byte", () => {
    for (const [first, other] of [[1, 0], [0, 1]] as const) {
      const firstFrame = wire(first === 1 ? 4 : 3, "", first);
      const events = readChunked(Buffer.concat([firstFrame, Buffer.from([other])]), []);
      assert.deepEqual(events, [
        { kind: "frame", frame: first === 1 ? { command: Command.Deliver } : { command: Command.Deliver, version: 0 } },
        { kind: "error", code: "CODEC_WRONG_VERSION", message: "unsupported version", fatal: true },
      ]);
    }
  });

  it("reads every fixture back to back, split at every offset and byte by byte", () => {
    const all = Buffer.concat(FIXTURES.map((f) => f.bytes));
    const expected = FIXTURES.map((f) => ({ kind: "frame", frame: f.frame }));
    for (let cut = 0; cut <= all.length; cut++) assert.deepEqual(readChunked(all, [cut]), expected, `split at ${cut}`);
    assert.deepEqual(readChunked(all, Array.from({ length: all.length }, (_, i) => i)), expected);
  });

  it("decodes at an offset and does not read past the buffer", () => {
    const bytes = Buffer.concat([Buffer.from([9, 9, 9]), FIXTURES[6]!.bytes]);
    const r = new Cs262Codec(1 << 16).decode(bytes, 3);
    assert.equal(r.kind, "frame");
    assert.deepEqual(new Cs262Codec(1 << 16).decode(bytes.subarray(0, bytes.length - 1), 3), { kind: "need" });
  });

  it("does not alias the input buffer: reusing it changes nothing decoded", () => {
    const { reader, events } = recorder();
    const chunk = Buffer.from(wire(3, "a|||b|||hello"));
    reader.push(chunk);
    chunk.fill(0x7a);
    assert.deepEqual(events, [{ kind: "frame", frame: { command: Command.Send, sender: "a", recipient: "b", message: "hello" } }]);
  });
});

describe("cs262 codec: malformed input (docs/cs262.md#answers)", () => {
  const max = 1024;
  const fatalCases: { name: string; bytes: Buffer; code: string; message: string }[] = [
    { name: "version 3, known after one byte", bytes: Buffer.from([3]), code: "CODEC_WRONG_VERSION", message: "unsupported version" },
    { name: "version 2", bytes: wire(1, "alice", 2), code: "CODEC_WRONG_VERSION", message: "unsupported version" },
    { name: "command 8 in version 0", bytes: Buffer.from([0, 8]), code: "CODEC_UNKNOWN_COMMAND", message: "unknown command" },
    { name: "a bcs register frame", bytes: Buffer.from([1, 0, 5, 0x61]), code: "CODEC_UNKNOWN_COMMAND", message: "unknown command" },
    { name: "command 9, known after two bytes", bytes: Buffer.from([1, 9]), code: "CODEC_UNKNOWN_COMMAND", message: "unknown command" },
    { name: "command 255", bytes: wire(255, ""), code: "CODEC_UNKNOWN_COMMAND", message: "unknown command" },
    { name: "data_len 2^300 (header only)", bytes: headerWithLength(2n ** 300n), code: "CODEC_FRAME_TOO_LARGE", message: "frame too large" },
    { name: "data_len 2^320 - 1", bytes: headerWithLength(2n ** 320n - 1n), code: "CODEC_FRAME_TOO_LARGE", message: "frame too large" },
    { name: "data_len 2^48 (just above the low 6 bytes)", bytes: headerWithLength(2n ** 48n), code: "CODEC_FRAME_TOO_LARGE", message: "frame too large" },
    { name: "data_len 2^48 - 1", bytes: headerWithLength(2n ** 48n - 1n), code: "CODEC_FRAME_TOO_LARGE", message: "frame too large" },
    { name: "a frame one byte over the limit", bytes: headerWithLength(BigInt(max - HEADER_BYTES + 1)), code: "CODEC_FRAME_TOO_LARGE", message: "frame too large" },
  ];
  for (const c of fatalCases) {
    it(`refuses ${c.name} as fatal, and emits nothing after it`, () => {
      const after = wire(4, ""); // a valid DELIVER that must not be read
      const events = readChunked(Buffer.concat([c.bytes, after]), [], max);
      assert.deepEqual(events, [{ kind: "error", code: c.code, message: c.message, fatal: true }]);
    });
  }

  it("judges data_len from the header alone, before any data arrives", () => {
    const r = new Cs262Codec(max).decode(headerWithLength(2n ** 300n), 0);
    assert.equal(r.kind, "error");
  });

  it("takes a frame of exactly the limit", () => {
    const message = "m".repeat(max - HEADER_BYTES - "a|||b|||".length);
    const events = readChunked(wire(3, `a|||b|||${message}`), [100, 500], max);
    assert.deepEqual(events, [{ kind: "frame", frame: { command: Command.Send, sender: "a", recipient: "b", message } }]);
  });

  const recoverable: { name: string; bytes: Buffer; message: string }[] = [
    { name: "non-ASCII data", bytes: wire(3, Buffer.from("a|||b|||h\u00e9", "utf8")), message: "data must be ASCII" },
    { name: "SEND with two fields", bytes: wire(3, "alice|||hello"), message: "SEND takes sender, recipient and message" },
    { name: "SEND with no data", bytes: wire(3, ""), message: "SEND takes sender, recipient and message" },
    { name: "LIST with two patterns", bytes: wire(2, "a*|||b*"), message: "LIST takes at most one pattern" },
    { name: "DELIVER with data", bytes: wire(4, "x"), message: "DELIVER takes no data" },
    { name: "DELETE with data", bytes: wire(5, "alice"), message: "DELETE takes no data" },
    { name: "CREATE with no data", bytes: wire(1, ""), message: "CREATE takes a name and an optional password" },
    { name: "LOGIN with no data", bytes: wire(6, ""), message: "LOGIN takes a name and an optional password" },
  ];
  for (const c of recoverable) {
    it(`answers ${c.name} with an error and reads on`, () => {
      const next = wire(4, "");
      const events = readChunked(Buffer.concat([c.bytes, next]), [3, 50], max);
      assert.deepEqual(events, [
        { kind: "error", code: "CODEC_BAD_DATA", message: c.message, fatal: false },
        { kind: "frame", frame: { command: Command.Deliver } },
      ]);
    });
  }
});
