/**
 * bcs codec properties (STYLE.md habit 9, fuzzing): valid frames survive encode ->
 * concatenate -> arbitrary chunking -> FrameReader unchanged; arbitrary bytes never make
 * the codec or the reader throw, chunking never changes what is read, and nothing is
 * emitted after a fatal error.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BcsCodec, encodeFrame } from "../../../src/protocols/bcs/codec.js";
import { FrameType, type BcsFrame } from "../../../src/protocols/bcs/frames.js";
import { FrameReader } from "../../../src/transport/frame-reader.js";
import { merged, recorder, type Event } from "../../helpers/bcs-reader-events.js";
import { splitAt } from "../../helpers/chunks.js";

// ---- helpers ------------------------------------------------------------------------

/** Feed `bytes` as chunks cut at `cuts` (positions, any order, duplicates allowed). */
function read(bytes: Buffer, cuts: readonly number[], maxFrameBytes: number, maxBuffered = maxFrameBytes): Event[] {
  const { reader, events } = recorder(maxFrameBytes, maxBuffered);
  for (const chunk of splitAt(bytes, cuts)) reader.push(chunk);
  return events;
}

// ---- arbitraries --------------------------------------------------------------------

/** Any Unicode text (no lone surrogates, which UTF-8 cannot carry), up to 40 code points. */
const text = fc.string({ unit: "binary", maxLength: 40 });
const smallBody = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

/** A frame and the body that follows it on the wire (sendfile/recvfile only). */
type WireItem = { readonly frame: BcsFrame; readonly body?: Buffer };

const wireItem: fc.Arbitrary<WireItem> = fc.oneof(
  text.map((username) => ({ frame: { type: FrameType.Register, username } })),
  text.map((message) => ({ frame: { type: FrameType.Send, message } })),
  fc.tuple(text, text).map(([from, message]) => ({ frame: { type: FrameType.Deliver, from, message } })),
  fc.tuple(fc.integer({ min: 0, max: 255 }), text).map(([code, message]) => ({ frame: { type: FrameType.Status, code, message } })),
  fc.tuple(text, smallBody).map(([filename, body]) => ({ frame: { type: FrameType.SendFile, filename, size: body.length }, body })),
  fc.tuple(text, text).map(([user, file]) => ({ frame: { type: FrameType.FNotify, user, file } })),
  text.map((filename) => ({ frame: { type: FrameType.GetFile, filename } })),
  smallBody.map((body) => ({ frame: { type: FrameType.RecvFile, size: body.length }, body })),
);

function expectedEvents(items: readonly WireItem[]): Event[] {
  return items.flatMap((item): Event[] => {
    if (item.body === undefined) return [{ kind: "frame", frame: item.frame }];
    return item.body.length > 0
      ? [{ kind: "frame", frame: item.frame }, { kind: "body", bytes: item.body }, { kind: "end" }]
      : [{ kind: "frame", frame: item.frame }, { kind: "end" }];
  });
}

function encodeAll(items: readonly WireItem[]): Buffer {
  return Buffer.concat(items.flatMap((i) => (i.body === undefined ? [encodeFrame(i.frame)] : [encodeFrame(i.frame), i.body])));
}

/**
 * Random bytes shaped like bcs so that the fuzz gets past the first frame: valid frames
 * (short strings, small bodies), some of them damaged (a byte overwritten, cut short,
 * or a lying length), mixed with runs of noise and stray type bytes.
 */
const noise = fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a));
const shortText = fc.string({ unit: "binary", maxLength: 12 });
const tinyBody = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
const validPiece = fc
  .oneof(
    shortText.map((username): WireItem => ({ frame: { type: FrameType.Register, username } })),
    shortText.map((message): WireItem => ({ frame: { type: FrameType.Send, message } })),
    fc.tuple(shortText, shortText).map(([from, message]): WireItem => ({ frame: { type: FrameType.Deliver, from, message } })),
    fc.tuple(fc.integer({ min: 0, max: 255 }), shortText).map(([code, message]): WireItem => ({ frame: { type: FrameType.Status, code, message } })),
    fc.tuple(shortText, tinyBody).map(([filename, body]): WireItem => ({ frame: { type: FrameType.SendFile, filename, size: body.length }, body })),
    fc.tuple(shortText, shortText).map(([user, file]): WireItem => ({ frame: { type: FrameType.FNotify, user, file } })),
    shortText.map((filename): WireItem => ({ frame: { type: FrameType.GetFile, filename } })),
    tinyBody.map((body): WireItem => ({ frame: { type: FrameType.RecvFile, size: body.length }, body })),
  )
  .map((item) => encodeAll([item]));
const damage = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => (b: Buffer) => {
    const c = Buffer.from(b);
    if (c.length > 0) c[at % c.length] = byte;
    return c;
  }),
  fc.nat().map((n) => (b: Buffer) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
);
const damagedPiece = fc.tuple(validPiece, damage).map(([b, f]) => f(b));
const fuzzBytes = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: validPiece },
      { weight: 2, arbitrary: damagedPiece },
      { weight: 1, arbitrary: noise },
      { weight: 1, arbitrary: fc.constantFrom(0, 9, 255).map((t) => Buffer.from([t])) },
    ),
    { maxLength: 12 },
  )
  .map((pieces) => Buffer.concat(pieces));
