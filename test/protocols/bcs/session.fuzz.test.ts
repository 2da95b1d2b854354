/**
 * BcsSession under fuzz and in a few deterministic transcripts, over a fake Conn that
 * records what the session does, with a real Hub and a FileStore on a temp dir. Bytes
 * go through a FrameReader with the bcs codec into the session, as the TCP transport
 * feeds them (src/transport/connection.ts): closing pauses the reader, pauseInput and
 * resumeInput pause and resume it, and onClose comes once, asynchronously.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { rmSync } from "node:fs";
import fc from "fast-check";
import type { DisconnectReason } from "../../../src/core/errors.js";
import type { HubEvent } from "../../../src/core/events.js";
import { Hub } from "../../../src/core/hub.js";
import { DEFAULT_LIMITS } from "../../../src/app/limits.js";
import { isRefusal, type Download, type DownloadRefusal, type FileStore, type Upload, type UploadRefusal } from "../../../src/core/file-store.js";
import { LocalNameRegistry } from "../../../src/core/local-registry.js";
import type { Member } from "../../../src/core/ports.js";
import { LocalFileStore } from "../../../src/files/local-file-store.js";
import { silentLog } from "../../../src/log/ops-log.js";
import { BcsCodec, encodeFrame, encodeStatus } from "../../../src/protocols/bcs/codec.js";
import { FrameType, type BcsFrame } from "../../../src/protocols/bcs/frames.js";
import { BcsSession, type BcsContext } from "../../../src/protocols/bcs/session.js";
import { FrameReader } from "../../../src/transport/frame-reader.js";
import { Gate, GatedRegistry } from "../../helpers/gated-ports.js";
import { tempDir } from "../../helpers/server.js";
import { splitAt } from "../../helpers/chunks.js";
import { RecordingConn } from "../../helpers/fake-conn.js";

// ---- the fake connection ----------------------------------------------------------

type ConnEvent =
  | { readonly kind: "send"; readonly bytes: Buffer; readonly afterClose: boolean }
  | { readonly kind: "close"; readonly reason: DisconnectReason }
  | { readonly kind: "destroy"; readonly reason: DisconnectReason }
  | { readonly kind: "pause" }
  | { readonly kind: "resume" }
  | { readonly kind: "loggedIn" };

/** A Conn that records everything the session does to it, in order. */
class FakeConn extends RecordingConn<BcsFrame> {
  readonly log: ConnEvent[] = [];
  override readonly session: BcsSession;

  constructor(ctx: BcsContext) {
    super(new BcsCodec(ctx.limits.maxFrameBytes), ctx.limits.maxFrameBytes, { closesSoon: true, flushesLater: true });
    this.session = new BcsSession(this, ctx);
  }

  protected override record(bytes: Buffer): void {
    this.log.push({ kind: "send", bytes, afterClose: this.closed });
  }

  override loggedIn(): void {
    this.log.push({ kind: "loggedIn" });
    super.loggedIn();
  }

  override pauseInput(): void {
    this.log.push({ kind: "pause" });
    super.pauseInput();
  }

  override resumeInput(): void {
    this.log.push({ kind: "resume" });
    super.resumeInput();
  }

  override close(reason: DisconnectReason): void {
    if (!this.closed) this.log.push({ kind: "close", reason });
    super.close(reason);
  }

  /** As Connection.destroy: the reader is not paused, so the frames left in a chunk still reach the session. */
  override destroy(reason: DisconnectReason): void {
    this.log.push({ kind: "destroy", reason });
    this.closeReason ??= reason;
    this.socketClosesSoon();
  }

  /**
   * Unlike Connection, what arrives after close is still handed over, as this fake always
   * did: the paused reader keeps it (after a destroy the session still reads it).
   */
  override push(chunk: Buffer): void {
    this.guard(() => this.reader.push(chunk));
  }

  /** Frames the session sent (bodies of recvfile collected), in order. */
  sentFrames(): (BcsFrame & { body?: Buffer })[] {
    return decodeAll(Buffer.concat(this.log.flatMap((e) => (e.kind === "send" ? [e.bytes] : []))));
  }
}

