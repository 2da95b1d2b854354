/**
 * Cs262Session under fuzz, over a fake Conn that records what the session does, with a
 * real Hub, a MemoryStore and its Mailbox (offline delivery), as switchboard.ts wires
 * them. Bytes go through a FrameReader with the cs262 codec into the session as the TCP
 * transport feeds them (src/transport/connection.ts): pausing holds the reader, closing
 * pauses it for good, and onClose comes once, asynchronously.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { Hub } from "../../../src/core/hub.js";
import { DEFAULT_LIMITS } from "../../../src/app/limits.js";
import { silentLog } from "../../../src/log/ops-log.js";
import { Cs262Codec, encodeFrame } from "../../../src/protocols/cs262/codec.js";
import { Command, HEADER_BYTES, type Cs262Frame } from "../../../src/protocols/cs262/frames.js";
import { Cs262Session } from "../../../src/protocols/cs262/session.js";
import { StoreAccounts } from "../../../src/store/accounts.js";
import { StoreMailbox } from "../../../src/store/mailbox.js";
import { MemoryStore } from "../../../src/store/memory-store.js";
import { QuietMember } from "../../helpers/quiet-member.js";
import { splitAt } from "../../helpers/chunks.js";
import { RecordingConn } from "../../helpers/fake-conn.js";

const MAX_FRAME = 512;
const limits = { ...DEFAULT_LIMITS, maxFrameBytes: MAX_FRAME, maxMessageBytes: 100 };

class FakeConn extends RecordingConn<Cs262Frame> {
  /**
   * afterClose: sent once the connection was closing (Connection.send drops it and
   * returns false); afterEnd: sent after onClose, when the session is over.
   */
  readonly sent: { frame: Cs262Frame; afterClose: boolean; afterEnd: boolean }[] = [];
  override readonly session: Cs262Session;

  constructor(hub: Hub) {
    super(new Cs262Codec(MAX_FRAME), MAX_FRAME, {
      closesSoon: true,
      flushesLater: true,
      // Unwrapped, as this fake always had them: a throw in a store callback surfaces as an
      // unhandled rejection, which checkConn finds in asyncFailures.
      unguardedCallbacks: true,
      settleTimeoutMs: 5000, // a login with a password runs scrypt before it is answered
    });
    this.session = new Cs262Session(this, { hub, log: silentLog, limits });
  }

  /** Frames and decode errors the reader handed to the session: each one is a request. */
  get requests(): number {
    return this.framesRead + this.decodeErrorsRead;
  }
  protected override record(b: Buffer): void {
    const r = new Cs262Codec(1 << 20).decode(b, 0);
    assert.ok(r.kind === "frame" && r.consumed === b.length, `one whole server frame per send: ${b.toString("hex")}`);
    this.sent.push({ frame: r.frame, afterClose: this.closed, afterEnd: this.sessionEnded });
  }
  answers(): Cs262Frame[] {
    return this.sent.map((s) => s.frame).filter((f) => f.command === Command.Response || f.command === Command.ListResponse);
  }
}

const asyncFailures: unknown[] = [];
const onUnhandled = (err: unknown): void => void asyncFailures.push(err);
process.on("unhandledRejection", onUnhandled);
after(() => process.off("unhandledRejection", onUnhandled));

async function world(): Promise<{ hub: Hub }> {
  const store = new MemoryStore();
  await store.createAccount("offline", undefined); // sends to it are queued (docs/wire.md#offline-mail)
  const hub = new Hub({ limits, accounts: new StoreAccounts(store), mailbox: new StoreMailbox(store) });
  hub.join(new QuietMember("watcher"), "watcher");
  return { hub };
}

/** What every run must show, whatever the bytes. */
function checkConn(c: FakeConn): void {
  assert.deepEqual(c.thrown, [], "nothing escaped the session");
  assert.deepEqual(asyncFailures, [], "no promise of the session was rejected unhandled");
  assert.deepEqual(c.sent.filter((s) => s.afterClose), [], "nothing is sent after close");
  for (const { frame } of c.sent) assert.ok([Command.Send, Command.Response, Command.ListResponse].includes(frame.command as 3 | 7 | 8), `server command ${frame.command}`);
  // Seed 002, docs/cs262.md#answers: every request (or undecodable frame) gets exactly one answer.
  assert.equal(c.answers().length, c.requests, "one RESPONSE or LISTRESPONSE per request read");
  if (c.closeReason === "protocol_error") {
    const last = c.sent.at(-1)?.frame;
    assert.ok(last?.command === Command.Response && last.error !== "", "a protocol close follows an error RESPONSE");
  } else {
    assert.equal(c.closeReason, "client_closed", "the session closes only for protocol errors");
  }
}

// ---- arbitraries --------------------------------------------------------------------

const NAMES = ["alice", "ALICE", "bob", "offline", "watcher", "server", "bad name", "", "x".repeat(33)];
const name = fc.constantFrom(...NAMES);
const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const text = fc.oneof(ascii, fc.constantFrom("hi", "a|||b", "x".repeat(150)));

