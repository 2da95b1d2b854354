/**
 * The browser client's pure modules (src/web/public), run in Node against the server's own
 * code: bcs-wire.js encodes what the server's codec encodes and decodes what the server
 * sends under any chunking (WebSocket messages need not match frames); presence.js reads
 * every notice the server's PresenceBatch and user list can write; backoff.js waits as
 * documented. The modules are plain browser JavaScript, not compiled: they are loaded from
 * the source tree (tsc does not copy them to dist/).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeDeliver, encodeFNotify, encodeFrame, encodeOneString, encodeRecvFileHeader, encodeSendFileHeader, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { PresenceBatch } from "../../src/protocols/bcs/presence-batch.js";
import { userListMessages } from "../../src/protocols/bcs/session.js";
import { PUBLIC_DIR } from "../../src/web/static-files.js";
import { splitAt } from "../helpers/chunks.js";

type ServerFrame =
  | { type: 3; from: string; message: string }
  | { type: 4; code: number; message: string }
  | { type: 6; user: string; file: string }
  | { type: 8; size: number };

interface Handlers {
  frame(f: ServerFrame): void;
  body(bytes: Uint8Array): void;
  bodyEnd(): void;
  error(message: string): void;
}

interface BcsWire {
  ACK: Uint8Array;
  MAX_STRING_BYTES: number;
  encodeRegister(name: string): Uint8Array;
  encodeSend(message: string): Uint8Array;
  encodeGetFile(name: string): Uint8Array;
  encodeSendFileHeader(name: string, size: number): Uint8Array;
  fileNameProblem(name: string): string | undefined;
  BcsDecoder: new (handlers: Handlers) => { push(data: ArrayBuffer | Uint8Array): void };
}

interface Change {
  kind: "change";
  joined: { names: string[]; unnamed: number };
  left: { names: string[]; unnamed: number };
}
type Presence = { kind: "list"; names: string[] } | Change;

interface PresenceModule {
  parsePresence(message: string): Presence | undefined;
  Roster: new () => { reset(self: string): void; apply(p: Presence): void; readonly names: string[]; readonly unnamed: number; readonly size: number };
}

interface BackoffModule {
  Backoff: new () => { next(random?: () => number): number; reset(): void };
}

const load = <T>(file: string): Promise<T> => import(new URL(file, PUBLIC_DIR).href) as Promise<T>;
const wire = await load<BcsWire>("bcs-wire.js");
const presence = await load<PresenceModule>("presence.js");
const { Backoff } = await load<BackoffModule>("backoff.js");

const bytes = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);

type Event = { kind: "frame"; frame: ServerFrame } | { kind: "body"; bytes: Buffer } | { kind: "end" } | { kind: "error"; message: string };

/** Everything the browser's decoder hands out for `chunks`, body pieces merged. */
function decode(chunks: readonly Uint8Array[]): Event[] {
  const events: Event[] = [];
  const decoder = new wire.BcsDecoder({
    frame: (frame) => events.push({ kind: "frame", frame }),
    body: (piece) => {
      const last = events.at(-1);
      if (last?.kind === "body") last.bytes = Buffer.concat([last.bytes, piece]);
      else events.push({ kind: "body", bytes: Buffer.from(piece) });
    },
    bodyEnd: () => events.push({ kind: "end" }),
    error: (message) => events.push({ kind: "error", message }),
  });
  for (const c of chunks) decoder.push(c);
  return events;
}

/** A server stream of every frame kind (`long`: and a deliver over 64 KiB), and what it decodes to. */
function sampleStream(long = true): { stream: Buffer; events: Event[] } {
  const file = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
  const parts: [Buffer, Event[]][] = [
    [encodeStatus(0, "ok"), [{ kind: "frame", frame: { type: 4, code: 0, message: "ok" } }]],
    [encodeDeliver("server", "online: alice, bob"), [{ kind: "frame", frame: { type: 3, from: "server", message: "online: alice, bob" } }]],
    [encodeDeliver("ünï", "日本語 👋 ∑"), [{ kind: "frame", frame: { type: 3, from: "ünï", message: "日本語 👋 ∑" } }]],
    [encodeDeliver("", ""), [{ kind: "frame", frame: { type: 3, from: "", message: "" } }]],
    [encodeFNotify("alice", "notes (1).txt"), [{ kind: "frame", frame: { type: 6, user: "alice", file: "notes (1).txt" } }]],
    [
      Buffer.concat([encodeRecvFileHeader(file.length), file]),
      [{ kind: "frame", frame: { type: 8, size: file.length } }, { kind: "body", bytes: file }, { kind: "end" }],
    ],
    [encodeStatus(6, "file not found"), [{ kind: "frame", frame: { type: 4, code: 6, message: "file not found" } }]],
    [encodeRecvFileHeader(0), [{ kind: "frame", frame: { type: 8, size: 0 } }, { kind: "end" }]],
    ...(long ? ([[encodeDeliver("bob", "x".repeat(65_000)), [{ kind: "frame", frame: { type: 3, from: "bob", message: "x".repeat(65_000) } }]]] as [Buffer, Event[]][]) : []),
    [encodeStatus(7, "rate limited; slow down"), [{ kind: "frame", frame: { type: 4, code: 7, message: "rate limited; slow down" } }]],
  ];
  return { stream: Buffer.concat(parts.map(([b]) => b)), events: parts.flatMap(([, e]) => e) };
}