function decodeAll(bytes: Buffer): (BcsFrame & { body?: Buffer })[] {
  const frames: (BcsFrame & { body?: Buffer })[] = [];
  let parts: Buffer[] = [];
  const reader = new FrameReader<BcsFrame>(
    new BcsCodec(1 << 20),
    {
      onFrame: (f) => {
        frames.push({ ...f });
        parts = [];
      },
      onBody: (c) => parts.push(Buffer.from(c)),
      onBodyEnd: () => void (frames[frames.length - 1]!.body = Buffer.concat(parts)),
      onDecodeError: (e) => assert.fail(`the session sent an undecodable frame: ${e.message}`),
    },
    1 << 20,
  );
  reader.push(bytes);
  return frames;
}

/** A hub member that is not a bcs session: takes every event, never overflows. */
class Observer implements Member {
  readonly dialect = "test";
  readonly events: HubEvent[] = [];
  constructor(readonly name: string) {}
  deliver(event: HubEvent): boolean {
    this.events.push(event);
    return true;
  }
  disconnect(): void {}
}

// ---- context --------------------------------------------------------------------

const filesDir = tempDir("sb-bcs-session-");
const files = new LocalFileStore(filesDir, DEFAULT_LIMITS);
await files.init();

function context(hub = new Hub()): BcsContext {
  return { hub, files, log: silentLog, limits: DEFAULT_LIMITS };
}

const asyncFailures: unknown[] = [];
const onUnhandled = (err: unknown): void => void asyncFailures.push(err);
process.on("unhandledRejection", onUnhandled);
after(() => {
  process.off("unhandledRejection", onUnhandled);
  rmSync(filesDir, { recursive: true, force: true });
});

const OBSERVER = "observer-7x9q"; // no mutation of the fuzz's names can spell it

const register = (username: string): Buffer => encodeFrame({ type: FrameType.Register, username });
const sendMsg = (message: string): Buffer => encodeFrame({ type: FrameType.Send, message });
const ack = (): Buffer => encodeStatus(0, "ok");

// ---- the property checked after every fuzz run -------------------------------------

async function checkRun(conn: FakeConn, hub: Hub): Promise<void> {
  await conn.end();
  assert.deepEqual(conn.thrown, [], "nothing escaped the session");
  assert.deepEqual(asyncFailures, [], "no promise of the session was rejected unhandled");
  const afterClose = conn.log.filter((e) => e.kind === "send" && e.afterClose);
  assert.equal(afterClose.length, 0, "nothing is sent after close");
  const close = conn.log.find((e) => e.kind === "close" || e.kind === "destroy");
  assert.ok(close !== undefined);
  if (close.reason === "protocol_error" || close.reason === "rejected") {
    const frames = conn.sentFrames();
    const last = frames[frames.length - 1];
    assert.equal(last?.type, FrameType.Status, `closing for ${close.reason} follows a status`);
    if (last?.type === FrameType.Status) {
      const allowed = close.reason === "protocol_error" ? [4] : [2, 4];
      assert.ok(allowed.includes(last.code), `closing for ${close.reason} follows status ${allowed.join(" or ")}, got ${last.code} "${last.message}"`);
    }
  } else {
    assert.equal(close.reason, "client_closed", "the session closes only for protocol problems");
  }
  // The session left the hub with its connection.
  assert.deepEqual(hub.names(), [OBSERVER]);
}

async function runBytes(chunks: readonly Buffer[]): Promise<FakeConn> {
  const hub = new Hub();
  hub.join(new Observer(OBSERVER), OBSERVER);
  const conn = new FakeConn(context(hub));
  for (const chunk of chunks) {
    // After close the transport still hands over what arrives; the paused reader keeps it.
    conn.push(chunk);
    await conn.settle();
  }
  await conn.settle();
  await checkRun(conn, hub);
  return conn;
}


// ---- arbitraries --------------------------------------------------------------------

const NAMES = ["alice", "Bob", "c.d", "server", "bad name", "x".repeat(33), ""];
const FILE_NAMES = ["a.txt", "b.bin", "../up", ".hidden", "ok name", "dir/x", "a.txt"];
const smallText = fc.string({ unit: "binary", maxLength: 16 });

