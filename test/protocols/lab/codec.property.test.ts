/**
 * lab codec properties (STYLE.md habit 9): random valid request and reply lines survive
 * encode -> concatenate -> random chunking -> FrameReader unchanged; random bytes never
 * make the codec or the reader throw, and chunking never changes what is read; an
 * over-long line is answered once and never buffered (seed 001, docs/lab.md#lines).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  REPLY,
  createReplyCodec,
  createRequestCodec,
  deliveryLine,
  helloLine,
  listOkLine,
  encodeRequest,
} from "../../../src/protocols/lab/codec.js";
import type { LabReply, LabRequest } from "../../../src/protocols/lab/frames.js";
import { FrameReader } from "../../../src/transport/frame-reader.js";
import type { StreamCodec } from "../../../src/transport/stream-codec.js";
import { splitAt } from "../../helpers/chunks.js";

// ---- helpers ------------------------------------------------------------------------

type Event<F> = { readonly kind: "frame"; readonly frame: F } | { readonly kind: "other"; readonly what: string };

/** Feed `bytes` cut at `cuts` through a FrameReader over `codec`; every event it emits. */
function readChunked<F>(codec: StreamCodec<F>, bytes: Buffer, cuts: readonly number[], maxBytes: number): Event<F>[] {
  const events: Event<F>[] = [];
  const reader = new FrameReader<F>(
    codec,
    {
      onFrame: (frame) => events.push({ kind: "frame", frame }),
      onBody: () => events.push({ kind: "other", what: "body" }),
      onBodyEnd: () => events.push({ kind: "other", what: "body end" }),
      onDecodeError: (e) => events.push({ kind: "other", what: `error ${e.code}` }),
    },
    maxBytes,
  );
  for (const chunk of splitAt(bytes, cuts)) reader.push(chunk);
  return events;
}

const requests = (bytes: Buffer, cuts: readonly number[], max = 4096) => readChunked(createRequestCodec(max), bytes, cuts, max);

// ---- arbitraries --------------------------------------------------------------------

/** Text a line can carry unchanged: no newline, and no `\r` (one before `\n` is dropped). */
const lineText = fc.string({ unit: fc.oneof(fc.constantFrom(" ", "é", "→", "😀", "|"), fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))), maxLength: 40 });
const word = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
/** A message: not empty, and not only what the parse would take as the gap. */
const message = lineText.filter((t) => t.length > 0);

const request: fc.Arbitrary<LabRequest> = fc.oneof(
  lineText.map((name): LabRequest => ({ kind: "hello", name })),
  fc.constant<LabRequest>({ kind: "list" }),
  fc.tuple(word, message).map(([to, text]): LabRequest => ({ kind: "send", to, text })),
);

const reply: fc.Arbitrary<{ bytes: Buffer; reply: LabReply }> = fc.oneof(
  word.map((name) => ({ bytes: Buffer.from(helloLine(name)), reply: { kind: "hello", name } as LabReply })),
  fc.array(word, { minLength: 1, maxLength: 6 }).map((names) => ({ bytes: Buffer.from(listOkLine(names)), reply: { kind: "list-ok", names } as LabReply })),
  fc.tuple(word, lineText).map(([from, text]) => ({ bytes: Buffer.from(deliveryLine(from, text)), reply: { kind: "delivery", from, text } as LabReply })),
  fc.constantFrom(
    { bytes: Buffer.from(REPLY.inUse), reply: { kind: "in-use" } as LabReply },
    { bytes: Buffer.from(REPLY.busy), reply: { kind: "busy" } as LabReply },
    { bytes: Buffer.from(REPLY.sendOk), reply: { kind: "send-ok" } as LabReply },
    { bytes: Buffer.from(REPLY.badDestUser), reply: { kind: "bad-dest-user" } as LabReply },
    { bytes: Buffer.from(REPLY.badRqstHdr), reply: { kind: "bad-rqst-hdr" } as LabReply },
    { bytes: Buffer.from(REPLY.badRqstBody), reply: { kind: "bad-rqst-body" } as LabReply },
  ),
);

const cuts = fc.array(fc.nat({ max: 3000 }), { maxLength: 40 });

