/**
 * A pipelining client is slowed, never dropped (issue 20 point 2): in every stream
 * dialect, a client writes 20,000 requests at once, reads nothing for a second, then
 * reads its answers slowly (a small step every millisecond). It gets every answer, in
 * order, and stays connected, while the server's RSS grows by less than 64 MiB (README
 * "Unresponsive clients": replies never count toward the slow-consumer limit; the server
 * stops reading a connection whose output is backed up).
 *
 * Order is checked with a marker: every 1000th request is of another kind, whose answer
 * must come exactly at its place. The lab case is the issue's: `SEND <target> <1000
 * bytes>` to a target that never reads, which is dropped at its queue limit; from then
 * on the sender gets `BAD-DEST-USER`, never a late `SEND-OK`.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { after, describe, it } from "node:test";
import { encodeFrame as encodeBcs, BcsCodec } from "../../src/protocols/bcs/codec.js";
import { FrameType as Bcs } from "../../src/protocols/bcs/frames.js";
import { encodeFrame as encodeCs262, Cs262Codec } from "../../src/protocols/cs262/codec.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { encodeEmpty, GowingCodec } from "../../src/protocols/gowing/codec.js";
import { FrameType as Gowing } from "../../src/protocols/gowing/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { NEED, type Decoded, type StreamCodec } from "../../src/transport/stream-codec.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

const dataDir = tempDir("sb-pipe-");
after(() => rmSync(dataDir, { recursive: true, force: true }));

const REQUESTS = 20_000;
const MARK_EVERY = 1000;
const MiB = 2 ** 20;

/** What the slow reader sees of one answer. */
type Kind = "answer" | "marker" | "other";

interface Case {
  readonly dialect: "lab" | "bcs" | "cs262" | "gowing";
  /** Log in; the socket is handed over with nothing unread. */
  login(port: number): Promise<Socket>;
  /** The i-th request (a marker when i % MARK_EVERY === MARK_EVERY - 1). */
  request(marker: boolean): Buffer;
  codec(): StreamCodec<unknown>;
  classify(frame: unknown): Kind;
  /** Bytes read per step, a step every millisecond: the answers take a few seconds to read. */
  readonly step: number;
}

/** Server lines as frames, for the lab. */
class Lines implements StreamCodec<string> {
  decode(buf: Buffer, offset: number): Decoded<string> {
    const nl = buf.indexOf(10, offset);
    if (nl < 0) return NEED;
    return { kind: "frame", frame: buf.toString("latin1", offset, nl), consumed: nl + 1 - offset };
  }
}

/** The socket of a logged-in helper peer, its own reading stopped. */
function handOver(socket: Socket): Socket {
  socket.removeAllListeners("data");
  socket.pause();
  return socket;
}

const LAB_SEND = Buffer.from(`SEND silent ${"x".repeat(1000)}\n`);
/** The lab's answers to SEND, in order. */
const sendOks: string[] = [];
/** Connections a case opened besides the pipelining one, closed at its end. */
const others: Socket[] = [];

const CASES: Case[] = [
  {
    dialect: "lab",
    login: async (port) => handOver((await RawLab.login(port, "piper")).socket),
    request: (marker) => (marker ? Buffer.from("LIST\n") : LAB_SEND),
    step: 256,
    codec: () => new Lines(),
    classify: (line) => {
      const l = line as string;
      if (l.startsWith("LIST-OK ")) return "marker";
      if (l === "SEND-OK" || l === "BAD-DEST-USER") {
        sendOks.push(l);
        return "answer";
      }
      return "other";
    },
  },
  {
    dialect: "bcs",
    login: async (port) => handOver((await RawBcs.login(port, "piper")).peer.socket),
    // A getfile of a name with a separator is answered by a `status 6` naming the
    // problem (60 bytes); a second register by `status 4`.
    request: (marker) => encodeBcs(marker ? { type: Bcs.Register, username: "again" } : { type: Bcs.GetFile, filename: "a/b" }),
    step: 512,
    codec: () => new BcsCodec(1 << 20),
    classify: (f) => {
      const frame = f as { type: number; code?: number };
      if (frame.type !== Bcs.Status) return "other";
      return frame.code === 6 ? "answer" : frame.code === 4 ? "marker" : "other";
    },
  },
  {
    dialect: "cs262",
    login: async (port) => handOver((await RawCs262.account(port, "piper")).socket),
    // LIST is answered by a LISTRESPONSE; a SEND to nobody by a RESPONSE error.
    request: (marker) =>
      encodeCs262(marker ? { command: Command.Send, sender: "piper", recipient: "nobody", message: "hi" } : { command: Command.List, pattern: undefined }),
    step: 512,
    codec: () => new Cs262Codec(1 << 20),
    classify: (f) => {
      const frame = f as { command: number; error?: string };
      if (frame.command === Command.ListResponse) return "answer";
      return frame.command === Command.Response && frame.error !== "" ? "marker" : "other";
    },
  },
  {
    dialect: "gowing",
    login: async (port) => {
      // Others online make each LIST answer about 250 bytes.
      for (let i = 0; i < 10; i++) others.push((await RawGowing.joined(port, `listed_user_number_${i}`)).socket);
      return handOver((await RawGowing.joined(port, "piper")).socket);
    },
    // LIST is answered by a type-3 frame; an unknown type by an ERROR.
    request: (marker) => encodeEmpty(marker ? 9 : Gowing.List),
    step: 4096,
    codec: () => new GowingCodec(3 + 0xffff),
    classify: (f) => {
      const frame = f as { type: number };
      if (frame.type === Gowing.List) return "answer";
      return frame.type === Gowing.Error ? "marker" : "other";
    },
  },
];

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

