/**
 * GowingSession over a fake Conn with a real Hub: transcripts of what it sends and logs,
 * the render cache, ordering around a join, and a fuzz that feeds random frames through
 * a FrameReader as the TCP transport does (src/transport/connection.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ClientEvent } from "../../../src/core/client-events.js";
import type { DisconnectReason } from "../../../src/core/errors.js";
import type { HubEvent, PublicEvent } from "../../../src/core/events.js";
import { Hub } from "../../../src/core/hub.js";
import { DEFAULT_LIMITS, type Limits } from "../../../src/app/limits.js";
import { LocalNameRegistry } from "../../../src/core/local-registry.js";
import { LocalRouter } from "../../../src/core/local-router.js";
import { LoginAttempts } from "../../../src/core/login-attempts.js";
import type { Member } from "../../../src/core/ports.js";
import { ChatLogs, type ChatLog } from "../../../src/log/chat-logs.js";
import { DISPOSITIONS } from "../../../src/log/gowing-logs.js";
import { silentLog } from "../../../src/log/ops-log.js";
import { encodeRaw, encodeText, GowingCodec } from "../../../src/protocols/gowing/codec.js";
import { FrameType, type GowingFrame } from "../../../src/protocols/gowing/frames.js";
import { eventLine, renderEvent } from "../../../src/protocols/gowing/render.js";
import { COMMAND_LIST, GowingSession } from "../../../src/protocols/gowing/session.js";
import { RecordingConn } from "../../helpers/fake-conn.js";
import { Gate, GatedRegistry, GatedRouter } from "../../helpers/gated-ports.js";

// ---- fakes ------------------------------------------------------------------------

/**
 * What gowing's logs are told, one string an event: the hub's chat as the chat.log line
 * (the dialect's rendering), and the session's reports of its connection, each JOIN with
 * its disposition, and its end (src/log/gowing-logs.ts writes the real lines).
 */
class RecordingLogs implements ChatLog {
  readonly lines: string[] = [];
  chat(event: PublicEvent): void {
    this.lines.push(`chat ${eventLine(event)}`);
  }
  client(event: ClientEvent): void {
    switch (event.kind) {
      case "connected":
        return void this.lines.push(`connected ${event.client.address} ${event.client.port}`);
      case "login":
        return void this.lines.push(`requested ${String(event.name)}: ${DISPOSITIONS[event.result]}`);
      case "disconnected":
        return void this.lines.push(`disconnected ${event.name ?? "-"}: ${event.reason}`);
      case "stored":
        return void this.lines.push(`stored ${event.file}`);
    }
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  reopen(): Promise<never[]> {
    return Promise.resolve([]);
  }
}

/**
 * A Conn that records what is sent, decoded: frames, and the one-byte JOIN reply as
 * type 0 with the status as text. A throw out of the session fails the test at once.
 */
class FakeConn extends RecordingConn<GowingFrame> {
  readonly sent: { type: number; text: string; afterClose: boolean }[] = [];
  readonly raw: Buffer[] = [];
  override readonly session: GowingSession;
  /** When set, send() reports a full queue. */
  full = false;

  constructor(
    readonly hub: Hub,
    readonly logs: RecordingLogs = new RecordingLogs(),
    limits: Readonly<Limits> = DEFAULT_LIMITS,
  ) {
    super(new GowingCodec(limits.maxFrameBytes), limits.maxFrameBytes, { rethrows: true });
    new ChatLogs(hub).add(logs); // as the gowing dialect's open() does: the logs watch the hub
    this.session = new GowingSession(this, { hub, log: silentLog, limits });
  }

