/**
 * LabSession under fuzz, over a fake Conn that records what the session does, with a
 * real Hub. Bytes go through a FrameReader with the lab codec into the session, as the
 * TCP transport feeds them (src/transport/connection.ts): closing pauses the reader, and
 * onClose comes once, when the peer or the server ends the connection.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Hub } from "../../../src/core/hub.js";
import { createRequestCodec, encodeRequest } from "../../../src/protocols/lab/codec.js";
import type { LabRequest } from "../../../src/protocols/lab/frames.js";
import { LabSession } from "../../../src/protocols/lab/session.js";
import { QuietMember } from "../../helpers/quiet-member.js";
import { splitAt } from "../../helpers/chunks.js";
import { RecordingConn } from "../../helpers/fake-conn.js";

const MAX_LINE = 512;

/** Lines the server sends; DELIVERY is pushed by the hub, every other line answers one request. */
const REPLY_LINE = /^(HELLO \S.*|IN-USE|BUSY|LIST-OK .*|SEND-OK|BAD-DEST-USER|BAD-RQST-HDR|BAD-RQST-BODY)\n$/s;
const DELIVERY_LINE = /^DELIVERY \S+ [^\n]*\n$/;

class FakeConn extends RecordingConn<LabRequest> {
  readonly sent: { line: string; afterClose: boolean }[] = [];
  override readonly session: LabSession;

  constructor(hub: Hub) {
    // Unwrapped, as this fake always had them: a throw in a hub callback goes uncaught.
    super(createRequestCodec(MAX_LINE), MAX_LINE, { unguardedCallbacks: true });
    this.session = new LabSession(this, { hub });
  }

  /** Requests the reader handed to the session (each one must be answered). */
  get requests(): number {
    return this.framesRead;
  }
  protected override record(b: Buffer): void {
    this.sent.push({ line: b.toString("utf8"), afterClose: this.closed });
  }
  replies(): string[] {
    return this.sent.map((s) => s.line).filter((l) => !l.startsWith("DELIVERY "));
  }
}

// ---- arbitraries --------------------------------------------------------------------

const NAMES = ["alice", "ALICE", "bob", "c.d", "server", "bad name", "x".repeat(33), "", "watcher"];
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("hi", "a b c", "é😀", "\r", "x".repeat(600)));

/** One lab line (or a near miss), as bytes. */
const line: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMES).map((name) => encodeRequest({ kind: "hello", name })) },
  { weight: 2, arbitrary: fc.constant(encodeRequest({ kind: "list" })) },
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...NAMES), text).map(([to, t]) => Buffer.from(`SEND ${to} ${t.replace(/\n/g, " ")}\n`)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("HELLO-FROM", "LIST", "SEND", "send", "BOGUS", "", " "), text).map(([h, t]) => Buffer.from(`${h} ${t}\n`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)) },
);

/** A mutation: a byte changed, inserted or removed, or the whole cut short. */
const mutate = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })).map(([at, v, k]) => (b: Buffer): Buffer => {
  if (b.length === 0) return Buffer.from([v]);
  const i = at % b.length;
  if (k === 0) return Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i + 1)]);
  if (k === 1) return Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]);
  if (k === 2) return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
  return b.subarray(0, i);
});

const cuts = fc.array(fc.nat({ max: 2000 }), { maxLength: 10 });


/** What every run must show, whatever the bytes. */
function checkConn(c: FakeConn): void {
  assert.deepEqual(c.thrown, [], "nothing escaped the session");
  assert.deepEqual(c.sent.filter((s) => s.afterClose), [], "nothing is sent after close");
  for (const { line: l } of c.sent) assert.ok(REPLY_LINE.test(l) || DELIVERY_LINE.test(l), `one whole lab line per send: ${JSON.stringify(l)}`);
  // PR2-PR17: every request line read gets exactly one answer.
  assert.equal(c.replies().length, c.requests, "one reply per request read");
  const first = c.replies()[0];
  if (c.closeReason === "rejected") {
    // A refusal is the only line of a connection that never logged in, and it ends it.
    assert.equal(c.replies().length, 1);
    assert.match(first!, /^(IN-USE|BUSY|BAD-RQST-HDR|BAD-RQST-BODY)\n$/);
  } else if (first !== undefined) {
    assert.match(first, /^HELLO /, "a connection left open logged in with its first request");
  }
}

describe("lab session under fuzz", () => {
  it("never throws, answers each request line once, sends nothing after closing and leaves the hub clean", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.array(line, { minLength: 1, maxLength: 4 }), fc.option(mutate, { nil: undefined }), cuts), { maxLength: 20 }),
        (script) => {
          const hub = new Hub({ limits: { maxMessageBytes: 100, maxUsers: 3 } });
          hub.join(new QuietMember("watcher"), "watcher");
          const conns = [new FakeConn(hub), new FakeConn(hub), new FakeConn(hub)];
          for (const [who, lines, m, cutPoints] of script) {
            const bytes = Buffer.concat(lines);
            for (const chunk of splitAt(m ? m(bytes) : bytes, cutPoints)) conns[who]!.push(chunk);
          }
          for (const c of conns) {
            c.socketClosed();
            checkConn(c);
          }
          assert.deepEqual(hub.names(), ["watcher"]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("survives random bytes before and after a good login", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), cuts, (login, noise, cutPoints) => {
        const hub = new Hub();
        const c = new FakeConn(hub);
        const bytes = Buffer.concat([login ? encodeRequest({ kind: "hello", name: "alice" }) : Buffer.alloc(0), Buffer.from(noise)]);
        for (const chunk of splitAt(bytes, cutPoints)) c.push(chunk);
        c.socketClosed();
        checkConn(c);
        assert.deepEqual(hub.names(), []);
      }),
      { numRuns: 500 },
    );
  });

  it("delivers a SEND to each logged-in target, answering SEND-OK, under random chunking", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.stringMatching(/^[a-z]{1,10}$/)), { minLength: 1, maxLength: 10 }), cuts, (sends, cutPoints) => {
        const hub = new Hub();
        const a = new FakeConn(hub);
        const b = new FakeConn(hub);
        a.push(encodeRequest({ kind: "hello", name: "alice" }));
        b.push(encodeRequest({ kind: "hello", name: "bob" }));
        const bytes = Buffer.concat(sends.map(([toBob, t]) => encodeRequest({ kind: "send", to: toBob ? "bob" : "alice", text: t })));
        for (const chunk of splitAt(bytes, cutPoints)) a.push(chunk);
        assert.deepEqual(a.replies(), ["HELLO alice\n", ...sends.map(() => "SEND-OK\n")]);
        const delivered = (c: FakeConn) => c.sent.map((s) => s.line).filter((l) => l.startsWith("DELIVERY "));
        assert.deepEqual(delivered(b), sends.filter(([toBob]) => toBob).map(([, t]) => `DELIVERY alice ${t}\n`));
        assert.deepEqual(delivered(a), sends.filter(([toBob]) => !toBob).map(([, t]) => `DELIVERY alice ${t}\n`));
        a.socketClosed();
        b.socketClosed();
        checkConn(a);
        checkConn(b);
      }),
      { numRuns: 200 },
    );
  });
});
