/**
 * The cluster's event codec (src/cluster/event-codec.ts): pinned bytes for each kind of
 * envelope, random envelopes and batches read back unchanged, and input that is cut
 * short, padded, mislabelled or random raises an EventCodecError (never another
 * exception, never a read past the end or an allocation by a length it was told).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  checkDirectReply,
  decodeBroadcast,
  decodeDirectBatch,
  encodeBroadcast,
  encodeDirectBatch,
  EventCodecError,
  type Broadcast,
  type DirectEntry,
} from "../../src/cluster/event-codec.js";

// ---- arbitraries --------------------------------------------------------------------

/** Any text of whole code points (a lone surrogate has no UTF-8, so no sender makes one). */
const text = fc.string({ unit: "binary", maxLength: 300 });
const short = fc.string({ unit: "binary", maxLength: 40 });
const node = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const revision = fc.integer({ min: 0, max: 2 ** 48 - 1 });

const broadcastArb: fc.Arbitrary<Broadcast> = fc.oneof(
  fc.tuple(node, short, text).map(([origin, from, t]): Broadcast => ({ origin, event: { kind: "lobby", from, text: t } })),
  fc.tuple(node, short, short, short, revision).map(
    ([origin, name, folded, dialect, rev]): Broadcast => ({
      origin,
      event: { kind: "join", name },
      claim: { folded, name, dialect, node: origin, revision: rev },
    }),
  ),
  fc.tuple(node, short, short).map(([origin, name, folded]): Broadcast => ({ origin, event: { kind: "leave", name }, folded })),
  fc.tuple(node, short, short).map(([origin, from, file]): Broadcast => ({ origin, event: { kind: "file", from, file } })),
);

const entryArb: fc.Arbitrary<DirectEntry> = fc.tuple(short, short, text).map(([to, from, t]) => ({ to, from, text: t }));
const batchArb = fc.array(entryArb, { maxLength: 40 });

