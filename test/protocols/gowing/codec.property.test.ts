/**
 * gowing codec properties (STYLE.md habit 9, fuzzing): random valid frames survive
 * encode -> concatenate -> arbitrary chunking -> FrameReader unchanged; arbitrary bytes
 * never make the codec or the reader throw or report an error, and chunking never
 * changes what is read.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeRaw, encodeText, GowingCodec } from "../../../src/protocols/gowing/codec.js";
import { FrameType, type GowingFrame } from "../../../src/protocols/gowing/frames.js";
import { FrameReader } from "../../../src/transport/frame-reader.js";
import { splitAt } from "../../helpers/chunks.js";

type Event =
  | { readonly kind: "frame"; readonly frame: GowingFrame }
  | { readonly kind: "body"; readonly bytes: Buffer }
  | { readonly kind: "end" }
  | { readonly kind: "error" };

function read(bytes: Buffer, cuts: readonly number[], maxFrameBytes: number): Event[] {
  const events: Event[] = [];
  const reader = new FrameReader<GowingFrame>(
    new GowingCodec(maxFrameBytes),
    {
      onFrame: (frame) => events.push({ kind: "frame", frame }),
      onBody: (chunk) => {
        const last = events[events.length - 1];
        // Merge body chunks, so that different chunkings compare equal.
        if (last?.kind === "body") events[events.length - 1] = { kind: "body", bytes: Buffer.concat([last.bytes, chunk]) };
        else events.push({ kind: "body", bytes: Buffer.from(chunk) });
      },
      onBodyEnd: () => events.push({ kind: "end" }),
      onDecodeError: () => events.push({ kind: "error" }),
    },
    maxFrameBytes,
  );
  for (const chunk of splitAt(bytes, cuts)) reader.push(chunk);
  return events;
}

/** Any Unicode text (no lone surrogates, which UTF-8 cannot carry). */
const anyText = fc.string({ unit: "binary", maxLength: 60 });
const knownType = fc.integer({ min: 0, max: 5 });
const unknownType = fc.integer({ min: 6, max: 255 });
const payload = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));

/** What goes on the wire, and what the reader should report for it. */
type WireItem = { readonly bytes: Buffer; readonly events: Event[] };

const validItem: fc.Arbitrary<WireItem> = fc.oneof(
  fc.tuple(knownType, anyText).map(([type, t]): WireItem => ({
    bytes: encodeText(type, t),
    events: [{ kind: "frame", frame: { kind: "text", type, text: t } }],
  })),
  fc.tuple(unknownType, payload).map(([type, p]): WireItem => ({
    bytes: encodeRaw(type, p),
    events:
      p.length > 0
        ? [{ kind: "frame", frame: { kind: "skipped", type, size: p.length } }, { kind: "body", bytes: p }, { kind: "end" }]
        : [{ kind: "frame", frame: { kind: "skipped", type, size: 0 } }, { kind: "end" }],
  })),
);

/** Bytes shaped like gowing frames, some damaged, mixed with noise. */
const fuzzBytes = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: validItem.map((i) => i.bytes) },
      {
        weight: 2,
        arbitrary: fc.tuple(validItem, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, at, byte]) => {
          const c = Buffer.from(i.bytes);
          c[at % c.length] = byte;
          return c;
        }),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)) },
    ),
    { maxLength: 12 },
  )
  .map((pieces) => Buffer.concat(pieces));
const cuts = fc.array(fc.nat({ max: 2000 }), { maxLength: 40 });

describe("gowing codec properties", () => {
  it("reads random valid frames back unchanged under random chunk splits", () => {
    fc.assert(
      fc.property(fc.array(validItem, { maxLength: 12 }), cuts, (items, cutPoints) => {
        const events = read(Buffer.concat(items.map((i) => i.bytes)), cutPoints, 64 * 1024);
        assert.deepEqual(events, items.flatMap((i) => i.events));
      }),
      { numRuns: 500 },
    );
  });

  it("reads random valid frames back unchanged when fed one byte at a time", () => {
    fc.assert(
      fc.property(fc.array(validItem, { minLength: 1, maxLength: 4 }), (items) => {
        const bytes = Buffer.concat(items.map((i) => i.bytes));
        const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
        assert.deepEqual(read(bytes, everyByte, 64 * 1024), items.flatMap((i) => i.events));
      }),
      { numRuns: 200 },
    );
  });

  it("mirrors text frames: encode(decode(bytes)) gives the bytes back", () => {
    const codec = new GowingCodec(64 * 1024);
    fc.assert(
      fc.property(knownType, anyText, (type, t) => {
        const bytes = encodeText(type, t);
        const r = codec.decode(bytes, 0);
        assert.ok(r.kind === "frame" && r.frame.kind === "text");
        assert.equal(r.consumed, bytes.length);
        assert.deepEqual(encodeText(r.frame.type, r.frame.text), bytes);
      }),
      { numRuns: 400 },
    );
  });

  it("never throws from decode on random bytes at any offset, and reports sane results", () => {
    fc.assert(
      fc.property(fuzzBytes, fc.nat({ max: 2000 }), fc.integer({ min: 3, max: 80 }), (bytes, at, max) => {
        const offset = Math.min(at, bytes.length);
        const r = new GowingCodec(max).decode(bytes, offset);
        assert.notEqual(r.kind, "error");
        if (r.kind === "frame") {
          assert.ok(r.consumed >= 3 && offset + r.consumed <= bytes.length, "consumed stays inside the buffer");
          assert.ok(r.consumed <= max, "a buffered frame fits maxFrameBytes");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never throws from the reader on random bytes, never errors, and keeps bodies inside their frames", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, fc.integer({ min: 3, max: 128 }), (bytes, cutPoints, max) => {
        const events = read(bytes, cutPoints, max);
        let inBody = false;
        for (const e of events) {
          assert.notEqual(e.kind, "error");
          if (e.kind === "body") assert.ok(inBody, "a body chunk follows its header");
          if (e.kind === "end") {
            assert.ok(inBody, "a body end follows its header");
            inBody = false;
          }
          if (e.kind === "frame") {
            assert.ok(!inBody, "no frame is read inside a body");
            inBody = e.frame.kind === "skipped";
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("reads random bytes the same whatever the chunking", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, fc.integer({ min: 3, max: 128 }), (bytes, cutPoints, max) => {
        assert.deepEqual(read(bytes, cutPoints, max), read(bytes, [], max));
      }),
      { numRuns: 500 },
    );
  });
});

// Keep the type list honest: these are the six types of docs/gowing.md#frames.
assert.deepEqual(Object.values(FrameType), [0, 1, 2, 3, 4, 5]);