describe("bcs-wire.js: what the browser sends", () => {
  it("encodes register, send and getfile as the server's codec does, Unicode included", () => {
    for (const s of ["anna", "", "Grüße 日本語 👋🏽", "x".repeat(wire.MAX_STRING_BYTES)]) {
      assert.deepEqual(bytes(wire.encodeRegister(s)), encodeFrame({ type: FrameType.Register, username: s }));
      assert.deepEqual(bytes(wire.encodeSend(s)), encodeFrame({ type: FrameType.Send, message: s }));
      assert.deepEqual(bytes(wire.encodeGetFile(s)), encodeOneString(FrameType.GetFile, s));
    }
  });

  it("encodes the sendfile header and the ack as the server's codec does", () => {
    for (const [name, size] of [["a.bin", 0], ["photos-ünï.bin", 5 * 1024 * 1024], ["big", 0xffffffff]] as const) {
      assert.deepEqual(bytes(wire.encodeSendFileHeader(name, size)), encodeSendFileHeader(name, size));
    }
    assert.deepEqual(bytes(wire.ACK), encodeStatus(0, "ok"));
  });

  it("refuses what bcs cannot frame", () => {
    assert.throws(() => wire.encodeSend("é".repeat(wire.MAX_STRING_BYTES)), RangeError, "a string over 65535 UTF-8 bytes");
    assert.throws(() => wire.encodeSendFileHeader("a", 2 ** 32), RangeError, "a file over a u32");
    assert.throws(() => wire.encodeSendFileHeader("a", -1), RangeError);
  });

  // The server's rule and its words (docs/bcs.md#files), written out rather than imported:
  // where the server keeps the rule is its own business (it has moved before).
  it("judges file names by the server's rule, in its words", () => {
    const cases: [string, string | undefined][] = [
      ["notes.txt", undefined],
      ["photos-ünï.bin", undefined],
      ["ok name (1).txt", undefined],
      ["é".repeat(127), undefined],
      ["x".repeat(255), undefined],
      ["", "empty file name"],
      ["é".repeat(128), "file name longer than 255 bytes"],
      ["x".repeat(256), "file name longer than 255 bytes"],
      [".hidden", "file name starts with a dot"],
      ["..", "file name starts with a dot"],
      ["a..b", "file name contains .."],
      ["a/b", "file name contains a separator or control character"],
      ["a\\b", "file name contains a separator or control character"],
      ["a\u0000b", "file name contains a separator or control character"],
      ["tab\there", "file name contains a separator or control character"],
      ["del\u007f", "file name contains a separator or control character"],
    ];
    for (const [name, problem] of cases) assert.equal(wire.fileNameProblem(name), problem, JSON.stringify(name));
  });
});

describe("bcs-wire.js: reading the server's byte stream", () => {
  const { stream, events } = sampleStream();

  it("decodes every server frame, whole", () => {
    assert.deepEqual(decode([stream]), events);
  });

  it("decodes the same under every single cut, and byte by byte", () => {
    const short = sampleStream(false); // every cut of the long deliver would take a while, and find nothing new
    for (let cut = 0; cut <= short.stream.length; cut++) assert.deepEqual(decode(splitAt(short.stream, [cut])), short.events, `cut at ${cut}`);
    assert.deepEqual(decode(splitAt(stream, Array.from({ length: stream.length }, (_, i) => i))), events);
  });

  it("decodes the same under any chunking", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(decode(splitAt(stream, cuts)), events);
      }),
      { numRuns: 300 },
    );
  });

  it("hands file contents out as views of the received chunks, not copies", () => {
    const file = Buffer.alloc(100_000, 7);
    const head = encodeRecvFileHeader(file.length);
    const chunks = [Buffer.concat([head, file.subarray(0, 40_000)]), Buffer.from(file.subarray(40_000))];
    const pieces: Uint8Array[] = [];
    const decoder = new wire.BcsDecoder({ frame: () => undefined, body: (p) => pieces.push(p), bodyEnd: () => undefined, error: assert.fail });
    for (const c of chunks) decoder.push(c);
    assert.equal(pieces.length, 2);
    assert.equal(pieces[0]!.buffer, chunks[0]!.buffer);
    assert.equal(pieces[1]!.buffer, chunks[1]!.buffer);
  });

  it("reads invalid UTF-8 as U+FFFD, as the server does", () => {
    const bad = Buffer.from([FrameType.Deliver, 0, 1, 0x61, 0, 3, 0x62, 0xff, 0x63]);
    assert.deepEqual(decode([bad]), [{ kind: "frame", frame: { type: 3, from: "a", message: "b\ufffdc" } }]);
  });

  it("stops at a frame no server sends, once, and reads nothing after it", () => {
    for (const type of [0, FrameType.Register, FrameType.Send, FrameType.SendFile, FrameType.GetFile, 9, 255]) {
      const got = decode([Buffer.concat([encodeStatus(0, "ok"), Buffer.from([type, 0, 0]), encodeStatus(0, "ok")])]);
      assert.equal(got.length, 2, `type ${type}`);
      assert.deepEqual(got[0], { kind: "frame", frame: { type: 4, code: 0, message: "ok" } });
      assert.equal(got[1]!.kind, "error");
    }
  });

  it("never throws on arbitrary bytes, however cut", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat({ max: 600 }), { maxLength: 10 }), (data, cuts) => {
        const whole = decode([data]);
        assert.deepEqual(decode(splitAt(Buffer.from(data), cuts)), whole);
        assert.ok(whole.filter((e) => e.kind === "error").length <= 1);
      }),
      { numRuns: 500 },
    );
  });
});

