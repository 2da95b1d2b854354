/**
 * A bcs client, checked against a stand-in server: seed 000's Client section and the
 * Basic Protocol's rules for clients, and docs/bcs.md for what Switchboard's bcs_client
 * decided (its output lines, commands and exit codes beyond the seed's one rule).
 *
 * The seed fixes the command line, `bcs_client -h <host> -p <port> -u <username>`: the
 * command given to `switchboard check client bcs` says where to connect (`{host}`,
 * `{port}`) and each case appends `-u <name>`.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CaseInfo, CheckCase } from "../../case.js";
import { escapeRegExp, type ClientProcess } from "../../client/client-process.js";
import { CLIENT_START_MS, connectedClient, quitsCleanly } from "../../client/stand-in.js";
import type { CheckContext } from "../../context.js";
import { fail } from "../../verdict.js";
import { BcsPeer } from "./peer.js";
import { deliver, fnotify, recvfile, status, T, type Frame } from "./wire.js";

const SEED = "seed 000";
const DOC = "docs/bcs.md#client-bcs_client";

interface Session {
  readonly client: ClientProcess;
  /** The client's connection, as the stand-in server sees it. */
  readonly conn: BcsPeer;
  readonly name: string;
}

/** Start the client with a fresh name and take its connection (nothing read yet). */
async function started(ctx: CheckContext): Promise<Session> {
  const name = ctx.name("c");
  const { client, probe } = await connectedClient(ctx, ["-u", name], "the client to connect");
  return { client, conn: new BcsPeer(probe, name), name };
}

/** The client's next frame must be of `type` (as `expected` words it). */
async function clientFrame<K extends Frame["type"]>(s: Session, type: K, expected: string, ms?: number): Promise<Extract<Frame, { type: K }>> {
  const { frame, raw } = await s.conn.frame(expected, ms);
  if (frame.type !== type) s.conn.unexpected(expected, frame, raw);
  return frame as Extract<Frame, { type: K }>;
}

/** Started, its register read and answered `status 0 "ok"`. */
async function registered(ctx: CheckContext): Promise<Session> {
  const s = await started(ctx);
  const r = await clientFrame(s, T.register, `register ${JSON.stringify(s.name)}`, CLIENT_START_MS);
  if (r.name !== s.name) s.conn.unexpected(`register ${JSON.stringify(s.name)}`, r);
  s.conn.send(status(0, "ok"));
  return s;
}

/** The client acknowledges what it was just sent (a status with code 0). */
async function expectAck(s: Session, what: string): Promise<void> {
  const a = await clientFrame(s, T.status, `an acknowledgement (status 0) of the ${what}`);
  if (a.code !== 0) s.conn.unexpected(`an acknowledgement (status 0) of the ${what}`, a);
}

/** The output after `from` has a line containing every one of `parts`. */
async function lineWith(s: Session, parts: readonly string[], from = 0): Promise<void> {
  await s.client.waitOutput(new RegExp(`^.*${parts.map(escapeRegExp).join(".*")}.*$`, "m"), from);
}

/** `text` typed; the client's next frame must be a send (of it, as `expected` says: what it holds is for the case to check). */
function typedSend(s: Session, text: string): Promise<Extract<Frame, { type: 2 }>> {
  s.client.typeLine(text);
  return clientFrame(s, T.send, `send ${JSON.stringify(text)}`);
}

/** A case: the register refused with status `code` (then the connection closed), the client exits with that code. */
function refusedExits(info: CaseInfo, code: number, message: string): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const s = await started(ctx);
      await clientFrame(s, T.register, "register", CLIENT_START_MS);
      s.conn.send(status(code, message));
      s.conn.probe.socket.end();
      await s.client.expectExit(`refused with status ${code}`, code, { sent: `status ${code} ${JSON.stringify(message)}, then the connection closed` });
    },
  };
}