/** One client frame (with its body, if any) of a plausible session. */
const clientPiece: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NAMES).map(register) },
  { weight: 4, arbitrary: smallText.map(sendMsg) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 7 }).map((code) => encodeStatus(code, "ok")) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...FILE_NAMES), fc.uint8Array({ maxLength: 40 }))
      .map(([filename, body]) => Buffer.concat([encodeFrame({ type: FrameType.SendFile, filename, size: body.length }), body])),
  },
  { weight: 2, arbitrary: fc.constantFrom(...FILE_NAMES, "missing").map((filename) => encodeFrame({ type: FrameType.GetFile, filename })) },
  { weight: 1, arbitrary: fc.tuple(smallText, smallText).map(([from, message]) => encodeFrame({ type: FrameType.Deliver, from, message })) },
  { weight: 1, arbitrary: fc.tuple(smallText, smallText).map(([user, file]) => encodeFrame({ type: FrameType.FNotify, user, file })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.concat([encodeFrame({ type: FrameType.RecvFile, size: b.length }), b])),
  },
);

/** A plausible session: usually a register first (usually of a good name), then frames. */
const validSequence = fc
  .tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(register("alice")) },
      { weight: 1, arbitrary: fc.constantFrom(...NAMES).map(register) },
      { weight: 1, arbitrary: clientPiece },
    ),
    fc.array(clientPiece, { maxLength: 10 }),
  )
  .map(([first, rest]) => Buffer.concat([first, ...rest]));

/**
 * Random bytes: uniform, or biased toward the type bytes and small values so that
 * headers with short lengths (and so complete frames) are common.
 */
const randomBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 255 })), { maxLength: 200 }).map((a) => Uint8Array.from(a)),
);

type Mutation = (b: Buffer) => Buffer;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]): Mutation => (b) => {
    const c = Buffer.from(b);
    if (c.length > 0) c[at % c.length] = v;
    return c;
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]): Mutation => (b) => {
    const i = b.length === 0 ? 0 : at % (b.length + 1);
    return Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]);
  }),
  fc.nat().map((at): Mutation => (b) => {
    if (b.length === 0) return b;
    const i = at % b.length;
    return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
  }),
  fc.nat().map((at): Mutation => (b) => b.subarray(0, b.length === 0 ? 0 : at % (b.length + 1))),
  // A type byte (or a small length byte) anywhere, often the first.
  fc.tuple(fc.oneof(fc.constant(0), fc.nat()), fc.integer({ min: 0, max: 9 })).map(([at, v]): Mutation => (b) => {
    const c = Buffer.from(b);
    if (c.length > 0) c[at % c.length] = v;
    return c;
  }),
);

const chunkCuts = fc.array(fc.nat({ max: 600 }), { maxLength: 8 });

// ---- tests ------------------------------------------------------------------------

describe("bcs session fuzz", () => {
  it("survives random bytes and closes for protocol problems only after status 4 or 2", async () => {
    await fc.assert(
      fc.asyncProperty(randomBytes, chunkCuts, async (bytes, cuts) => {
        await runBytes(splitAt(Buffer.from(bytes), cuts));
      }),
      { numRuns: 300 },
    );
  });

  it("survives random bytes after a good register, keeping the same closing rule", async () => {
    await fc.assert(
      fc.asyncProperty(randomBytes, chunkCuts, async (bytes, cuts) => {
        await runBytes(splitAt(Buffer.concat([register("alice"), Buffer.from(bytes)]), cuts));
      }),
      { numRuns: 300 },
    );
  });

  it("survives mutated valid sessions, keeping the same closing rule", async () => {
    await fc.assert(
      fc.asyncProperty(validSequence, fc.array(mutation, { maxLength: 3 }), chunkCuts, async (seq, mutations, cuts) => {
        const bytes = mutations.reduce<Buffer>((b, m) => m(b), seq);
        await runBytes(splitAt(bytes, cuts));
      }),
      { numRuns: 250 },
    );
  });

  it("runs unmutated valid sessions to the end without a protocol close unless the name is bad", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(clientPiece, { maxLength: 8 }), chunkCuts, async (rest, cuts) => {
        const frames = rest.filter((b) => b[0] !== FrameType.Register);
        const conn = await runBytes(splitAt(Buffer.concat([register("alice"), ...frames]), cuts));
        const close = conn.log.find((e) => e.kind === "close");
        assert.equal(close?.kind === "close" ? close.reason : undefined, "client_closed");
      }),
      { numRuns: 150 },
    );
  });
});

