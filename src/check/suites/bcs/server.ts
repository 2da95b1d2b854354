/**
 * The bcs server, checked over TCP: seed 000 (the Basic Chat Server and its extended
 * protocol) and docs/bcs.md. Expectations are written out as bytes (wire.ts), not made
 * by Switchboard's codec. What the seed fixes runs by default; what it leaves to the
 * implementation and Switchboard decided (status codes beyond 0, wording of notices,
 * name rules, limits, timeouts) is `strict`.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CaseInfo, CheckCase } from "../../case.js";
import type { CheckContext } from "../../context.js";
import { sleep } from "../../probe/stream-probe.js";
import { fail, skip } from "../../verdict.js";
import { closedWhenUnresponsive, listedInOrder } from "../common.js";
import { connection, registered, users, type BcsPeer } from "./peer.js";
import { ACK, getfile, register, send, sendfile, sendfileHeader, status, T } from "./wire.js";

const SEED = "seed 000";
const DOC = "docs/bcs.md";

/** A deliver's text mentions `name` as a word (notices and lists may word it as they like). */
const mentions = (name: string) => (text: string) => new RegExp(`(^|[^A-Za-z0-9_.-])${name.replace(/\./g, "\\.")}($|[^A-Za-z0-9_.-])`).test(text);

const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || host.startsWith("127.");

/** Upload `contents` as `file` from `peer` and expect `code` back. */
async function upload(peer: BcsPeer, file: string, contents: Uint8Array, code = 0): Promise<void> {
  peer.send(sendfile(file, contents));
  await peer.expectStatus(code, `status ${code} answering sendfile ${JSON.stringify(file)}`);
}

/** The connection goes on: a send is still answered `status 0`. */
async function stillServed(peer: BcsPeer, after: string): Promise<void> {
  peer.send(send("still there?"));
  await peer.expectStatus(0, `status 0 answering a send after ${after} (the connection goes on)`);
}

/** A getfile of `file` from `peer` is answered recvfile with exactly `contents` (`expected` words it). */
async function expectDownload(peer: BcsPeer, file: string, contents: Buffer, expected: string): Promise<void> {
  peer.send(getfile(file));
  const r = await peer.until(expected, (f) => f.type === 8 || f.type === 4);
  if (r.type !== 8 || !r.contents.equals(contents)) peer.unexpected(expected, r);
}

/** Two users, the first having uploaded `contents` as a fresh file whose name starts with `base`. */
async function sharedFile(ctx: CheckContext, base: string, contents: Uint8Array): Promise<{ a: BcsPeer; b: BcsPeer; file: string }> {
  const [a, b] = await users(ctx, 2);
  const file = `${ctx.name(base, 24)}.bin`;
  await upload(a!, file, contents);
  return { a: a!, b: b!, file };
}

/** A case: a user uploads `contents` under a fresh file name (`name` makes it), as `write` sends it, and downloads it back intact. */
function roundTrip(info: CaseInfo, name: (ctx: CheckContext) => string, contents: Buffer, write: (peer: BcsPeer, file: string, contents: Buffer) => Promise<void>): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const a = await registered(ctx);
      const file = name(ctx);
      await write(a, file, contents);
      await expectDownload(a, file, contents, `recvfile of ${contents.length} bytes, as uploaded`);
    },
  };
}

/** A user online (`a`), and a new connection (`b`) with a fresh name that has not registered yet. */
async function newcomer(ctx: CheckContext): Promise<{ a: BcsPeer; b: BcsPeer }> {
  const [a] = await users(ctx, 1);
  return { a: a!, b: await connection(ctx, ctx.name("b")) };
}

/**
 * A case: one frame (`frame`) gets a status: `code`, as `expected` words it. It is sent
 * by a registered user, or by a new connection that has not registered; after the answer
 * the connection closes, or goes on (`served`: a send is still answered; what came
 * before it named), or nothing more is checked.
 */
function answered(
  info: CaseInfo,
  a: { from: "registered" | "unregistered"; frame: (ctx: CheckContext) => Uint8Array; code: number; expected: string; then?: "closes" | { served: string } },
): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const peer = a.from === "registered" ? await registered(ctx) : await connection(ctx, "-");
      peer.send(a.frame(ctx));
      await peer.expectStatus(a.code, a.expected);
      if (a.then === "closes") await peer.probe.expectClosed(`the connection closed after status ${a.code}`);
      else if (a.then !== undefined) await stillServed(peer, a.then.served);
    },
  };
}