describe("presence.js: who is online, from the server's notices", () => {
  const change = (joined: string[], joinedUnnamed: number, left: string[], leftUnnamed: number): Change => ({
    kind: "change",
    joined: { names: joined, unnamed: joinedUnnamed },
    left: { names: left, unnamed: leftUnnamed },
  });
  const rendered = (batch: PresenceBatch): string => {
    const frame = batch.render();
    return frame.toString("utf8", 5 + frame.readUInt16BE(1)); // type, from (u16 length), message (u16 length)
  };

  it("reads the user list, split or not", () => {
    assert.deepEqual(presence.parsePresence("online: nobody else"), { kind: "list", names: [] });
    const many = Array.from({ length: 5000 }, (_, i) => `user_${i}.x-y`);
    const lists = userListMessages(many);
    assert.ok(lists.length > 1);
    assert.deepEqual(lists.flatMap((l) => (presence.parsePresence(l) as { names: string[] }).names), many);
  });

  it("reads every notice the server's PresenceBatch writes", () => {
    const cases: [(b: PresenceBatch) => void, Change][] = [
      [(b) => b.join("ann"), change(["ann"], 0, [], 0)],
      [(b) => b.leave("ann"), change([], 0, ["ann"], 0)],
      [(b) => ["ann", "bob"].forEach((n) => b.join(n)), change(["ann", "bob"], 0, [], 0)],
      [(b) => ["ann", "bob", "cy"].forEach((n) => b.join(n)), change(["ann", "bob"], 1, [], 0)],
      [(b) => Array.from({ length: 42 }, (_, i) => b.join(`u${i}`)), change(["u0", "u1"], 40, [], 0)],
      [(b) => Array.from({ length: 70 }, (_, i) => b.leave(`u${i}`)), change([], 0, ["u0", "u1"], 68)],
      [
        (b) => {
          b.join("ann");
          b.join("bob");
          b.leave("cy");
        },
        change(["ann", "bob"], 0, ["cy"], 0),
      ],
    ];
    for (const [fill, want] of cases) {
      const batch = new PresenceBatch();
      fill(batch);
      const text = rendered(batch);
      assert.deepEqual(presence.parsePresence(text), want, text);
    }
    assert.deepEqual(presence.parsePresence("3 users have connected"), change([], 3, [], 0));
    assert.deepEqual(presence.parsePresence("ann and 1 other have disconnected"), change([], 0, ["ann"], 1));
  });

  it("leaves everything else alone", () => {
    for (const text of ["The server is going down", "online:", "ann has connected!", "has connected", "ann has connected; ", "ann bob have connected"]) {
      assert.equal(presence.parsePresence(text), undefined, text);
    }
  });

  it("keeps a roster from the list and the notices, counting whom it cannot name", () => {
    const roster = new presence.Roster();
    roster.reset("anna");
    roster.apply(presence.parsePresence("online: alice, erin")!);
    roster.apply(presence.parsePresence("dave has connected")!);
    roster.apply(presence.parsePresence("Bob, cy and 3 others have connected")!);
    assert.deepEqual([roster.names, roster.unnamed, roster.size], [["anna", "alice", "erin", "dave", "Bob", "cy"], 3, 9]);
    roster.apply(presence.parsePresence("bob and 5 others have disconnected; eve has connected")!);
    assert.deepEqual([roster.names, roster.unnamed, roster.size], [["anna", "alice", "erin", "dave", "cy", "eve"], 0, 6], "names in any case; the count stays at 0 or more");
    roster.reset("anna");
    assert.deepEqual(roster.names, ["anna"]);
  });
});

describe("backoff.js: the waits between reconnection attempts", () => {
  it("doubles from 1 s up to 30 s, each wait in the upper half, and starts over after a reset", () => {
    const b = new Backoff();
    const lows = Array.from({ length: 8 }, () => b.next(() => 0));
    assert.deepEqual(lows, [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    b.reset();
    const highs = Array.from({ length: 8 }, () => b.next(() => 1));
    assert.deepEqual(highs, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    for (let i = 0; i < 100; i++) assert.ok(b.next() <= 30_000);
  });
});
