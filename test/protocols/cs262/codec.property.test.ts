/**
 * cs262 codec properties (STYLE.md habit 9): random valid frames survive encode ->
 * concatenate -> random chunking -> FrameReader unchanged; random bytes never make the
 * codec or the reader throw, chunking never changes what is read, and nothing is
 * emitted after a fatal error.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Cs262Codec, encodeFrame } from "../../../src/protocols/cs262/codec.js";
import { Command, HEADER_BYTES, type Cs262Frame } from "../../../src/protocols/cs262/frames.js";
import { readChunked } from "../../helpers/cs262-reader-events.js";

// ---- arbitraries --------------------------------------------------------------------

const asciiChar = fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c));
/** Any ASCII text, `|` included. */
const text = fc.string({ unit: asciiChar, maxLength: 40 });
/** A name or pattern field: no `|`, which would move the split (names cannot hold it). */
const field = fc.string({ unit: asciiChar.filter((c) => c !== "|"), maxLength: 12 });
const nonEmptyField = fc.string({ unit: asciiChar.filter((c) => c !== "|"), minLength: 1, maxLength: 12 });

const frameArb: fc.Arbitrary<Cs262Frame> = fc.oneof(
  fc.tuple(nonEmptyField, fc.option(text, { nil: undefined })).map(([name, password]): Cs262Frame => ({ command: Command.Create, name, password })),
  fc.tuple(nonEmptyField, fc.option(text, { nil: undefined })).map(([name, password]): Cs262Frame => ({ command: Command.Login, name, password })),
  fc.option(nonEmptyField, { nil: undefined }).map((pattern): Cs262Frame => ({ command: Command.List, pattern })),
  fc.tuple(field, field, text).map(([sender, recipient, message]): Cs262Frame => ({ command: Command.Send, sender, recipient, message })),
  fc.constant<Cs262Frame>({ command: Command.Deliver }),
  fc.constant<Cs262Frame>({ command: Command.Delete }),
  text.map((error): Cs262Frame => ({ command: Command.Response, error })),
  fc.array(nonEmptyField, { maxLength: 6 }).map((names): Cs262Frame => ({ command: Command.ListResponse, names })),
);

const cuts = fc.array(fc.nat({ max: 2000 }), { maxLength: 40 });

/**
 * Bytes shaped like cs262 so that the fuzz gets past the first frame: valid frames, some
 * damaged (a byte overwritten, cut short), mixed with noise and header-like prefixes with
 * random lengths (40 random bytes of data_len are almost always huge).
 */
const validPiece = frameArb.map((f) => encodeFrame(f));
const damaged = fc.tuple(validPiece, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([b, at, byte, cut]) => {
  const c = Buffer.from(b);
  if (cut) return c.subarray(0, at % (c.length + 1));
  c[at % c.length] = byte;
  return c;
});
const headerLike = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 8 })).map(([cmd, len, data]) => {
  const h = Buffer.alloc(HEADER_BYTES);
  h[0] = 1;
  h[1] = cmd;
  h.writeUIntBE(len, HEADER_BYTES - 6, 6);
  return Buffer.concat([h, Buffer.from(data)]);
});
const fuzzBytes = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: validPiece },
      { weight: 2, arbitrary: damaged },
      { weight: 1, arbitrary: headerLike },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)) },
    ),
    { maxLength: 10 },
  )
  .map((pieces) => Buffer.concat(pieces));

// ---- properties ---------------------------------------------------------------------

describe("cs262 codec properties", () => {
  it("reads random valid frames back unchanged under random chunk splits", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), cuts, (frames, cutPoints) => {
        const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
        assert.deepEqual(readChunked(bytes, cutPoints), frames.map((frame) => ({ kind: "frame", frame })));
      }),
      { numRuns: 500 },
    );
  });

  it("reads random valid frames back unchanged when fed one byte at a time", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), (frames) => {
        const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
        const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
        assert.deepEqual(readChunked(bytes, everyByte), frames.map((frame) => ({ kind: "frame", frame })));
      }),
      { numRuns: 150 },
    );
  });

  it("never throws on random bytes, whatever the chunking, and reads the same either way", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, (bytes, cutPoints) => {
        const whole = readChunked(bytes, [], 256);
        assert.deepEqual(readChunked(bytes, cutPoints, 256), whole);
      }),
      { numRuns: 1000 },
    );
  });

  it("emits nothing after a fatal error", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, (bytes, cutPoints) => {
        const events = readChunked(bytes, cutPoints, 256);
        const fatal = events.findIndex((e) => e.kind === "error" && e.fatal);
        if (fatal >= 0) assert.equal(fatal, events.length - 1);
      }),
      { numRuns: 1000 },
    );
  });

  it("never consumes more bytes than the buffer holds", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(), (arr, off) => {
        const buf = Buffer.from(arr);
        const offset = buf.length === 0 ? 0 : off % buf.length;
        const r = new Cs262Codec(256).decode(buf, offset);
        if (r.kind === "frame") assert.ok(offset + r.consumed <= buf.length);
        if (r.kind === "error" && !r.error.fatal) assert.ok(offset + (r.error.consumed ?? 0) <= buf.length);
      }),
      { numRuns: 2000 },
    );
  });
});