const cuts = fc.array(fc.nat({ max: 1500 }), { maxLength: 30 });

// ---- properties ---------------------------------------------------------------------

describe("bcs codec properties", () => {
  it("reads random valid frames back unchanged under random chunk splits", () => {
    fc.assert(
      fc.property(fc.array(wireItem, { maxLength: 12 }), fc.array(fc.nat({ max: 4000 }), { maxLength: 40 }), (items, cutPoints) => {
        const bytes = encodeAll(items);
        const events = read(bytes, cutPoints, 64 * 1024);
        assert.deepEqual(merged(events), expectedEvents(items));
      }),
      { numRuns: 400 },
    );
  });

  it("reads random valid frames back unchanged when fed one byte at a time", () => {
    fc.assert(
      fc.property(fc.array(wireItem, { minLength: 1, maxLength: 4 }), (items) => {
        const bytes = encodeAll(items);
        const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
        assert.deepEqual(merged(read(bytes, everyByte, 64 * 1024)), expectedEvents(items));
      }),
      { numRuns: 200 },
    );
  });

  it("mirrors single frames: decode(encode(frame)) is the frame and consumes every header byte", () => {
    const codec = new BcsCodec(64 * 1024);
    fc.assert(
      fc.property(wireItem, ({ frame }) => {
        const bytes = encodeFrame(frame);
        const r = codec.decode(bytes, 0);
        assert.equal(r.kind, "frame");
        if (r.kind !== "frame") return;
        assert.deepEqual(r.frame, frame);
        assert.equal(r.consumed, bytes.length);
        // And re-encoding the decoded frame gives the same bytes.
        assert.deepEqual(encodeFrame(r.frame), bytes);
      }),
      { numRuns: 400 },
    );
  });

  it("never throws from decode on random bytes at any offset, and reports sane results", () => {
    fc.assert(
      // At least 8: a recvfile header (5 bytes) always fits; the CLI demands 512 or more.
      fc.property(fuzzBytes, fc.nat({ max: 1500 }), fc.integer({ min: 8, max: 64 }), (bytes, at, max) => {
        const offset = Math.min(at, bytes.length);
        const r = new BcsCodec(max).decode(bytes, offset);
        if (r.kind === "frame") {
          assert.ok(r.consumed >= 1 && offset + r.consumed <= bytes.length, "consumed stays inside the buffer");
          if (r.frame.type !== "oversize") assert.ok(r.consumed <= max, "a buffered frame fits maxFrameBytes");
        } else if (r.kind === "error") {
          assert.ok(r.error.fatal);
          assert.match(r.error.code, /^CODEC_(UNKNOWN_TYPE|FRAME_TOO_LARGE)$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never throws from the reader on random bytes, and emits nothing after a fatal error", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, fc.integer({ min: 4, max: 128 }), fc.integer({ min: 0, max: 64 }), (bytes, cutPoints, max, buffered) => {
        const events = read(bytes, cutPoints, max, buffered);
        const fatal = events.findIndex((e) => e.kind === "error" && e.fatal);
        if (fatal !== -1) assert.equal(fatal, events.length - 1, "the fatal error is the last event");
        // Bodies only ever follow a frame that announced them, and end once.
        let inBody = false;
        for (const e of events) {
          if (e.kind === "body") assert.ok(inBody, "a body chunk follows its frame");
          if (e.kind === "end") {
            assert.ok(inBody, "a body end follows its frame");
            inBody = false;
          }
          if (e.kind === "frame") {
            assert.ok(!inBody, "no frame is read inside a body");
            const f = e.frame;
            inBody = f.type === "oversize" || f.type === FrameType.SendFile || f.type === FrameType.RecvFile;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("reads random bytes the same whatever the chunking, when maxBuffered is maxFrameBytes", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, fc.integer({ min: 4, max: 128 }), (bytes, cutPoints, max) => {
        const whole = merged(read(bytes, [], max));
        assert.deepEqual(merged(read(bytes, cutPoints, max)), whole);
      }),
      { numRuns: 500 },
    );
  });

  it("stays silent after a fatal error whatever is pushed later", () => {
    fc.assert(
      fc.property(fuzzBytes, fc.array(fuzzBytes, { maxLength: 5 }), (bytes, later) => {
        const events: string[] = [];
        const reader = new FrameReader<BcsFrame>(
          new BcsCodec(32),
          {
            onFrame: () => events.push("frame"),
            onBody: () => events.push("body"),
            onBodyEnd: () => events.push("end"),
            onDecodeError: (e) => events.push(e.fatal ? "fatal" : "error"),
          },
          32,
        );
        // An unknown type byte first: poisoned at once.
        reader.push(Buffer.concat([Buffer.from([0]), bytes]));
        for (const chunk of later) reader.push(chunk);
        reader.resume();
        assert.deepEqual(events, ["fatal"]);
      }),
      { numRuns: 200 },
    );
  });
});