function expectCodecError(decode: () => unknown, message?: RegExp): void {
  assert.throws(decode, (err: unknown) => {
    assert.ok(err instanceof EventCodecError, `expected an EventCodecError, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Decode `bytes`: either a value, or an EventCodecError (anything else fails the property). */
function decodesOrRefuses(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (err) {
    if (!(err instanceof EventCodecError)) throw err;
  }
}

// ---- fixtures -----------------------------------------------------------------------

describe("event codec: pinned bytes", () => {
  it("writes a lobby envelope as version, kind, str8 origin, str16 from, str32 text", () => {
    const bytes = encodeBroadcast({ origin: "n1", event: { kind: "lobby", from: "ann", text: "hé" } });
    const expected = Buffer.from([
      1, 1, // version 1, kind lobby
      2, 0x6e, 0x31, // "n1"
      0, 3, 0x61, 0x6e, 0x6e, // "ann"
      0, 0, 0, 3, 0x68, 0xc3, 0xa9, // "hé" (3 bytes of UTF-8)
    ]);
    assert.deepEqual(bytes, expected);
  });

  it("writes a join envelope with the claim's folded name, dialect and a 48-bit revision", () => {
    const bytes = encodeBroadcast({
      origin: "b",
      event: { kind: "join", name: "Ann" },
      claim: { folded: "ann", name: "Ann", dialect: "lab", node: "b", revision: 0x0102_0304_0506 },
    });
    const expected = Buffer.from([
      1, 2, 1, 0x62,
      0, 3, 0x41, 0x6e, 0x6e, // "Ann"
      0, 3, 0x61, 0x6e, 0x6e, // "ann"
      0, 3, 0x6c, 0x61, 0x62, // "lab"
      1, 2, 3, 4, 5, 6,
    ]);
    assert.deepEqual(bytes, expected);
    const back = decodeBroadcast(bytes);
    assert.deepEqual(back.claim, { folded: "ann", name: "Ann", dialect: "lab", node: "b", revision: 0x0102_0304_0506 });
  });

  it("writes leave and file envelopes", () => {
    assert.deepEqual(
      encodeBroadcast({ origin: "b", event: { kind: "leave", name: "A" }, folded: "a" }),
      Buffer.from([1, 3, 1, 0x62, 0, 1, 0x41, 0, 1, 0x61]),
    );
    assert.deepEqual(
      encodeBroadcast({ origin: "b", event: { kind: "file", from: "a", file: "f" } }),
      Buffer.from([1, 4, 1, 0x62, 0, 1, 0x61, 0, 1, 0x66]),
    );
  });

  it("writes a direct batch as version, u32 count, then (str16 to, str16 from, str32 text) each", () => {
    const bytes = encodeDirectBatch([
      { to: "b", from: "A", text: "hi" },
      { to: "c", from: "A", text: "" },
    ]);
    const expected = Buffer.from([
      1, 0, 0, 0, 2,
      0, 1, 0x62, 0, 1, 0x41, 0, 0, 0, 2, 0x68, 0x69,
      0, 1, 0x63, 0, 1, 0x41, 0, 0, 0, 0,
    ]);
    assert.deepEqual(bytes, expected);
  });

  it("refuses to encode what its length prefixes cannot hold, or a join without its claim", () => {
    assert.throws(() => encodeBroadcast({ origin: "n".repeat(256), event: { kind: "file", from: "a", file: "f" } }), EventCodecError);
    assert.throws(() => encodeBroadcast({ origin: "n", event: { kind: "file", from: "a".repeat(70_000), file: "f" } }), EventCodecError);
    assert.throws(() => encodeBroadcast({ origin: "n", event: { kind: "join", name: "a" } }), /needs the joiner's claim/);
    assert.throws(() => encodeBroadcast({ origin: "n", event: { kind: "leave", name: "a" } }), /needs the folded name/);
    const claim = { folded: "a", name: "a", dialect: "lab", node: "n", revision: 2 ** 48 };
    assert.throws(() => encodeBroadcast({ origin: "n", event: { kind: "join", name: "a" }, claim }), /48-bit/);
  });
});

// ---- round trips --------------------------------------------------------------------

describe("event codec: round trips", () => {
  it("reads every envelope back unchanged", () => {
    fc.assert(
      fc.property(broadcastArb, (b) => {
        assert.deepEqual(decodeBroadcast(encodeBroadcast(b)), b);
      }),
      { numRuns: 1000 },
    );
  });

  it("reads every batch of direct messages back unchanged", () => {
    fc.assert(
      fc.property(batchArb, (entries) => {
        assert.deepEqual(decodeDirectBatch(encodeDirectBatch(entries)), entries);
      }),
      { numRuns: 500 },
    );
  });

  it("reads from a view into a larger buffer (as NATS hands over a message) without looking outside it", () => {
    fc.assert(
      fc.property(broadcastArb, fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (b, before, after) => {
        const bytes = encodeBroadcast(b);
        const whole = new Uint8Array(before.length + bytes.length + after.length);
        whole.set(before, 0);
        whole.set(bytes, before.length);
        whole.set(after, before.length + bytes.length);
        const view = whole.subarray(before.length, before.length + bytes.length);
        assert.deepEqual(decodeBroadcast(view), b);
      }),
      { numRuns: 300 },
    );
  });

  it("checks a reply: one 0 or 1 per message of the batch", () => {
    assert.deepEqual([...checkDirectReply(Uint8Array.of(1, 0, 1), 3)], [1, 0, 1]);
    assert.deepEqual([...checkDirectReply(new Uint8Array(0), 0)], []);
    expectCodecError(() => checkDirectReply(Uint8Array.of(1, 0), 3), /2 answers for 3 messages/);
    expectCodecError(() => checkDirectReply(Uint8Array.of(1, 2), 2), /answer 1 is 2/);
  });
});

// ---- malformed input ----------------------------------------------------------------

describe("event codec: malformed input", () => {
  it("refuses every truncation of a valid envelope or batch", () => {
    fc.assert(
      fc.property(broadcastArb, batchArb, (b, entries) => {
        const envelope = encodeBroadcast(b);
        for (let n = 0; n < envelope.length; n++) expectCodecError(() => decodeBroadcast(envelope.subarray(0, n)));
        const batch = encodeDirectBatch(entries);
        for (let n = 0; n < batch.length; n++) expectCodecError(() => decodeDirectBatch(batch.subarray(0, n)));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses bytes after the end", () => {
    const envelope = encodeBroadcast({ origin: "a", event: { kind: "lobby", from: "x", text: "y" } });
    expectCodecError(() => decodeBroadcast(Buffer.concat([envelope, Buffer.of(0)])), /1 bytes after the end/);
    const batch = encodeDirectBatch([{ to: "a", from: "b", text: "c" }]);
    expectCodecError(() => decodeDirectBatch(Buffer.concat([batch, Buffer.of(7, 7)])), /2 bytes after the end/);
  });

  it("refuses another version and an unknown kind, naming them", () => {
    const envelope = encodeBroadcast({ origin: "a", event: { kind: "lobby", from: "x", text: "y" } });
    const v2 = Buffer.from(envelope);
    v2[0] = 2;
    expectCodecError(() => decodeBroadcast(v2), /version 2, this node reads 1/);
    const kind9 = Buffer.from(envelope);
    kind9[1] = 9;
    expectCodecError(() => decodeBroadcast(kind9), /unknown event kind 9/);
    const batch = encodeDirectBatch([]);
    batch[0] = 0;
    expectCodecError(() => decodeDirectBatch(batch), /version 0/);
  });

  it("refuses a batch that claims more messages than its bytes could hold, before reading any", () => {
    const lying = Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    expectCodecError(() => decodeDirectBatch(lying), /4294967295 messages cannot fit in the 8 bytes left/);
  });

  it("refuses a length prefix longer than what is left, naming the field", () => {
    // A lobby envelope whose text claims 4 GiB.
    const huge = Buffer.from([1, 1, 1, 0x61, 0, 1, 0x62, 0xff, 0xff, 0xff, 0xff, 0x63]);
    expectCodecError(() => decodeBroadcast(huge), /text needs 4294967295 bytes, 1 left/);
  });

  it("never throws anything but an EventCodecError on random or damaged bytes", () => {
    const validEnvelope = broadcastArb.map((b) => encodeBroadcast(b));
    const validBatch = batchArb.map((e) => encodeDirectBatch(e));
    const damaged = (valid: fc.Arbitrary<Buffer>) =>
      fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, byte]) => {
        const copy = Buffer.from(bytes);
        copy[at % copy.length] = byte;
        return copy;
      });
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      damaged(validEnvelope),
      damaged(validBatch),
      fc.uint8Array({ maxLength: 60 }).map((tail) => Buffer.concat([Buffer.of(1), Buffer.from(tail)])),
    );
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        decodesOrRefuses(decodeBroadcast, bytes);
        decodesOrRefuses(decodeDirectBatch, bytes);
        decodesOrRefuses((b) => checkDirectReply(b, b.length), bytes);
      }),
      { numRuns: 3000 },
    );
  });
});
