/**
 * lab codec examples (beside codec.property.test.ts): concrete lines for every request
 * and reply, decoded and encoded; fed whole, split at every offset and byte by byte; the
 * over-long line (answered once, discarded as it comes, never buffered); and the table of
 * malformed commands with the verdict each gets. Wire format: docs/lab.md "Lines".
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
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

// ---- helpers ------------------------------------------------------------------------

const line = (text: string) => Buffer.from(text, "utf8");

/** Every frame a FrameReader over `codec` reads from `chunks`; any other event fails. */
function feed<F>(codec: StreamCodec<F>, chunks: readonly Buffer[], maxBytes = 4096): F[] {
  const frames: F[] = [];
  const reader = new FrameReader<F>(
    codec,
    {
      onFrame: (frame) => frames.push(frame),
      onBody: () => assert.fail("lab lines announce no body"),
      onBodyEnd: () => assert.fail("lab lines announce no body"),
      onDecodeError: (e) => assert.fail(`lab lines are never a decode error (${e.code})`),
    },
    maxBytes,
  );
  for (const c of chunks) reader.push(Buffer.from(c)); // fresh copies, as a socket gives
  return frames;
}

const requests = (chunks: readonly Buffer[], max = 4096) => feed(createRequestCodec(max), chunks, max);
const replies = (chunks: readonly Buffer[], max = 4096) => feed(createReplyCodec(max), chunks, max);

/** `bytes` whole, one byte at a time, and cut in two at every offset. */
function splits(bytes: Buffer): { name: string; chunks: Buffer[] }[] {
  const out = [
    { name: "whole", chunks: [bytes] },
    { name: "byte by byte", chunks: [...bytes].map((b) => Buffer.from([b])) },
  ];
  for (let cut = 0; cut <= bytes.length; cut++) out.push({ name: `cut at ${cut}`, chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] });
  return out;
}

// ---- requests (what a client sends, the server's codec) -------------------------------

interface RequestFixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly request: LabRequest;
  /** The bytes encodeRequest writes, when a client would send exactly these. */
  readonly encodes: boolean;
}

const REQUESTS: readonly RequestFixture[] = [
  { name: "HELLO-FROM", bytes: line("HELLO-FROM alice\n"), request: { kind: "hello", name: "alice" }, encodes: true },
  { name: "HELLO-FROM ending in \\r\\n", bytes: line("HELLO-FROM alice\r\n"), request: { kind: "hello", name: "alice" }, encodes: false },
  { name: "LIST", bytes: line("LIST\n"), request: { kind: "list" }, encodes: true },
  { name: "LIST with only spaces after it", bytes: line("LIST  \n"), request: { kind: "list" }, encodes: false },
  { name: "SEND", bytes: line("SEND bob hi\n"), request: { kind: "send", to: "bob", text: "hi" }, encodes: true },
  { name: "SEND whose message holds spaces", bytes: line("SEND bob hi there  you\n"), request: { kind: "send", to: "bob", text: "hi there  you" }, encodes: true },
  { name: "SEND whose message starts with a space", bytes: line("SEND bob  indented\n"), request: { kind: "send", to: "bob", text: " indented" }, encodes: true },
  { name: "SEND in UTF-8", bytes: line("SEND bøb é✓😀\n"), request: { kind: "send", to: "bøb", text: "é✓😀" }, encodes: true },
  { name: "SEND ending in \\r\\n", bytes: line("SEND bob hi\r\n"), request: { kind: "send", to: "bob", text: "hi" }, encodes: false },
  { name: "SEND ending in \\r\\r\\n (only the last \\r goes)", bytes: line("SEND bob hi\r\r\n"), request: { kind: "send", to: "bob", text: "hi\r" }, encodes: false },
];