// ---- deterministic transcripts --------------------------------------------------------

/** A registered session with its user list acknowledged; the log is cleared. */
async function registered(hub: Hub, name: string): Promise<FakeConn> {
  const conn = new FakeConn(context(hub));
  conn.push(register(name));
  const frames = conn.sentFrames();
  assert.equal(frames[0]?.type, FrameType.Status);
  conn.push(ack());
  conn.log.length = 0;
  return conn;
}

describe("bcs session transcripts", () => {
  const before: [string, Buffer][] = [
    ["send", sendMsg("hi")],
    ["deliver", encodeFrame({ type: FrameType.Deliver, from: "a", message: "b" })],
    ["status", ack()],
    ["sendfile", Buffer.concat([encodeFrame({ type: FrameType.SendFile, filename: "f", size: 1 }), Buffer.from("x")])],
    ["fnotify", encodeFrame({ type: FrameType.FNotify, user: "a", file: "f" })],
    ["getfile", encodeFrame({ type: FrameType.GetFile, filename: "f" })],
    ["recvfile", encodeFrame({ type: FrameType.RecvFile, size: 0 })],
  ];
  for (const [name, bytes] of before) {
    it(`answers a ${name} before register with status 4, then closes and reads nothing more`, async () => {
      const hub = new Hub();
      const conn = new FakeConn(context(hub));
      conn.push(Buffer.concat([bytes, register("alice"), sendMsg("late")]));
      assert.deepEqual(conn.sentFrames(), [{ type: FrameType.Status, code: 4, message: "register first" }]);
      assert.deepEqual(conn.log.filter((e) => e.kind === "send" || e.kind === "close").map((e) => e.kind), ["send", "close"]);
      assert.deepEqual(
        conn.log.filter((e) => e.kind === "close"),
        [{ kind: "close", reason: "rejected" }],
      );
      await conn.end();
      assert.deepEqual(hub.names(), [], "the later register was never read");
      assert.equal(conn.log.filter((e) => e.kind === "send").length, 1);
    });
  }

  it("answers an unknown type byte first with status 4 and closes for a protocol error", async () => {
    const conn = new FakeConn(context());
    conn.push(Buffer.from([0x09, 0x00, 0x00]));
    assert.deepEqual(conn.sentFrames(), [{ type: FrameType.Status, code: 4, message: "unknown frame type" }]);
    assert.deepEqual(conn.log.at(-1), { kind: "close", reason: "protocol_error" });
    await conn.end();
  });

  it("accepts a register with status 0, then delivers the user list from server", async () => {
    const hub = new Hub();
    const conn = new FakeConn(context(hub));
    conn.push(register("alice"));
    assert.deepEqual(conn.sentFrames(), [
      { type: FrameType.Status, code: 0, message: "ok" },
      { type: FrameType.Deliver, from: "server", message: "online: nobody else" },
    ]);
    assert.ok(conn.log.some((e) => e.kind === "loggedIn"));
    assert.equal(conn.closed, false);
    assert.deepEqual(hub.names(), ["alice"]);
    await conn.end();
    assert.deepEqual(hub.names(), []);
  });

  it("lists the others to a new user and tells the others that it connected", async () => {
    const hub = new Hub();
    const alice = await registered(hub, "alice");
    const bob = new FakeConn(context(hub));
    bob.push(register("bob"));
    assert.deepEqual(bob.sentFrames(), [
      { type: FrameType.Status, code: 0, message: "ok" },
      { type: FrameType.Deliver, from: "server", message: "online: alice" },
    ]);
    assert.deepEqual(alice.sentFrames(), [{ type: FrameType.Deliver, from: "server", message: "bob has connected" }]);
    await bob.end();
    alice.push(ack());
    assert.deepEqual(alice.sentFrames().at(-1), { type: FrameType.Deliver, from: "server", message: "bob has disconnected" });
    await alice.end();
  });

  for (const [name, why] of [
    ["bad name!", "invalid name: use 1-32 of A-Z a-z 0-9 _ - ."],
    ["SERVER", "invalid name: reserved"],
    ["", "invalid name: use 1-32 of A-Z a-z 0-9 _ - ."],
  ] as const) {
    it(`refuses to register ${JSON.stringify(name)} with status 2 and closes`, async () => {
      const hub = new Hub();
      const conn = new FakeConn(context(hub));
      conn.push(register(name));
      assert.deepEqual(conn.sentFrames(), [{ type: FrameType.Status, code: 2, message: why }]);
      assert.deepEqual(conn.log.at(-1), { kind: "close", reason: "rejected" });
      await conn.end();
      assert.deepEqual(hub.names(), []);
    });
  }

  it("refuses a register whose name passes maxFrameBytes with status 2, without buffering it", async () => {
    const conn = new FakeConn(context());
    // 3 + 0xffff bytes: over the 64 KiB limit, so the name is announced as a body.
    assert.ok(3 + 0xffff > DEFAULT_LIMITS.maxFrameBytes);
    conn.push(Buffer.from([FrameType.Register, 0xff, 0xff]));
    assert.deepEqual(conn.sentFrames(), [{ type: FrameType.Status, code: 2, message: "invalid name: too long" }]);
    assert.deepEqual(conn.log.at(-1), { kind: "close", reason: "rejected" });
    await conn.end();
  });

  it("refuses a name already online with status 1 and closes", async () => {
    const hub = new Hub();
    const alice = await registered(hub, "alice");
    const conn = new FakeConn(context(hub));
    conn.push(register("ALICE"));
    assert.deepEqual(conn.sentFrames(), [{ type: FrameType.Status, code: 1, message: "name in use" }]);
    await conn.end();
    assert.deepEqual(hub.names(), ["alice"], "the refused session did not unregister alice");
    await alice.end();
  });

  it("paces delivers: one unacknowledged deliver at a time, the next after each status ack", async () => {
    const hub = new Hub();
    const alice = new FakeConn(context(hub));
    alice.push(register("alice"));
    // The user list is the one outstanding deliver; bob's join waits behind it.
    const bob = new FakeConn(context(hub));
    bob.push(register("bob"));
    bob.push(ack());
    bob.push(Buffer.concat([sendMsg("one"), sendMsg("two"), sendMsg("three")]));
    assert.deepEqual(
      bob.sentFrames().filter((f) => f.type === FrameType.Status),
      [
        { type: FrameType.Status, code: 0, message: "ok" },
        { type: FrameType.Status, code: 0, message: "ok" },
        { type: FrameType.Status, code: 0, message: "ok" },
        { type: FrameType.Status, code: 0, message: "ok" },
      ],
      "bob's register and three sends are answered at once (replies are not paced)",
    );
    const delivers = (): BcsFrame[] => alice.sentFrames().filter((f) => f.type === FrameType.Deliver);
    assert.deepEqual(delivers(), [{ type: FrameType.Deliver, from: "server", message: "online: nobody else" }]);
    const expected = [
      { type: FrameType.Deliver, from: "server", message: "bob has connected" },
      { type: FrameType.Deliver, from: "bob", message: "one" },
      { type: FrameType.Deliver, from: "bob", message: "two" },
      { type: FrameType.Deliver, from: "bob", message: "three" },
    ];
    for (let i = 0; i < expected.length; i++) {
      alice.push(ack());
      assert.deepEqual(delivers().slice(1), expected.slice(0, i + 1), `after ack ${i + 1}`);
    }
    // A stray ack with nothing outstanding is ignored: no reply, no deliver, no close.
    const sent = alice.log.filter((e) => e.kind === "send").length;
    alice.push(ack());
    assert.equal(alice.log.filter((e) => e.kind === "send").length, sent);
    assert.equal(alice.closed, false);
    await bob.end();
    await alice.end();
  });

  it("sends a deliver at once to a registered client with nothing outstanding", async () => {
    const hub = new Hub();
    const alice = await registered(hub, "alice");
    const bob = await registered(hub, "bob");
    alice.push(ack()); // bob's join
    alice.log.length = 0;
    bob.push(sendMsg("now"));
    assert.deepEqual(alice.sentFrames(), [{ type: FrameType.Deliver, from: "bob", message: "now" }]);
    await bob.end();
    await alice.end();
  });

  it("answers a server-only frame after register with status 4 and stays open", async () => {
    const hub = new Hub();
    const alice = await registered(hub, "alice");
    alice.push(encodeFrame({ type: FrameType.Deliver, from: "x", message: "y" }));
    assert.deepEqual(alice.sentFrames(), [{ type: FrameType.Status, code: 4, message: "unexpected frame type from a client" }]);
    alice.push(register("again"));
    assert.deepEqual(alice.sentFrames().at(-1), { type: FrameType.Status, code: 4, message: "already registered" });
    assert.equal(alice.closed, false);
    await alice.end();
  });

  it("stores an upload, answers status 0 and serves it back as recvfile", async () => {
    const hub = new Hub();
    const watcher = new Observer(OBSERVER);
    hub.join(watcher, OBSERVER);
    const alice = await registered(hub, "alice");
    const name = `up-${process.pid}-${Date.now()}.bin`;
    const content = Buffer.from("file contents\x00\xff");
    alice.push(Buffer.concat([encodeFrame({ type: FrameType.SendFile, filename: name, size: content.length }), content, encodeFrame({ type: FrameType.GetFile, filename: name })]));
    await alice.settle();
    await alice.settle();
    assert.deepEqual(alice.sentFrames(), [
      { type: FrameType.Status, code: 0, message: "ok" },
      { type: FrameType.RecvFile, size: content.length, body: content },
    ]);
    assert.deepEqual(watcher.events.at(-1), { kind: "file", from: "alice", file: name });
    await alice.end();
  });
});