const request: fc.Arbitrary<Buffer> = fc.oneof(
  // Passwords are rare: each one costs an scrypt.
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(Command.Create, Command.Login), name, fc.option(fc.constantFrom("pw", ""), { freq: 8, nil: undefined })).map(([command, n, password]) => encodeFrame({ command, name: n, password })) },
  { weight: 5, arbitrary: fc.tuple(name, name, text).map(([sender, recipient, message]) => encodeFrame({ command: Command.Send, sender, recipient, message })) },
  { weight: 1, arbitrary: fc.option(fc.constantFrom("*", "a*", "x|||y"), { nil: undefined }).map((pattern) => encodeFrame({ command: Command.List, pattern })) },
  { weight: 2, arbitrary: fc.constantFrom(Command.Deliver, Command.Delete).map((command) => encodeFrame({ command })) },
  { weight: 1, arbitrary: ascii.map((error) => encodeFrame({ command: Command.Response, error })) },
);

const damage = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })).map(([at, v, k]) => (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  if (c.length === 0) return c;
  if (k === 0) c[at % c.length] = v;
  else if (k === 1) c.writeUIntBE(at % 400, HEADER_BYTES - 6, 6); // a wrong data_len
  else if (k === 2) c[2 + (at % 40)] = v; // a high byte of data_len: usually too large
  else return c.subarray(0, at % c.length);
  return c;
});

const cuts = fc.array(fc.nat({ max: 1500 }), { maxLength: 10 });


describe("cs262 session under fuzz", () => {
  it("never throws, answers each request once, sends nothing after closing and leaves the hub clean", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 1 }), fc.array(request, { minLength: 1, maxLength: 4 }), fc.option(damage, { freq: 3, nil: undefined }), cuts), { maxLength: 12 }),
        async (script) => {
          const { hub } = await world();
          const conns = [new FakeConn(hub), new FakeConn(hub)];
          for (const [who, frames, d, cutPoints] of script) {
            const c = conns[who]!;
            const bytes = Buffer.concat(frames);
            for (const chunk of splitAt(d ? d(bytes) : bytes, cutPoints)) {
              c.push(chunk);
              await c.settle();
            }
          }
          for (const c of conns) {
            await c.settle();
            await c.end();
            checkConn(c);
          }
          assert.deepEqual(hub.names(), ["watcher"]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("survives random bytes before and after a login, answering each frame read once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 200 }), cuts, async (login, noise, cutPoints) => {
        const { hub } = await world();
        const c = new FakeConn(hub);
        const first = login ? encodeFrame({ command: Command.Create, name: "alice", password: undefined }) : Buffer.alloc(0);
        for (const chunk of splitAt(Buffer.concat([first, Buffer.from(noise)]), cutPoints)) {
          c.push(chunk);
          await c.settle();
        }
        await c.end();
        checkConn(c);
        assert.deepEqual(hub.names(), ["watcher"]);
      }),
      { numRuns: 300 },
    );
  });

  it("sends nothing after a close that lands while a request is being answered", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 5 }), fc.nat({ max: 3 }), async (frames, waitTurns) => {
        const { hub } = await world();
        const c = new FakeConn(hub);
        c.push(encodeFrame({ command: Command.Create, name: "alice", password: undefined }));
        await c.settle();
        c.push(Buffer.concat(frames));
        for (let i = 0; i < waitTurns; i++) await new Promise((r) => setImmediate(r));
        await c.end();
        await new Promise((r) => setTimeout(r, 5));
        assert.deepEqual(c.thrown, [], "nothing escaped the session");
        // An answer that was being worked on when the peer closed may still be handed to
        // the closing connection, which drops it (Connection.send returns false once
        // closing); once onClose has run, the session sends nothing at all.
        assert.deepEqual(c.sent.filter((s) => s.afterEnd), [], "nothing is sent after onClose");
        assert.ok(c.answers().length <= c.requests, "never more answers than requests");
        assert.deepEqual(hub.names(), ["watcher"]);
      }),
      { numRuns: 150 },
    );
  });

  it("queues a SEND to an offline account and hands it over with DELIVER, in order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[ -~]{1,20}$/), { minLength: 1, maxLength: 6 }), cuts, async (messages, cutPoints) => {
        const { hub } = await world();
        const alice = new FakeConn(hub);
        const bytes = Buffer.concat([
          encodeFrame({ command: Command.Create, name: "alice", password: undefined }),
          ...messages.map((message) => encodeFrame({ command: Command.Send, sender: "alice", recipient: "offline", message })),
        ]);
        for (const chunk of splitAt(bytes, cutPoints)) {
          alice.push(chunk);
          await alice.settle();
        }
        assert.deepEqual(alice.answers(), [...messages.map(() => ({ command: Command.Response, error: "" })), { command: Command.Response, error: "" }]);
        await alice.end();
        const off = new FakeConn(hub);
        off.push(Buffer.concat([encodeFrame({ command: Command.Login, name: "offline", password: undefined }), encodeFrame({ command: Command.Deliver })]));
        await off.settle();
        await off.settle();
        const pushed = off.sent.map((s) => s.frame).filter((f) => f.command === Command.Send);
        assert.deepEqual(pushed, messages.map((message) => ({ command: Command.Send, sender: "alice", recipient: "offline", message })));
        await off.end();
        checkConn(alice);
        checkConn(off);
      }),
      { numRuns: 100 },
    );
  });
});