describe("lab request lines", () => {
  for (const f of REQUESTS) {
    it(`decodes ${f.name} and consumes exactly its line`, () => {
      const withNext = Buffer.concat([f.bytes, line("LIS")]); // the start of a next line
      assert.deepEqual(createRequestCodec(4096).decode(withNext, 0), { kind: "frame", frame: f.request, consumed: f.bytes.length });
    });

    it(`decodes ${f.name} at an offset inside a larger buffer`, () => {
      const buf = Buffer.concat([line("LIST\n"), f.bytes]);
      assert.deepEqual(createRequestCodec(4096).decode(buf, 5), { kind: "frame", frame: f.request, consumed: f.bytes.length });
    });

    it(`reads ${f.name} whole, byte by byte and split at every offset`, () => {
      for (const s of splits(f.bytes)) assert.deepEqual(requests(s.chunks), [f.request], s.name);
    });

    if (f.encodes) {
      it(`encodes ${f.name} to the same line`, () => {
        assert.deepEqual(encodeRequest(f.request), f.bytes);
      });
    }
  }

  it("reads every request back to back, however the stream is cut", () => {
    const all = Buffer.concat(REQUESTS.map((f) => f.bytes));
    const expected = REQUESTS.map((f) => f.request);
    for (let size = 1; size <= 9; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      assert.deepEqual(requests(chunks), expected, `chunks of ${size}`);
    }
  });

  it("waits for the newline, consuming nothing, and goes on from where it searched", () => {
    const codec = createRequestCodec(4096);
    assert.deepEqual(codec.decode(line(""), 0), { kind: "need" });
    assert.deepEqual(codec.decode(line("SEND bob"), 0), { kind: "need" });
    assert.deepEqual(codec.decode(line("SEND bob hi"), 0), { kind: "need" });
    assert.deepEqual(codec.decode(line("SEND bob hi\n"), 0), { kind: "frame", frame: { kind: "send", to: "bob", text: "hi" }, consumed: 12 });
    assert.deepEqual(codec.decode(line("LIST\n"), 0), { kind: "frame", frame: { kind: "list" }, consumed: 5 }, "a new line is searched from its start");
  });

  it("does not keep the buffer it decoded from (no aliasing)", () => {
    const buf = line("SEND bob alias\n");
    const r = createRequestCodec(4096).decode(buf, 0);
    buf.fill(0x7a);
    assert.deepEqual(r, { kind: "frame", frame: { kind: "send", to: "bob", text: "alias" }, consumed: 15 });
  });

  it("refuses to encode a verdict as a line", () => {
    assert.throws(() => encodeRequest({ kind: "bad-header" }), RangeError);
    assert.throws(() => encodeRequest({ kind: "bad-body", reason: "no message" }), RangeError);
  });
});

describe("lab malformed commands", () => {
  const BAD_HEADER: LabRequest = { kind: "bad-header" };
  const badBody = (reason: string): LabRequest => ({ kind: "bad-body", reason });

  const TABLE: readonly [string, Buffer, LabRequest][] = [
    // An unknown header: BAD-RQST-HDR (PR16); headers are case-sensitive.
    ["an unknown command", line("HELLO alice\n"), BAD_HEADER],
    ["a known command in lower case", line("hello-from alice\n"), BAD_HEADER],
    ["an empty line", line("\n"), BAD_HEADER],
    ["an empty line ending in \\r\\n", line("\r\n"), BAD_HEADER],
    ["a line that starts with a space", line(" LIST\n"), BAD_HEADER],
    ["a command glued to its body", line("SENDbob hi\n"), BAD_HEADER],
    ["a reply sent as a request", line("SEND-OK\n"), BAD_HEADER],
    // A known command with a body it cannot use: BAD-RQST-BODY (PR17).
    ["SEND alone", line("SEND\n"), badBody("no message")],
    ["SEND with a user and no message", line("SEND bob\n"), badBody("no message")],
    ["SEND with a user, a space and no message", line("SEND bob \n"), badBody("no message")],
    ["SEND with no user (two spaces)", line("SEND  hi\n"), badBody("no message")],
    ["SEND followed by one space", line("SEND \n"), badBody("no message")],
    ["LIST with a body", line("LIST everyone\n"), badBody("LIST takes no body")],
    ["a line that is not UTF-8", Buffer.concat([line("SEND bob "), Buffer.from([0xff, 0xfe]), line("\n")]), badBody("invalid UTF-8")],
    ["a truncated UTF-8 sequence", Buffer.concat([line("HELLO-FROM a"), Buffer.from([0xc3]), line("\n")]), badBody("invalid UTF-8")],
    ["an unknown command that is not UTF-8", Buffer.from([0xff, 0x0a]), badBody("invalid UTF-8")],
    // Names are the hub's to judge (BAD-RQST-BODY for a bad one, PR4): the codec passes them on.
    ["HELLO-FROM with no name", line("HELLO-FROM\n"), { kind: "hello", name: "" }],
    ["HELLO-FROM with a name holding a space", line("HELLO-FROM a b\n"), { kind: "hello", name: "a b" }],
  ];

  for (const [name, bytes, verdict] of TABLE) {
    it(`reads ${name} as ${verdict.kind === "bad-body" ? `a bad body (${verdict.reason})` : verdict.kind}, consuming the line`, () => {
      assert.deepEqual(createRequestCodec(4096).decode(bytes, 0), { kind: "frame", frame: verdict, consumed: bytes.length });
    });
  }

  it("reads the next line normally after each malformed one", () => {
    const stream = Buffer.concat(TABLE.flatMap(([, bytes]) => [bytes, line("LIST\n")]));
    const expected = TABLE.flatMap(([, , verdict]): LabRequest[] => [verdict, { kind: "list" }]);
    assert.deepEqual(requests([stream]), expected);
    assert.deepEqual(requests([...stream].map((b) => Buffer.from([b]))), expected, "byte by byte");
  });
});