/** A directory of its own for a case's files, removed when the case ends. */
async function scratchDir(ctx: CheckContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sb-check-"));
  ctx.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const BCS_CLIENT_CASES: readonly CheckCase[] = [
  {
    id: "login.register",
    title: "the client connects and sends register with the name given by -u",
    clause: `${SEED} Client; Basic Protocol`,
    async run(ctx) {
      await registered(ctx);
    },
  },
  refusedExits({ id: "login.in-use-exit", title: "refused with status 1 (name in use), the client exits with code 1", clause: `${SEED} Client ("must exit with that status code")` }, 1, "name in use"),
  refusedExits({ id: "login.refused-exit", title: "refused with status 2 (invalid name), the client exits with code 2", clause: `${SEED} Client ("must exit with that status code")` }, 2, "invalid name"),
  {
    id: "receive.print",
    title: "a deliver is printed with its sender and text",
    clause: `${SEED} Client ("print any deliver messages it receives")`,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.send(deliver("bob", "hello there"));
      await lineWith(s, ["bob", "hello there"]);
    },
  },
  {
    id: "receive.print-words",
    title: `a deliver is printed as the line "<from>: <text>"`,
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.send(deliver("bob", "hello there"));
      await s.client.waitOutput(/^bob: hello there$/m);
    },
  },
  {
    id: "receive.ack",
    title: "each deliver is acknowledged with a status 0",
    clause: `${SEED} Basic Protocol ("Clients will acknowledge deliver messages")`,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.send(deliver("server", "online: bob"));
      await expectAck(s, "online list");
      s.conn.send(deliver("bob", "one"));
      await expectAck(s, "deliver from bob");
    },
  },
  {
    id: "receive.ack-bytes",
    title: `the acknowledgement is exactly status 0 "ok" (04 00 00 02 6f 6b)`,
    clause: `${SEED} Basic Protocol ("a status message of \\"ok\\"")`,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.send(deliver("bob", "one"));
      await s.conn.probe.expectBytes(status(0, "ok"));
    },
  },
  {
    id: "receive.same-write",
    title: "the register answer and a deliver in one write (and then byte by byte) are both read",
    clause: `${SEED} Basic Protocol (a stream of frames)`,
    async run(ctx) {
      const s = await started(ctx);
      await clientFrame(s, T.register, "register", CLIENT_START_MS);
      s.conn.send(Buffer.concat([status(0, "ok"), deliver("bob", "in the same packet")]));
      await lineWith(s, ["bob", "in the same packet"]);
      await expectAck(s, "deliver that came with the register answer");
      await s.conn.probe.sendInPieces(deliver("carol", "one byte at a time"), 1);
      await lineWith(s, ["carol", "one byte at a time"]);
    },
  },
  {
    id: "send.frame",
    title: "a typed line is sent as send <line>",
    clause: `${SEED} Basic Protocol; Client`,
    async run(ctx) {
      const s = await registered(ctx);
      const f = await typedSend(s, "hello all");
      if (f.message !== "hello all") s.conn.unexpected(`send "hello all"`, f);
    },
  },
  {
    id: "send.print",
    title: "the client prints the messages it sends",
    clause: `${SEED} Client ("as well as any send messages it sends")`,
    async run(ctx) {
      const s = await registered(ctx);
      const from = s.client.mark();
      await typedSend(s, "printed too");
      s.conn.send(status(0, "ok"));
      // On a terminal the typed line is echoed once; the client's own print is one more.
      const times = ctx.tty ? 2 : 1;
      await s.client.waitOutput(new RegExp(`(printed too[^]*){${times}}`), from);
    },
  },
  {
    id: "send.print-words",
    title: `a message sent is printed as "<name>: <text>"`,
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      await typedSend(s, "printed too");
      s.conn.send(status(0, "ok"));
      await s.client.waitOutput(new RegExp(`^${escapeRegExp(s.name)}: printed too$`, "m"));
    },
  },
  {
    id: "send.waits-for-status",
    title: "the next send waits until the previous one is answered",
    clause: `${SEED} Basic Protocol ("must wait for a status message after each send")`,
    async run(ctx) {
      const s = await registered(ctx);
      s.client.typeLine("first");
      s.client.typeLine("second");
      await clientFrame(s, T.send, `send "first"`);
      await s.conn.probe.expectNothing("nothing more until the send is answered", 400);
      s.conn.send(status(0, "ok"));
      const f = await clientFrame(s, T.send, `send "second" once "first" was answered`);
      if (f.message !== "second") s.conn.unexpected(`send "second"`, f);
    },
  },
  {
    id: "send.acks-while-waiting",
    title: "a deliver that arrives while a send waits for its answer is acknowledged at once",
    clause: `${DOC} (acknowledges each deliver as soon as it arrives)`,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      await typedSend(s, "waiting");
      s.conn.send(deliver("bob", "meanwhile"));
      await expectAck(s, "deliver that came while the send waited");
      s.conn.send(status(0, "ok"));
      await lineWith(s, ["bob", "meanwhile"]);
    },
  },
  {
    id: "fnotify.print",
    title: "an fnotify is printed as a notice from server, <user> has uploaded <file>, and acknowledged",
    clause: `${SEED} Extended Protocol, Client`,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.send(fnotify("bob", "notes.txt"));
      await expectAck(s, "fnotify");
      await s.client.waitOutput(/^.*server.*bob has uploaded notes\.txt to ther? server.*$/m);
    },
  },
  {
    id: "fnotify.print-words",
    title: `an fnotify is printed as "server: <user> has uploaded <file> to the server"`,
    clause: `${DOC}#client-bcs_client (the seed's "ther" is a typo)`,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.send(fnotify("bob", "notes.txt"));
      await s.client.waitOutput(/^server: bob has uploaded notes\.txt to the server$/m);
    },
  },
  quitsCleanly({ id: "quit.command", title: "/quit closes the connection and exits 0", clause: "docs/bcs.md#client-bcs_client", strict: true }, registered, "/quit"),
  {
    id: "quit.end-of-input",
    title: "at the end of input the client exits 0 once its send is answered",
    clause: `${DOC} (exit codes)`,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      await typedSend(s, "last words");
      // Input ends while the send waits for its answer (on a terminal Ctrl+D, typed once the client reads it).
      s.client.endInput();
      await s.conn.probe.expectNothing("the connection open while the send waits for its answer", 200);
      s.conn.send(status(0, "ok"));
      await s.client.expectExit("at the end of input", 0);
    },
  },
  {
    id: "quit.server-closed",
    title: "when the server closes the connection the client says so and exits 1",
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      s.conn.probe.socket.end();
      await s.client.waitOutput("error: the server closed the connection");
      await s.client.expectExit("when the server closed the connection", 1, { sent: "(the connection closed)" });
    },
  },
  {
    id: "files.sendfile",
    title: "/sendfile <path> sends sendfile with the file's base name and bytes, and says uploaded <name> on status 0",
    clause: `${SEED} Extended Protocol; ${DOC}`,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      const dir = await scratchDir(ctx);
      const contents = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
      await writeFile(join(dir, "up.bin"), contents);
      s.client.typeLine(`/sendfile ${join(dir, "up.bin")}`);
      const f = await clientFrame(s, T.sendfile, `sendfile "up.bin" with its ${contents.length} bytes`);
      if (f.name !== "up.bin" || !f.contents.equals(contents)) s.conn.unexpected(`sendfile "up.bin" with its ${contents.length} bytes`, f);
      s.conn.send(status(0, "ok"));
      await s.client.waitOutput("uploaded up.bin");
    },
  },
  {
    id: "files.getfile",
    title: "/getfile <name> <dir> sends getfile and saves the recvfile's bytes in <dir>",
    clause: `${SEED} Extended Protocol; ${DOC}`,
    strict: true,
    async run(ctx) {
      const s = await registered(ctx);
      const dir = await scratchDir(ctx);
      const contents = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff));
      s.client.typeLine(`/getfile down.bin ${dir}`);
      const f = await clientFrame(s, T.getfile, `getfile "down.bin"`);
      if (f.name !== "down.bin") s.conn.unexpected(`getfile "down.bin"`, f);
      s.conn.send(recvfile(contents));
      await s.client.waitOutput("downloaded down.bin");
      const saved = await readFile(join(dir, "down.bin")).catch(async () => fail({ sent: s.conn.probe.shownSent(), expected: `${join(dir, "down.bin")} saved`, got: `files there: ${(await readdir(dir)).join(", ") || "none"}` }));
      if (!saved.equals(contents)) fail({ sent: s.conn.probe.shownSent(), expected: `down.bin with the ${contents.length} bytes sent`, got: `${saved.length} other bytes` });
    },
  },
];