describe("bcs session with a register whose answer is pending (a registry that answers later)", () => {
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
  const statuses = (conn: FakeConn) => conn.sentFrames().flatMap((f) => (f.type === FrameType.Status ? [`${f.code} ${f.message}`] : []));

  it("answers nothing and reads nothing more until the registry decides, then answers in order", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const conn = new FakeConn(context(hub));
    conn.push(Buffer.concat([register("alice"), sendMsg("hi")]));
    assert.deepEqual(conn.sentFrames(), []);
    assert.equal(conn.framesRead, 1, "the send waits unread");
    assert.equal(conn.inputPaused, true);
    gate.open();
    await turn();
    const frames = conn.sentFrames();
    assert.equal(frames[0]?.type, FrameType.Status, "the register's answer comes first");
    assert.deepEqual(statuses(conn), ["0 ok", "0 ok"], "register, then the send");
    assert.equal(hub.isOnline("alice"), true);
    await conn.end();
    assert.equal(hub.isOnline("alice"), false);
  });

  it("refuses a register that lost its name to a rival's once the registry decides, and closes", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const first = new FakeConn(context(hub));
    const rival = new FakeConn(context(hub));
    first.push(register("bob"));
    rival.push(register("BOB"));
    gate.open();
    await turn();
    assert.deepEqual(statuses(first), ["0 ok"]);
    assert.equal(statuses(rival).length, 1);
    assert.notEqual(statuses(rival)[0], "0 ok");
    assert.ok(rival.log.some((e) => e.kind === "close" && e.reason === "rejected"));
    await first.end();
    await rival.end();
  });

  it("abandons a register whose connection closes while it waits: the name never comes online", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const conn = new FakeConn(context(hub));
    conn.push(register("carol"));
    await conn.end();
    gate.open();
    await turn();
    assert.equal(hub.isOnline("carol"), false);
    assert.deepEqual(conn.sentFrames(), []);
  });
});