describe("lab lines in ASCII and in UTF-8", () => {
  // A chunk that is all ASCII is decoded line by line as latin1; any other chunk's lines
  // are checked and decoded as UTF-8. The two must never disagree.
  const ascii = [line("HELLO-FROM alice\n"), line("SEND bob hi there\n"), line("LIST\n"), line("SEND bob\n"), line("NOPE x\n")];
  const asciiRequests: LabRequest[] = [
    { kind: "hello", name: "alice" },
    { kind: "send", to: "bob", text: "hi there" },
    { kind: "list" },
    { kind: "bad-body", reason: "no message" },
    { kind: "bad-header" },
  ];

  it("reads the same requests from an all-ASCII chunk as from lines sent one by one", () => {
    assert.deepEqual(requests([Buffer.concat(ascii)]), asciiRequests);
    assert.deepEqual(requests(ascii), asciiRequests);
  });

  it("reads ASCII lines the same when their chunk also holds UTF-8 or bytes that are not UTF-8", () => {
    const utf8 = line("SEND bøb é✓ →\n");
    const broken = Buffer.concat([line("SEND bob "), Buffer.from([0xff]), line("\n")]);
    const stream = Buffer.concat([...ascii, utf8, broken, ...ascii]);
    const expected: LabRequest[] = [...asciiRequests, { kind: "send", to: "bøb", text: "é✓ →" }, { kind: "bad-body", reason: "invalid UTF-8" }, ...asciiRequests];
    assert.deepEqual(requests([stream]), expected, "one chunk");
    for (const s of splits(stream)) assert.deepEqual(requests(s.chunks), expected, s.name);
  });

  it("reads a latin1 byte above 0x7f in an otherwise ASCII line as not UTF-8, never as latin1 text", () => {
    assert.deepEqual(requests([Buffer.concat([line("SEND bob caf"), Buffer.from([0xe9]), line("\nLIST\n")])]), [
      { kind: "bad-body", reason: "invalid UTF-8" },
      { kind: "list" },
    ]);
  });
});

describe("lab over-long lines", () => {
  const MAX = 16; // the longest line, its \n included
  const TOO_LONG: LabRequest = { kind: "bad-body", reason: "line too long" };

  it("takes a line of exactly the limit, newline included", () => {
    const bytes = line(`SEND bob ${"x".repeat(MAX - 10)}\n`);
    assert.equal(bytes.length, MAX);
    assert.deepEqual(createRequestCodec(MAX).decode(bytes, 0), { kind: "frame", frame: { kind: "send", to: "bob", text: "x".repeat(MAX - 10) }, consumed: MAX });
  });

  it("answers a whole line one byte over the limit as too long, consuming it", () => {
    const bytes = line(`SEND bob ${"x".repeat(MAX - 9)}\n`);
    assert.equal(bytes.length, MAX + 1);
    assert.deepEqual(createRequestCodec(MAX).decode(bytes, 0), { kind: "frame", frame: TOO_LONG, consumed: MAX + 1 });
  });

  it("answers a line as soon as the limit passes with no newline, then skips the rest of it as it comes", () => {
    const codec = createRequestCodec(MAX);
    assert.deepEqual(codec.decode(line("x".repeat(MAX - 1)), 0), { kind: "need" }, "one byte short: the newline may still come");
    assert.deepEqual(codec.decode(line("x".repeat(MAX)), 0), { kind: "frame", frame: TOO_LONG, consumed: MAX });
    assert.deepEqual(codec.decode(line("yyyy"), 0), { kind: "skip", consumed: 4 });
    assert.deepEqual(codec.decode(line("yy\nLIST\n"), 0), { kind: "skip", consumed: 3 }, "up to and with its newline");
    assert.deepEqual(codec.decode(line("LIST\n"), 0), { kind: "frame", frame: { kind: "list" }, consumed: 5 }, "then lines are read again");
  });

  it("answers an over-long line once, however it is cut, and reads the next line in step", () => {
    const bytes = Buffer.concat([line("LIST\n"), line(`SEND bob ${"z".repeat(100)}\n`), line("SEND bob ok\n")]);
    const expected: LabRequest[] = [{ kind: "list" }, TOO_LONG, { kind: "send", to: "bob", text: "ok" }];
    for (const s of splits(bytes)) assert.deepEqual(requests(s.chunks, MAX), expected, s.name);
  });

  it("answers the client's codec the same way: an over-long reply is one unknown line", () => {
    const bytes = Buffer.from(deliveryLine("bob", "w".repeat(100)) + REPLY.sendOk);
    assert.deepEqual(replies([bytes], MAX), [{ kind: "unknown", line: "(line too long)" }, { kind: "send-ok" }]);
  });
});