/** Lab-shaped noise: request words, spaces, CR, LF, invalid UTF-8, long runs. */
const fuzzBytes = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: request.map((r) => encodeRequest(r)) },
      { weight: 2, arbitrary: fc.constantFrom("HELLO-FROM", "LIST", "SEND", " ", "\n", "\r\n", "\r", "x").map((s) => Buffer.from(s)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: fc.integer({ min: 100, max: 700 }).map((n) => Buffer.alloc(n, 0x61)) },
    ),
    { maxLength: 12 },
  )
  .map((pieces) => Buffer.concat(pieces));

// ---- properties ---------------------------------------------------------------------

describe("lab codec properties", () => {
  it("reads random valid request lines back unchanged under random chunk splits", () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 12 }), cuts, (reqs, cutPoints) => {
        const bytes = Buffer.concat(reqs.map((r) => encodeRequest(r)));
        assert.deepEqual(requests(bytes, cutPoints), reqs.map((frame) => ({ kind: "frame", frame })));
      }),
      { numRuns: 500 },
    );
  });

  it("reads random valid request lines back unchanged when fed one byte at a time", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), (reqs) => {
        const bytes = Buffer.concat(reqs.map((r) => encodeRequest(r)));
        const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
        assert.deepEqual(requests(bytes, everyByte), reqs.map((frame) => ({ kind: "frame", frame })));
      }),
      { numRuns: 150 },
    );
  });

  it("reads random server reply lines back unchanged under random chunk splits (the client's codec)", () => {
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 12 }), cuts, (replies, cutPoints) => {
        const bytes = Buffer.concat(replies.map((r) => r.bytes));
        const got = readChunked(createReplyCodec(4096), bytes, cutPoints, 4096);
        assert.deepEqual(got, replies.map((r) => ({ kind: "frame", frame: r.reply })));
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random bytes, whatever the chunking, and reads the same either way", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, (bytes, cutPoints) => {
        const whole = requests(bytes, [], 256);
        assert.deepEqual(requests(bytes, cutPoints, 256), whole);
        // One request per line: every frame ends a line, and only frames come out.
        assert.ok(whole.every((e) => e.kind === "frame"));
      }),
      { numRuns: 1000 },
    );
  });

  it("decodes every complete line as exactly one request, over-long ones as a bad body", () => {
    fc.assert(
      fc.property(fuzzBytes, cuts, (bytes, cutPoints) => {
        const max = 256;
        const lines = bytes.toString("latin1").split("\n").slice(0, -1); // complete lines only
        const got = requests(bytes, cutPoints, max);
        // A line with no newline within `max` bytes is answered at once, before its end.
        const trailing = bytes.length - (bytes.lastIndexOf(0x0a) + 1);
        assert.equal(got.length, lines.length + (trailing >= max ? 1 : 0));
        lines.forEach((line, i) => {
          if (line.length + 1 > max) assert.deepEqual(got[i], { kind: "frame", frame: { kind: "bad-body", reason: "line too long" } });
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("never consumes more bytes than the buffer holds, and never throws on any offset", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(), (arr, off) => {
        const buf = Buffer.from(arr);
        const offset = buf.length === 0 ? 0 : off % buf.length;
        const r = createRequestCodec(64).decode(buf, offset);
        if (r.kind === "frame" || r.kind === "skip") assert.ok(r.consumed > 0 && offset + r.consumed <= buf.length);
        assert.notEqual(r.kind, "error", "bad lines are requests, not errors");
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps at most the line limit buffered however long a line without a newline grows", () => {
    const max = 1024;
    const got: LabRequest[] = [];
    const reader = new FrameReader<LabRequest>(
      createRequestCodec(max),
      { onFrame: (f) => got.push(f), onBody: () => assert.fail("no bodies"), onBodyEnd: () => assert.fail("no bodies"), onDecodeError: () => assert.fail("no errors") },
      max,
    );
    // 1 MiB of one line, 700 bytes at a time: answered once, then discarded as it comes.
    const piece = Buffer.alloc(700, 0x61);
    for (let sent = 0; sent < 1 << 20; sent += piece.length) reader.push(Buffer.from(piece));
    assert.deepEqual(got, [{ kind: "bad-body", reason: "line too long" }]);
    reader.push(Buffer.from("\nLIST\n"));
    assert.deepEqual(got, [{ kind: "bad-body", reason: "line too long" }, { kind: "list" }]);
  });
});