/**
 * A case: a newcomer's register and a send of each of `texts`, written by `write` (in
 * pieces, or at once), are each answered status 0, and a user online gets the texts in order.
 */
function framing(info: CaseInfo, texts: readonly string[], write: (b: BcsPeer, bytes: Buffer) => void | Promise<void>): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { a, b } = await newcomer(ctx);
      await write(b, Buffer.concat([register(b.name), ...texts.map((t) => send(t))]));
      await b.expectStatus(0, "status 0 answering register");
      for (const text of texts) await b.expectStatus(0, `status 0 answering send ${JSON.stringify(text)}`);
      for (const text of texts) {
        await a.expectDeliver(b.name, text);
        a.ack();
      }
    },
  };
}

/** Bytes that show whether a file came back intact: every byte value, twice. */
function fileBytes(n = 512): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

export const BCS_SERVER_CASES: readonly CheckCase[] = [
  // ---- register ----------------------------------------------------------------------
  {
    id: "register.ok",
    title: "register with a free name is answered status 0",
    clause: `${SEED} Basic Protocol`,
    async run(ctx) {
      await registered(ctx);
    },
  },
  {
    id: "register.ok-bytes",
    title: `register is answered exactly status 0 "ok" (04 00 00 02 6f 6b)`,
    clause: `${DOC}#register`,
    strict: true,
    async run(ctx) {
      const peer = await connection(ctx, ctx.name("u"));
      peer.send(register(peer.name));
      await peer.probe.expectBytes(status(0, "ok"));
    },
  },
  {
    id: "register.list",
    title: "the newcomer gets a deliver from server listing the users already registered",
    clause: `${SEED} Basic Protocol ("listing all other users")`,
    async run(ctx) {
      const [a] = await users(ctx, 1);
      const b = await registered(ctx, "b");
      await b.notice(`a deliver from "server" listing ${a!.name}`, mentions(a!.name));
    },
  },
  {
    id: "register.list-words",
    title: `the list reads "online: <a>, <b>", in join order`,
    clause: `${DOC}#register`,
    strict: true,
    async run(ctx) {
      const [a, b] = await users(ctx, 2);
      const c = await registered(ctx, "c");
      const list = await c.notice(`a deliver from "server": "online: ..." naming ${a!.name}, ${b!.name}`, (t) => t.startsWith("online: "));
      if (!listedInOrder(list.message.slice("online: ".length).split(", "), [a!.name, b!.name])) c.unexpected(`"online: " then the names joined by ", " in join order, with ${a!.name} before ${b!.name}`, list);
    },
  },
  {
    id: "register.join-notice",
    title: "users already registered get a deliver from server saying the newcomer has connected",
    clause: `${SEED} Basic Protocol`,
    async run(ctx) {
      const [a] = await users(ctx, 1);
      const b = await registered(ctx, "b");
      await a!.notice(`a deliver from "server" naming ${b.name}`, (t) => mentions(b.name)(t) && /connect/i.test(t));
    },
  },
  {
    id: "register.join-notice-words",
    title: `the join notice reads "<name> has connected"`,
    clause: `${DOC}#register`,
    strict: true,
    async run(ctx) {
      const [a] = await users(ctx, 1);
      const b = await registered(ctx, "b");
      const n = await a!.notice(`a deliver from "server" about ${b.name}`, mentions(b.name));
      if (n.message !== `${b.name} has connected`) a!.unexpected(`deliver from "server": ${JSON.stringify(`${b.name} has connected`)}`, n);
    },
  },
  {
    id: "register.in-use",
    title: "register with a name online is refused (a non-zero status), then the connection closes",
    clause: `${SEED} clarification 1; Basic Protocol ("followed by disconnecting")`,
    async run(ctx) {
      const [a] = await users(ctx, 1);
      const second = await connection(ctx, a!.name);
      second.send(register(a!.name));
      await second.expectRefusal(`a non-zero status: ${a!.name} is online`);
      await second.probe.expectClosed("the connection closed after the refusal");
    },
  },
  {
    id: "register.in-use-code",
    title: "a name online, in any case, is refused with status 1",
    clause: "docs/wire.md#names, docs/bcs.md#register",
    strict: true,
    async run(ctx) {
      const [a] = await users(ctx, 1);
      const other = a!.name.toUpperCase() === a!.name ? a!.name.toLowerCase() : a!.name.toUpperCase();
      const second = await connection(ctx, other);
      second.send(register(other));
      await second.expectStatus(1, `status 1: ${other} is ${a!.name} in another case`);
      await second.probe.expectClosed("the connection closed after status 1");
    },
  },
  {
    id: "register.invalid-name",
    title: `names outside 1-32 of A-Z a-z 0-9 _ - . and "server" are refused with status 2, then closed`,
    clause: "docs/wire.md#names, docs/bcs.md#register",
    strict: true,
    async run(ctx) {
      for (const bad of ["has space", "server"]) {
        const peer = await connection(ctx, bad);
        peer.send(register(bad));
        await peer.expectStatus(2, `status 2 for the name ${JSON.stringify(bad)}`);
        await peer.probe.expectClosed(`the connection closed after refusing ${JSON.stringify(bad)}`);
      }
    },
  },
  answered(
    { id: "register.first", title: "a frame before register is answered status 4, then the connection closes", clause: `${SEED} Basic Protocol ("must send a register"); docs/bcs.md#register`, strict: true },
    { from: "unregistered", frame: () => send("hello"), code: 4, expected: "status 4: register first", then: "closes" },
  ),
  answered(
    { id: "register.twice", title: "a second register is answered status 4 and the connection goes on", clause: `${DOC}#status-codes`, strict: true },
    { from: "registered", frame: (ctx) => register(ctx.name("x")), code: 4, expected: "status 4: already registered", then: { served: "a second register" } },
  ),
  answered(
    { id: "register.name-too-long-frame", title: "a register whose name is over the frame limit (65535 bytes) is refused with status 2 and closed", clause: `${DOC}#limits-and-disconnects`, strict: true },
    { from: "unregistered", frame: () => register("n".repeat(0xffff)), code: 2, expected: "status 2: the name is over the frame limit", then: "closes" },
  ),
  answered(
    { id: "frame.unknown-type", title: "a frame of an unknown type is answered status 4, then the connection closes", clause: `${DOC}#limits-and-disconnects`, strict: true },
    { from: "registered", frame: () => Buffer.from([99, 0, 0]), code: 4, expected: "status 4: unknown frame type 99", then: "closes" },
  ),
  answered(
    { id: "frame.server-only", title: "a deliver (a server-only frame) from a client is answered status 4", clause: `${DOC}#status-codes`, strict: true },
    { from: "registered", frame: () => Buffer.from([T.deliver, 0, 1, 0x78, 0, 1, 0x79]), code: 4, expected: "status 4: deliver is a server frame" },
  ),

  // ---- send and deliver ---------------------------------------------------------------
  answered(
    { id: "send.ok", title: "send is answered status 0", clause: `${SEED} Basic Protocol ("Servers will acknowledge send messages")` },
    { from: "registered", frame: () => send("hello"), code: 0, expected: "status 0 answering send" },
  ),
  {
    id: "send.delivered",
    title: "a send is delivered to every other registered user, from the sender, with its text",
    clause: `${SEED} Basic Protocol`,
    async run(ctx) {
      const [a, b, c] = await users(ctx, 3);
      a!.send(send("hello, everyone"));
      await a!.expectStatus(0, "status 0 answering send");
      for (const peer of [b!, c!]) {
        await peer.expectDeliver(a!.name, "hello, everyone");
        peer.ack();
      }
    },
  },
  {
    id: "send.not-to-sender",
    title: "the sender does not get its own message back",
    clause: `${SEED} clarification 2`,
    async run(ctx) {
      const [a, b] = await users(ctx, 2);
      a!.send(send("only for the others"));
      await a!.expectStatus(0, "status 0 answering send");
      await b!.deliverFrom(a!.name);
      b!.ack();
      await a!.quiet("no deliver of its own message to the sender");
    },
  },
  {
    id: "send.utf8",
    title: "message text is UTF-8 and arrives byte for byte",
    clause: "docs/wire.md#text",
    strict: true,
    async run(ctx) {
      const [a, b] = await users(ctx, 2);
      const text = "grüße ✓ 日本";
      a!.send(send(text));
      await a!.expectStatus(0);
      await b!.expectDeliver(a!.name, text);
    },
  },
  answered(
    { id: "send.empty", title: "an empty send is answered status 5 and the connection goes on", clause: "docs/bcs.md#messages-and-ack-pacing", strict: true },
    { from: "registered", frame: () => send(""), code: 5, expected: "status 5: empty message", then: { served: "an empty send" } },
  ),
  {
    id: "send.too-long",
    title: "a message over 4096 bytes is answered status 5; 4096 bytes is accepted",
    clause: `${DOC}#limits-and-disconnects (--max-message-bytes)`,
    strict: true,
    async run(ctx) {
      const peer = await registered(ctx);
      peer.send(send("m".repeat(4097)));
      await peer.expectStatus(5, "status 5: 4097 bytes is over the limit");
      peer.send(send("m".repeat(4096)));
      await peer.expectStatus(0, "status 0: 4096 bytes is within the limit");
    },
  },
  answered(
    { id: "send.over-frame-limit", title: "a send whose string is over the 64 KiB frame limit is answered status 5, skipped, and the connection goes on", clause: `${DOC}#limits-and-disconnects (--max-frame-bytes)`, strict: true },
    { from: "registered", frame: () => send(Buffer.alloc(0xffff, 0x61)), code: 5, expected: "status 5: the message is over the frame limit", then: { served: "an oversized send" } },
  ),

  // ---- ack pacing -------------------------------------------------------------------
  {
    id: "ack.paced",
    title: "a second deliver waits until the first is acknowledged",
    clause: `${SEED} Basic Protocol ("must wait for a status message after each send/deliver")`,
    async run(ctx) {
      const [a, b] = await users(ctx, 2);
      a!.send(send("first"));
      await a!.expectStatus(0);
      a!.send(send("second"));
      await a!.expectStatus(0);
      await b!.expectDeliver(a!.name, "first");
      await b!.probe.expectNothing("nothing more until the deliver is acknowledged", 300);
      b!.ack();
      await b!.expectDeliver(a!.name, "second");
    },
  },
  {
    id: "ack.stray",
    title: "an acknowledgement with no deliver outstanding is ignored (no answer, the connection goes on)",
    clause: `${DOC}#messages-and-ack-pacing`,
    strict: true,
    async run(ctx) {
      const peer = await registered(ctx);
      await peer.notice("the online list", () => true);
      peer.ack();
      await peer.quiet("nothing after acknowledging the list", 100);
      peer.send(ACK);
      await peer.quiet("no answer to a stray acknowledgement");
      await stillServed(peer, "a stray acknowledgement");
    },
  },

  // ---- leaving --------------------------------------------------------------------
  {
    id: "leave.notice",
    title: "when a user disconnects, the others get a deliver from server saying so",
    clause: `${SEED} clarification 3`,
    async run(ctx) {
      const [a, b] = await users(ctx, 2);
      // Seen to join first: a join and a leave that wait unseen together may cancel out (docs/bcs.md#presence).
      await a!.notice(`a deliver from "server" about ${b!.name} joining`, mentions(b!.name));
      a!.ack();
      b!.probe.close();
      await a!.notice(`a deliver from "server" about ${b!.name} leaving`, (t) => mentions(b!.name)(t) && !/has connected/.test(t) && /disconnect|left|leav/i.test(t));
    },
  },
  {
    id: "leave.notice-words",
    title: `the leave notice reads "<name> has disconnected"`,
    clause: `${DOC}#register`,
    strict: true,
    async run(ctx) {
      const [a, b] = await users(ctx, 2);
      await a!.notice(`a deliver from "server": "${b!.name} has connected"`, (t) => t === `${b!.name} has connected`);
      a!.ack();
      b!.probe.close();
      const n = await a!.notice(`a deliver from "server" about ${b!.name} leaving`, mentions(b!.name));
      if (n.message !== `${b!.name} has disconnected`) a!.unexpected(`deliver from "server": ${JSON.stringify(`${b!.name} has disconnected`)}`, n);
    },
  },

  // ---- framing ------------------------------------------------------------------------
  {
    id: "framing.byte-at-a-time",
    title: "register and send written one byte at a time are read as whole frames",
    clause: `${SEED} Basic Protocol (a stream of frames)`,
    async run(ctx) {
      const { a, b } = await newcomer(ctx);
      await b.probe.sendInPieces(register(b.name), 1);
      await b.expectStatus(0, "status 0 answering a register sent byte by byte");
      await b.probe.sendInPieces(send("one byte at a time"), 1);
      await b.expectStatus(0, "status 0 answering a send sent byte by byte");
      await a.expectDeliver(b.name, "one byte at a time");
    },
  },
  framing({ id: "framing.pieces", title: "frames split across writes at odd places (3 bytes a write) are read whole", clause: `${SEED} Basic Protocol (a stream of frames)` }, ["split up"], (b, bytes) => b.probe.sendInPieces(bytes, 3)),
  framing({ id: "framing.together", title: "several frames in one write are each answered, in order", clause: `${SEED} Basic Protocol (a stream of frames)` }, ["one", "two", "three"], (b, bytes) => b.send(bytes)),

  // ---- files (extended protocol) --------------------------------------------------------
  {
    id: "files.upload",
    title: "sendfile is answered status 0 and every other user gets fnotify <user> <file>",
    clause: `${SEED} Extended Protocol`,
    async run(ctx) {
      const { a, b, file } = await sharedFile(ctx, "f", fileBytes());
      const n = await b.until(`fnotify ${a.name} ${file}`, (f) => f.type === 6);
      if (n.type !== 6 || n.user !== a.name || n.file !== file) b.unexpected(`fnotify ${a.name} ${file}`, n);
      b.ack();
      await a.quiet("no fnotify to the uploader");
    },
  },
  {
    id: "files.download",
    title: "getfile of an uploaded file is answered recvfile with its bytes",
    clause: `${SEED} Extended Protocol`,
    async run(ctx) {
      const contents = fileBytes(70_000);
      const { b, file } = await sharedFile(ctx, "f", contents);
      await expectDownload(b, file, contents, `recvfile of ${contents.length} bytes, as uploaded`);
    },
  },
  roundTrip({ id: "files.empty", title: "an empty file uploads and downloads", clause: `${SEED} Extended Protocol` }, (ctx) => `${ctx.name("e", 24)}.txt`, Buffer.alloc(0), upload),
  roundTrip({ id: "files.byte-at-a-time", title: "a sendfile written one byte at a time is stored whole", clause: `${SEED} Extended Protocol` }, (ctx) => `${ctx.name("p", 24)}.bin`, fileBytes(40), async (a, file, contents) => {
    await a.probe.sendInPieces(sendfile(file, contents), 1, 1);
    await a.expectStatus(0, "status 0 answering a sendfile sent byte by byte");
  }),
  {
    id: "files.missing",
    title: "getfile of a file that does not exist is answered with an error status",
    clause: `${SEED} Extended Protocol ("or an appropriate status message")`,
    async run(ctx) {
      const a = await registered(ctx);
      a.send(getfile(`${ctx.name("none", 24)}.txt`));
      await a.expectRefusal("a non-zero status: no such file");
    },
  },
  {
    id: "files.traversal",
    title: "a sendfile named ../../x or /abs/x is answered, and nothing is written outside the file directory",
    clause: `${SEED} Extended Protocol, Server ("no directory traversal vulnerabilities")`,
    async run(ctx) {
      if (!isLoopback(ctx.settings.server?.host ?? "")) skip("the server's file system is only visible when the server runs on this machine (--host 127.0.0.1)");
      const a = await registered(ctx);
      const base = ctx.name("trav", 24);
      const outside = join(tmpdir(), base);
      ctx.defer(() => rm(outside, { force: true }));
      const climb = `${"../".repeat(24)}${outside.replace(/^\/+/, "")}`;
      for (const file of [climb, outside]) {
        a.send(sendfile(file, Buffer.from("should not be here")));
        await a.status(`a status answering sendfile ${JSON.stringify(file)}`);
        if (existsSync(outside)) fail({ sent: a.probe.shownSent(), expected: `nothing written at ${outside}`, got: `sendfile ${JSON.stringify(file)} created ${outside}` });
      }
    },
  },
  {
    id: "files.status-6",
    title: "bad names, a name that exists and a missing file are answered status 6; the connection goes on",
    clause: `${DOC}#files`,
    strict: true,
    async run(ctx) {
      const a = await registered(ctx);
      const file = `${ctx.name("s", 24)}.txt`;
      await upload(a, file, Buffer.from("first"));
      await upload(a, file, Buffer.from("second"), 6);
      for (const bad of [`../${file}`, `.${file}`, `a/${file}`, `a\\${file}`]) await upload(a, bad, Buffer.from("x"), 6);
      a.send(getfile(`${file}.missing`));
      await a.expectStatus(6, "status 6: file not found");
      await stillServed(a, "refused uploads");
    },
  },
  answered(
    { id: "files.too-large", title: "a sendfile over the size limit (64 MiB) is refused with status 6 before its contents are sent", clause: `${DOC}#files (--max-file-size)`, strict: true },
    { from: "registered", frame: (ctx) => sendfileHeader(`${ctx.name("big", 24)}.bin`, 0xffff_fff0), code: 6, expected: "status 6: file too large, before the contents" },
  ),
  {
    id: "files.whole-download",
    title: "a deliver that comes during a download waits until the file's last byte",
    clause: `${DOC}#messages-and-ack-pacing`,
    strict: true,
    async run(ctx) {
      const contents = fileBytes(3 << 20);
      const { a, b, file } = await sharedFile(ctx, "w", contents);
      await b.until(`fnotify ${a.name} ${file}`, (f) => f.type === 6);
      b.ack();
      b.send(getfile(file));
      // Once the download has begun, b stops reading, so the server is still writing the file when a's message comes.
      await b.probe.expect("the first bytes of the answer to getfile", (p) => (p.length > 0 ? { value: undefined, used: 0 } : undefined));
      b.probe.socket.pause();
      a.send(send("during the download"));
      await a.expectStatus(0);
      await sleep(100);
      b.probe.socket.resume();
      const r = await b.until("recvfile with the whole file, nothing inside it", (f) => f.type === 8 || f.type === 4, 10_000);
      if (r.type !== 8 || !r.contents.equals(contents)) b.unexpected(`recvfile ${contents.length} bytes, as uploaded, with nothing inside`, r);
      await b.deliverFrom(a.name, `deliver from ${a.name} after the file`);
    },
  },

  // ---- floods and unresponsive clients --------------------------------------------------
  {
    id: "flood.rate-limited",
    title: "sends over the message rate (50/s, bursts of 100) are answered status 7",
    clause: `${DOC}#floods-and-abuse-limits`,
    strict: true,
    async run(ctx) {
      const a = await registered(ctx);
      // 300 at once: the burst is 100, and however slowly the server reads, the rate cannot refill 200 more.
      const expected = "status 7 among the answers to 300 sends in one write";
      a.send(Buffer.concat(Array.from({ length: 300 }, () => send("x"))));
      for (let i = 0; i < 300; i++) {
        const s = await a.status(expected);
        if (s.code === 7) return;
        if (s.code !== 0) a.unexpected(expected, s);
      }
      fail({ sent: "300 sends in one write", expected, got: "300 answers, none of them status 7" });
    },
  },
  closedWhenUnresponsive(
    { id: "unresponsive.ack-timeout", title: "a client that leaves a deliver unacknowledged is disconnected (30 s, --ack-timeout)", clause: `${SEED} clarification 4; ${DOC}#limits-and-disconnects`, strict: true, timeoutMs: 45_000 },
    async (ctx) => {
      const [a] = await users(ctx, 1);
      // a never acknowledges its list nor b's join notice.
      await registered(ctx, "b");
      return a!.probe;
    },
    "the connection closed: a deliver unacknowledged past the ack timeout",
    () => 40_000,
  ),
  closedWhenUnresponsive(
    { id: "unresponsive.login-timeout", title: "a connection that does not register is closed (10 s, --login-timeout)", clause: `${SEED} clarification 4; ${DOC}#limits-and-disconnects`, strict: true, timeoutMs: 20_000 },
    async (ctx) => (await connection(ctx, "-")).probe,
    "the connection closed: no register within the login timeout",
    () => 15_000,
  ),
  closedWhenUnresponsive(
    { id: "unresponsive.stall", title: "a frame left incomplete is disconnected (30 s, --stall-timeout)", clause: `${SEED} clarification 4; ${DOC}#limits-and-disconnects`, strict: true, timeoutMs: 45_000 },
    async (ctx) => {
      const peer = await registered(ctx);
      await peer.notice("the online list", () => true);
      peer.ack();
      peer.send(Buffer.from([T.send, 0, 10, 0x68]));
      return peer.probe;
    },
    "the connection closed: a frame incomplete past the stall timeout",
    () => 40_000,
  ),
];