/** Reads `socket` STEP bytes a millisecond until `answers` are read or it closes. */
function readSlowly(socket: Socket, c: Case, answers: number): Promise<{ kinds: Kind[]; closed: boolean }> {
  const kinds: Kind[] = [];
  const reader = new FrameReader<unknown>(
    c.codec(),
    {
      onFrame: (f) => kinds.push(c.classify(f)),
      onBody: () => undefined,
      onBodyEnd: () => undefined,
      onDecodeError: (e) => assert.fail(`undecodable answer: ${e.message}`),
    },
    1 << 20,
  );
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const n = Math.min(c.step, socket.readableLength);
      const chunk = n > 0 ? (socket.read(n) as Buffer | null) : null;
      if (chunk !== null) reader.push(Buffer.from(chunk));
      else socket.read(0); // let the stream fetch more from the kernel
      // A reset socket is destroyed without a 'close' while it is paused: ask it.
      if (kinds.length >= answers || (socket.destroyed && chunk === null)) {
        clearInterval(tick);
        resolve({ kinds, closed: socket.destroyed });
      }
    }, 1);
  });
}

describe("a client that pipelines 20,000 requests and reads slowly", () => {
  for (const c of CASES) {
    it(`${c.dialect}: gets every answer in order and stays connected; RSS grows < 64 MiB`, { timeout: 60_000 }, async () => {
      const server = await spawnServer(CLI("switchboard"), [
        ...serveOnly({ [c.dialect]: "0" }),
        "--host",
        "127.0.0.1",
        "--data-dir",
        `${dataDir}/${c.dialect}`,
        "--msg-rate",
        "0",
      ]);
      try {
        const port = server.ports[c.dialect]!;
        const pid = server.child.pid!;
        if (c.dialect === "lab") {
          // The target: logs in, then never reads.
          others.push(handOver((await RawLab.login(port, "silent")).socket));
        }
        const socket = await c.login(port);
        await new Promise((r) => setTimeout(r, 200));
        const rssBefore = rssBytes(pid);
        let rssPeak = rssBefore;
        const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 50);

        const requests: Buffer[] = [];
        for (let i = 0; i < REQUESTS; i++) requests.push(c.request(i % MARK_EVERY === MARK_EVERY - 1));
        socket.write(Buffer.concat(requests));
        await new Promise((r) => setTimeout(r, 1000)); // reads nothing while the server works
        const started = Date.now();
        const { kinds, closed } = await readSlowly(socket, c, REQUESTS);
        clearInterval(sampler);
        const growth = rssPeak - rssBefore;
        console.log(
          `${c.dialect}: ${kinds.length} answers read in ${Date.now() - started} ms; ` +
            `server RSS ${(rssBefore / MiB).toFixed(1)} -> peak ${(rssPeak / MiB).toFixed(1)} MiB (+${(growth / MiB).toFixed(1)})`,
        );

        assert.equal(closed, false, `the connection was closed after ${kinds.length} answers`);
        assert.equal(kinds.length, REQUESTS);
        const misplaced = kinds.findIndex((k, i) => k !== (i % MARK_EVERY === MARK_EVERY - 1 ? "marker" : "answer"));
        assert.equal(misplaced, -1, `answer ${misplaced} is ${kinds[misplaced]}`);
        assert.ok(growth < 64 * MiB, `RSS grew ${(growth / MiB).toFixed(1)} MiB`);
        if (c.dialect === "lab") {
          // The silent target was dropped at its queue limit: then only BAD-DEST-USER.
          const firstRefused = sendOks.indexOf("BAD-DEST-USER");
          assert.ok(firstRefused > 0, "the target was dropped");
          assert.ok(!sendOks.slice(firstRefused).includes("SEND-OK"), "no SEND-OK after the target was dropped");
        }
        socket.destroy();
      } finally {
        for (const s of others.splice(0)) s.destroy();
        await server.stop();
      }
    });
  }
});