// ---- replies (what the server sends, the client's codec) ------------------------------

interface ReplyFixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly reply: LabReply;
  /** The server's line, when it sends exactly these bytes (as UTF-8). */
  readonly encode?: () => string;
}

const REPLIES: readonly ReplyFixture[] = [
  { name: "HELLO", bytes: line("HELLO alice\n"), reply: { kind: "hello", name: "alice" }, encode: () => helloLine("alice") },
  { name: "IN-USE", bytes: line("IN-USE\n"), reply: { kind: "in-use" }, encode: () => REPLY.inUse },
  { name: "BUSY", bytes: line("BUSY\n"), reply: { kind: "busy" }, encode: () => REPLY.busy },
  { name: "LIST-OK", bytes: line("LIST-OK alice,bob,echobot\n"), reply: { kind: "list-ok", names: ["alice", "bob", "echobot"] }, encode: () => listOkLine(["alice", "bob", "echobot"]) },
  { name: "LIST-OK of nobody", bytes: line("LIST-OK \n"), reply: { kind: "list-ok", names: [] }, encode: () => listOkLine([]) },
  { name: "LIST-OK with no space", bytes: line("LIST-OK\n"), reply: { kind: "list-ok", names: [] } },
  { name: "SEND-OK", bytes: line("SEND-OK\n"), reply: { kind: "send-ok" }, encode: () => REPLY.sendOk },
  { name: "DELIVERY", bytes: line("DELIVERY bob hi there\n"), reply: { kind: "delivery", from: "bob", text: "hi there" }, encode: () => deliveryLine("bob", "hi there") },
  { name: "DELIVERY in UTF-8", bytes: line("DELIVERY bøb é✓\n"), reply: { kind: "delivery", from: "bøb", text: "é✓" }, encode: () => deliveryLine("bøb", "é✓") },
  { name: "the shutdown DELIVERY", bytes: line("DELIVERY server The server is going down\n"), reply: { kind: "delivery", from: "server", text: "The server is going down" } },
  { name: "DELIVERY with no text", bytes: line("DELIVERY bob\n"), reply: { kind: "delivery", from: "bob", text: "" } },
  { name: "BAD-DEST-USER", bytes: line("BAD-DEST-USER\n"), reply: { kind: "bad-dest-user" }, encode: () => REPLY.badDestUser },
  { name: "BAD-RQST-HDR", bytes: line("BAD-RQST-HDR\n"), reply: { kind: "bad-rqst-hdr" }, encode: () => REPLY.badRqstHdr },
  { name: "BAD-RQST-BODY", bytes: line("BAD-RQST-BODY\n"), reply: { kind: "bad-rqst-body" }, encode: () => REPLY.badRqstBody },
  { name: "a line no server sends", bytes: line("WELCOME friend\r\n"), reply: { kind: "unknown", line: "WELCOME friend" } },
];

describe("lab reply lines", () => {
  for (const f of REPLIES) {
    it(`decodes ${f.name} and consumes exactly its line`, () => {
      const withNext = Buffer.concat([f.bytes, line("SEND")]);
      assert.deepEqual(createReplyCodec(4096).decode(withNext, 0), { kind: "frame", frame: f.reply, consumed: f.bytes.length });
    });

    it(`reads ${f.name} whole, byte by byte and split at every offset`, () => {
      for (const s of splits(f.bytes)) assert.deepEqual(replies(s.chunks), [f.reply], s.name);
    });

    if (f.encode !== undefined) {
      it(`the server encodes ${f.name} to the same line`, () => {
        assert.deepEqual(Buffer.from(f.encode!(), "utf8"), f.bytes);
      });
    }
  }

  it("reads every reply back to back, however the stream is cut", () => {
    const all = Buffer.concat(REPLIES.map((f) => f.bytes));
    const expected = REPLIES.map((f) => f.reply);
    for (let size = 1; size <= 9; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      assert.deepEqual(replies(chunks), expected, `chunks of ${size}`);
    }
  });

  it("writes the fixed replies as exactly their line", () => {
    assert.deepEqual(
      { ...REPLY },
      { inUse: "IN-USE\n", busy: "BUSY\n", sendOk: "SEND-OK\n", badDestUser: "BAD-DEST-USER\n", badRqstHdr: "BAD-RQST-HDR\n", badRqstBody: "BAD-RQST-BODY\n" },
    );
  });
});