  /**
   * Unlike Connection, a frame sent while closing is reported as taken (only `full` refuses
   * one), as this fake always did: the fuzz checks instead that none is sent after close.
   */
  override send(frame: Uint8Array): boolean {
    if (this.full) return false;
    super.send(frame);
    return true;
  }
  protected override record(b: Buffer): void {
    this.raw.push(b);
    if (b.length === 1) return void this.sent.push({ type: FrameType.Join, text: String.fromCharCode(b[0]!), afterClose: this.closed });
    const r = new GowingCodec(3 + 0xffff).decode(b, 0);
    assert.ok(r.kind === "frame" && r.frame.kind === "text" && r.consumed === b.length, `one whole server frame per send: ${b.toString("hex")}`);
    this.sent.push({ type: r.frame.type, text: r.frame.text, afterClose: this.closed });
  }
  /** What was sent from `index` on. */
  after(index = 0): { type: number; text: string }[] {
    return this.sent.slice(index).map(({ type, text }) => ({ type, text }));
  }
}

class FakeMember implements Member {
  readonly got: HubEvent[] = [];
  disconnected: DisconnectReason | undefined;
  constructor(
    readonly name: string,
    private readonly accepts = true,
  ) {}
  readonly dialect = "fake";
  deliver(event: HubEvent): boolean {
    this.got.push(event);
    return this.accepts;
  }
  disconnect(reason: DisconnectReason): void {
    this.disconnected = reason;
  }
}

const join = (name: string) => encodeText(FrameType.Join, name);

// ---- transcripts ------------------------------------------------------------------

describe("gowing session transcripts", () => {
  it("sends nothing on connect and logs the connection", () => {
    const c = new FakeConn(new Hub());
    assert.deepEqual(c.after(), []);
    assert.deepEqual(c.logs.lines, ["connected 127.0.0.1 40000"]);
  });

  it("answers JOIN with one raw byte, then the command list and the joining notice; logs the disposition and the notice, and ends the login deadline", () => {
    const c = new FakeConn(new Hub());
    c.push(join("Bob"));
    assert.deepEqual(c.raw[0], Buffer.from([0]));
    assert.deepEqual(c.after(), [
      { type: FrameType.Join, text: "\u0000" },
      { type: FrameType.Message, text: COMMAND_LIST },
      { type: FrameType.Message, text: "**Bob is joining the chat**" },
    ]);
    assert.equal(c.isLoggedIn, true);
    assert.deepEqual(c.logs.lines.slice(1), ["chat **Bob is joining the chat**", "requested Bob: accepted"]);
  });

  it("logs a refused name with its disposition and keeps the login deadline running", () => {
    const hub = new Hub();
    hub.join(new FakeMember("held"), "held");
    const c = new FakeConn(hub);
    c.push(Buffer.concat([join("HELD"), join("no way")]));
    assert.deepEqual(c.after(), [
      { type: FrameType.Join, text: "\u0001" },
      { type: FrameType.Join, text: "\u0002" },
    ]);
    assert.equal(c.isLoggedIn, false);
    assert.deepEqual(c.logs.lines.slice(1), ["requested HELD: rejected: name in use", "requested no way: rejected: invalid"]);
    assert.equal(c.session.name, "", "a refused name is not kept");
  });

  it("logs an oversized JOIN by its size", () => {
    const c = new FakeConn(new Hub(), new RecordingLogs(), { ...DEFAULT_LIMITS, maxFrameBytes: 512 });
    c.push(encodeText(FrameType.Join, "n".repeat(600)));
    assert.deepEqual(c.after(), [{ type: FrameType.Join, text: "\u0002" }]);
    assert.deepEqual(c.logs.lines.slice(1), ["requested 600: rejected: invalid"]);
  });

  it("logs each accepted MESSAGE as the others see it, and leaves with a logged notice", () => {
    const hub = new Hub();
    const other = new FakeMember("other");
    hub.join(other, "other");
    const c = new FakeConn(hub);
    c.push(Buffer.concat([join("Ann"), encodeText(FrameType.Message, "héllo"), encodeText(FrameType.Message, "")]));
    assert.deepEqual(other.got.slice(1), [{ kind: "lobby", from: "Ann", text: "h?llo" }]);
    assert.deepEqual(c.after(3), [{ type: FrameType.Error, text: "Empty message" }]); // after status, list, notice
    c.push(encodeRaw(FrameType.Leave, Buffer.from("bye")));
    assert.equal(c.closeReason, "client_left");
    assert.deepEqual(other.got.at(-1), { kind: "leave", name: "Ann" });
    c.socketClosed();
    assert.equal(hub.isOnline("Ann"), false);
    assert.deepEqual(c.logs.lines.slice(1), [
      "chat **Ann is joining the chat**",
      "requested Ann: accepted",
      "chat [Ann] h?llo",
      "chat **Ann is leaving the chat**",
      "disconnected Ann: client_left",
    ]);
  });

  it("drops a trailing CR/LF of MESSAGE and DIRECT, and takes a DIRECT target written @target (the public clients send both)", () => {
    const hub = new Hub();
    const other = new FakeMember("other");
    hub.join(other, "other");
    const c = new FakeConn(hub);
    c.push(Buffer.concat([join("Ann"), encodeText(FrameType.Message, "hello\n"), encodeText(FrameType.Message, "two\r\n")]));
    c.push(Buffer.concat([encodeText(FrameType.Direct, "@other psst\n"), encodeText(FrameType.Direct, "other a\nb\r")]));
    c.push(encodeText(FrameType.Message, "\r\n"));
    assert.deepEqual(other.got.slice(1), [
      { kind: "lobby", from: "Ann", text: "hello" },
      { kind: "lobby", from: "Ann", text: "two" },
      { kind: "direct", from: "Ann", text: "psst" },
      { kind: "direct", from: "Ann", text: "a\nb" },
    ]);
    assert.deepEqual(c.after(3), [{ type: FrameType.Error, text: "Empty message" }], "a bare newline is an empty message");
  });

  it("does not log private messages in the chat log", () => {
    const hub = new Hub();
    hub.join(new FakeMember("friend"), "friend");
    const c = new FakeConn(hub);
    c.push(Buffer.concat([join("Sue"), encodeText(FrameType.Direct, "friend secret")]));
    assert.ok(!c.logs.lines.some((l) => l.includes("secret")), c.logs.lines.join("\n"));
  });

  it("leaves the hub when the connection drops, once", () => {
    const hub = new Hub();
    const other = new FakeMember("other");
    hub.join(other, "other");
    const c = new FakeConn(hub);
    c.push(join("Dan"));
    c.socketClosed();
    assert.equal(hub.isOnline("Dan"), false);
    assert.deepEqual(other.got.filter((e) => e.kind === "leave"), [{ kind: "leave", name: "Dan" }]);
    assert.equal(c.logs.lines.filter((l) => l.includes("leaving")).length, 1);
  });

  it("holds events that race its JOIN reply until after the reply and its own notice", () => {
    const hub = new Hub();
    const slow = new FakeMember("slow", false); // overflows at the next event: dropped by the hub
    hub.join(slow, "slow");
    const c = new FakeConn(hub, new RecordingLogs(), { ...DEFAULT_LIMITS, queueFrames: 10 });
    c.push(join("Eve"));
    assert.equal(slow.disconnected, "slow_consumer");
    assert.deepEqual(c.after(), [
      { type: FrameType.Join, text: "\u0000" },
      { type: FrameType.Message, text: COMMAND_LIST },
      { type: FrameType.Message, text: "**Eve is joining the chat**" },
      { type: FrameType.Message, text: "**slow is leaving the chat**" },
    ]);
  });

  it("reports a full outbound queue to the hub from deliver", () => {
    const hub = new Hub();
    const c = new FakeConn(hub);
    c.push(join("Fay"));
    c.full = true;
    assert.equal(c.session.deliver({ kind: "lobby", from: "x", text: "y" }), false);
  });

  it("splits a LIST too long for one frame into several type-3 frames of whole names", () => {
    const hub = new Hub();
    const names: string[] = [];
    for (let i = 0; i < 2500; i++) {
      const name = `user_${String(i).padStart(26, "0")}`; // 31 characters
      names.push(name);
      hub.join(new FakeMember(name), name);
    }
    const c = new FakeConn(hub);
    c.push(join("asker"));
    c.push(encodeText(FrameType.List, ""));
    const lists = c.after().filter((f) => f.type === FrameType.List);
    assert.ok(lists.length >= 2, `${lists.length} frames`);
    for (const l of lists) assert.ok(l.text.length <= 0xffff);
    assert.deepEqual(lists.map((l) => l.text).join(", ").split(", "), [...names, "asker"]);
  });
});

describe("gowing rendering", () => {
  it("encodes a shared event once for every recipient", () => {
    const event: HubEvent = { kind: "lobby", from: "x", text: "shared" };
    assert.equal(renderEvent(event), renderEvent(event));
  });

  it("renders every hub event as docs/wire.md#rendering-across-dialects says, ASCII only", () => {
    const cases: [HubEvent, number, string][] = [
      [{ kind: "lobby", from: "X", text: "naïve ✓" }, FrameType.Message, "[X] na?ve ?"],
      [{ kind: "direct", from: "X", text: "psst 😀" }, FrameType.Direct, "[X] (private) psst ?"],
      [{ kind: "join", name: "X" }, FrameType.Message, "**X is joining the chat**"],
      [{ kind: "leave", name: "X" }, FrameType.Message, "**X is leaving the chat**"],
      [{ kind: "file", from: "X", file: "résumé.pdf" }, FrameType.Message, "**X has uploaded r?sum?.pdf to the server**"],
    ];
    for (const [event, type, text] of cases) {
      assert.deepEqual(renderEvent(event), encodeText(type, text), JSON.stringify(event));
    }
  });

  it("cuts a line too long for a u16 length instead of throwing", () => {
    const frame = renderEvent({ kind: "lobby", from: "X", text: "z".repeat(70_000) });
    assert.equal(frame.readUInt16BE(1), 0xffff);
    assert.equal(frame.length, 3 + 0xffff);
  });
});

// ---- fuzz ---------------------------------------------------------------------------

const fuzzFrame = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.string({ unit: "binary", maxLength: 20 })).map(([t, s]) => encodeText(t, s)),
  fc.tuple(fc.constantFrom(0, 2, 4), fc.constantFrom("fz_a", "fz_b", "FZ_A", "server", "", "fz_a hi", "fz_b hi")).map(([t, s]) => encodeText(t, s)),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 700 })).map(([t, p]) => encodeRaw(t, p)),
  fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
);