// ---- the file store and the chat logs, as ports ----------------------------------------

/** The local store behind a store that answers everything later, as one on the network would. */
class LaterFiles implements FileStore {
  constructor(private readonly inner: FileStore) {}
  beginUpload(user: string, name: string, size: number): Promise<Upload | UploadRefusal> {
    return later(async () => {
      const begun = await this.inner.beginUpload(user, name, size);
      if (isRefusal(begun)) return begun;
      return { write: (c) => begun.write(c), onDrain: (cb) => begun.onDrain(cb), abort: () => begun.abort(), commit: () => later(() => begun.commit()) };
    });
  }
  openDownload(name: string): Promise<Download | DownloadRefusal> {
    return later(() => this.inner.openDownload(name));
  }
}

const later = <T>(answer: () => T | Promise<T>): Promise<T> => new Promise((resolve) => setTimeout(resolve, 15)).then(answer);

describe("bcs session with its ports", () => {
  it("keeps its input paused while the file store answers later, so that every answer comes in order", async () => {
    const hub = new Hub();
    const watcher = new Observer(OBSERVER);
    hub.join(watcher, OBSERVER);
    const ctx = { ...context(hub), files: new LaterFiles(files) };
    const alice = new FakeConn(ctx);
    alice.push(register("alice"));
    alice.push(ack());
    alice.log.length = 0;
    const name = `later-${process.pid}-${Date.now()}.bin`;
    const content = Buffer.from("kept later");
    const upload = Buffer.concat([encodeFrame({ type: FrameType.SendFile, filename: name, size: content.length }), content]);
    alice.push(Buffer.concat([upload, sendMsg("one"), upload, sendMsg("two"), encodeFrame({ type: FrameType.GetFile, filename: name }), sendMsg("three")]));
    assert.equal(alice.inputPaused, true, "the sendfile waits for the store");
    for (let i = 0; i < 20 && (alice.inputPaused || alice.sentFrames().length < 6); i++) await alice.settle();
    assert.deepEqual(alice.sentFrames(), [
      { type: FrameType.Status, code: 0, message: "ok" },
      { type: FrameType.Status, code: 0, message: "ok" },
      { type: FrameType.Status, code: 6, message: "file exists" },
      { type: FrameType.Status, code: 0, message: "ok" },
      { type: FrameType.RecvFile, size: content.length, body: content },
      { type: FrameType.Status, code: 0, message: "ok" },
    ]);
    assert.deepEqual(watcher.events.at(-1), { kind: "lobby", from: "alice", text: "three" });
    assert.ok(watcher.events.some((e) => e.kind === "file" && e.file === name));
    assert.ok(alice.log.filter((e) => e.kind === "pause").length >= 3, "input was paused for each wait");
    await alice.end();
  });

  it("reports its connection, registration, stored upload and end for the chat logs; a refused register too", async () => {
    const hub = new Hub();
    const reports: string[] = [];
    hub.clientEvents.observe((e) => {
      const what = e.kind === "login" ? `${e.name} ${e.result}` : e.kind === "stored" ? `${e.user} ${e.file} ${e.size}` : e.kind === "disconnected" ? `${e.name} ${e.reason}` : "";
      reports.push(`${e.kind} ${e.client.dialect} ${e.client.address}:${e.client.port} ${what}`.trimEnd());
    });
    const alice = await registered(hub, "alice");
    const name = `reported-${process.pid}-${Date.now()}.txt`;
    alice.push(Buffer.concat([encodeFrame({ type: FrameType.SendFile, filename: name, size: 3 }), Buffer.from("abc")]));
    await alice.settle();
    const dup = new FakeConn(context(hub));
    dup.push(register("ALICE"));
    await dup.end();
    await alice.end();
    assert.deepEqual(reports, [
      "connected bcs 127.0.0.1:40000",
      "login bcs 127.0.0.1:40000 alice ok",
      `stored bcs 127.0.0.1:40000 alice ${name} 3`,
      "connected bcs 127.0.0.1:40000",
      "login bcs 127.0.0.1:40000 ALICE name_taken",
      "disconnected bcs 127.0.0.1:40000 undefined rejected",
      "disconnected bcs 127.0.0.1:40000 alice client_closed",
    ]);
  });
});