describe("gowing session under fuzz", () => {
  it("never throws, sends only whole server frames, nothing after closing, and leaves the hub clean", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 }), fuzzFrame), { maxLength: 30 }), (script) => {
        const limits = { ...DEFAULT_LIMITS, maxFrameBytes: 512, maxMessageBytes: 100 };
        const hub = new Hub({ limits });
        const watcher = new FakeMember("watcher");
        hub.join(watcher, "watcher");
        const conns = [new FakeConn(hub, new RecordingLogs(), limits), new FakeConn(hub, new RecordingLogs(), limits), new FakeConn(hub, new RecordingLogs(), limits)];
        for (const [who, bytes] of script) conns[who]!.push(bytes);
        for (const c of conns) {
          for (const f of c.sent) {
            assert.ok(!f.afterClose, "sent after close");
            assert.ok([0, 2, 3, 4, 5].includes(f.type), `server sent type ${f.type}`);
            if (f.type === FrameType.Join) assert.equal(f.text.length, 1);
            assert.match(f.text, /^[\x00-\x7f]*$/, "server text is ASCII");
          }
          c.socketClosed();
        }
        assert.deepEqual(hub.names(), ["watcher"]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("gowing session with pending hub answers (ports that answer later)", () => {
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

  it("answers nothing and reads nothing more while its JOIN waits for the registry, then answers in order", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const other = new FakeMember("other");
    const joined = hub.join(other, "other");
    gate.open();
    await joined;
    const c = new FakeConn(hub);
    c.push(Buffer.concat([join("Ann"), encodeText(FrameType.Message, "hi"), encodeRaw(FrameType.List, Buffer.alloc(0))]));
    assert.deepEqual(c.after(), []);
    assert.equal(c.framesRead, 1, "the frames after it wait unread");
    gate.open();
    await turn();
    assert.deepEqual(c.after(), [
      { type: FrameType.Join, text: "\u0000" },
      { type: FrameType.Message, text: COMMAND_LIST },
      { type: FrameType.Message, text: "**Ann is joining the chat**" },
      { type: FrameType.List, text: "other, Ann" },
    ]);
    assert.deepEqual(other.got, [{ kind: "join", name: "Ann" }, { kind: "lobby", from: "Ann", text: "hi" }]);
    assert.deepEqual(c.logs.lines.slice(1), ["chat **Ann is joining the chat**", "requested Ann: accepted", "chat [Ann] hi"]);
  });

  it("holds the DIRECTs after one the router has not answered yet, and keeps their errors in order", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate) });
    const other = new FakeMember("other");
    hub.join(other, "other");
    const c = new FakeConn(hub);
    c.push(join("Ann"));
    c.push(Buffer.concat([encodeText(FrameType.Direct, "other one"), encodeText(FrameType.Direct, "nobody two")]));
    assert.equal(c.after(3).length, 0);
    assert.deepEqual(other.got.slice(1), []);
    gate.open();
    await turn();
    assert.deepEqual(other.got.slice(1), [{ kind: "direct", from: "Ann", text: "one" }]);
    assert.deepEqual(c.after(3), [{ type: FrameType.Error, text: "No such user: nobody" }]);
  });

  it("answers a JOIN over its address's refused logins later, an unreadable name's too, and counts that as refused", async () => {
    // One refused name per 200 ms; every fake connection comes from 127.0.0.1.
    const limits = { ...DEFAULT_LIMITS, maxFrameBytes: 512 };
    const hub = new Hub({ loginAttempts: new LoginAttempts(1, 200), limits });
    const c = new FakeConn(hub, new RecordingLogs(), limits);
    c.push(join("no way"));
    c.push(encodeText(FrameType.Join, "n".repeat(600))); // too long to read: an invalid name
    assert.deepEqual(c.after(), [{ type: FrameType.Join, text: "\u0002" }]);
    assert.equal(c.inputPaused, true, "the unreadable JOIN waits for a try");
    await c.settle();
    assert.deepEqual(c.after(1), [{ type: FrameType.Join, text: "\u0002" }]);
    assert.deepEqual(c.logs.lines.slice(1), ["requested no way: rejected: invalid", "requested 600: rejected: invalid"]);
    const next = new FakeConn(hub, new RecordingLogs(), limits);
    next.push(join("patient"));
    assert.deepEqual(next.after(), [], "the unreadable name used the try that came back");
    await next.settle();
    assert.deepEqual(next.after().slice(0, 1), [{ type: FrameType.Join, text: "\u0000" }]);
    assert.equal(hub.stats.dialect("gowing").rateLimited.login_failures, 2);
  });

  it("abandons a JOIN whose connection closes while it waits, and logs no name for it", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const c = new FakeConn(hub);
    c.push(join("Zed"));
    await c.end();
    gate.open();
    await turn();
    assert.equal(hub.isOnline("Zed"), false);
    assert.deepEqual(c.logs.lines.slice(1), ["disconnected -: client_closed"]);
  });
});
