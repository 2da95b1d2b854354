/**
 * A cs262 client, checked against a stand-in server in the numbering asked for
 * (`--wire-version 0|1`; the client command must speak the same one, e.g.
 * `switchboard client cs262 --port {port} --wire-version 0`).
 *
 * Seed 002 gives the client no interface ("Basic Usage: TODO"), so the cases type
 * docs/cs262.md's commands (`create <name> <password>`, `login`, `send <to> <text>`,
 * `list`, `deliver`, `delete`, `quit`). What goes on the wire for them runs by default;
 * the exact words printed and the exit codes are Switchboard's (`strict`).
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import type { ClientProcess } from "../../client/client-process.js";
import { CLIENT_START_MS, connectedClient, quitsCleanly } from "../../client/stand-in.js";
import type { CheckContext } from "../../context.js";
import { Cs262Peer, versionOf } from "./peer.js";
import { commandByte, frame, header, type CommandName } from "./wire.js";

const DOC = "docs/cs262.md#client-switchboard-client-cs262";

interface Session {
  readonly client: ClientProcess;
  readonly conn: Cs262Peer;
  readonly name: string;
}

/** The client's next frame must be `command` (in this run's numbering) with `data`. */
async function expectRequest(conn: Cs262Peer, command: CommandName, data: string | undefined, ms?: number): Promise<string> {
  const expected = data === undefined ? `a ${command} frame` : `${command} ${JSON.stringify(data)}`;
  const { frame: f, raw } = await conn.frame(expected, ms);
  if (!conn.is(f, command) || (data !== undefined && f.data.toString("latin1") !== data)) conn.unexpected(expected, f, raw);
  return f.data.toString("latin1");
}

/**
 * The client started and `<command> <name> pw` typed (it connects at its first command):
 * its connection taken and the request for it (CREATE or LOGIN `name|||pw`) read.
 */
async function asked(ctx: CheckContext, command: "create" | "login", name: string): Promise<Session> {
  const typed = `${command} ${name} pw`;
  const { client, probe } = await connectedClient(ctx, [], `the client to connect when ${JSON.stringify(typed)} is typed`, { typed });
  const conn = new Cs262Peer(probe, versionOf(ctx));
  await expectRequest(conn, command === "create" ? "CREATE" : "LOGIN", `${name}|||pw`, CLIENT_START_MS);
  return { client, conn, name };
}

/** Logged in: `create <name> pw` typed, CREATE read and answered with success. */
async function created(ctx: CheckContext): Promise<Session> {
  const s = await asked(ctx, "create", ctx.name("c"));
  s.conn.probe.send(frame(s.conn.version, "RESPONSE", []));
  return s;
}

/**
 * Logged in, then `typed` (a command): the client's next frame must be `command` with the
 * data `data` makes of the account's name; `mark`: where the output of its answer begins.
 */
async function requested(ctx: CheckContext, typed: string, command: CommandName, data: (name: string) => string): Promise<Session & { mark: number }> {
  const s = await created(ctx);
  s.client.typeLine(typed);
  await expectRequest(s.conn, command, data(s.name));
  return { ...s, mark: s.client.mark() };
}

/** A case: a message the server pushes (SEND bob|||me|||hi there) to the logged-in client is printed as `printed` matches. */
function pushPrinted(info: CaseInfo, printed: RegExp): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const s = await created(ctx);
      s.conn.probe.send(frame(s.conn.version, "SEND", ["bob", s.name, "hi there"]));
      await s.client.waitOutput(printed);
    },
  };
}

/** Answer the request `typed` caused with its success in this numbering. */
function answerSend(s: Session, to: string, text: string): void {
  s.conn.probe.send(s.conn.version === 1 ? frame(1, "RESPONSE", []) : frame(0, "SEND", [s.name, to, text]));
}

/** A case: `list a*` typed, sent as LIST a*; its LISTRESPONSE alice|||amy is printed as `printed` says. */
function listPrinted(info: CaseInfo, printed: string | RegExp): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const s = await requested(ctx, "list a*", "LIST", () => "a*");
      s.conn.probe.send(frame(s.conn.version, "LISTRESPONSE", ["alice", "amy"]));
      await s.client.waitOutput(printed);
    },
  };
}

export const CS262_CLIENT_CASES: readonly CheckCase[] = [
  {
    id: "create.frame",
    title: "create <name> <password> sends CREATE name|||password",
    clause: `seed 002 Commands (CREATE); ${DOC}`,
    async run(ctx) {
      await created(ctx);
    },
  },
  {
    id: "create.printed",
    title: `a successful create prints "created account <name>; logged in"`,
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await created(ctx);
      await s.client.waitOutput(`created account ${s.name}; logged in`);
    },
  },
  {
    id: "create.refused",
    title: "a RESPONSE error to create is shown with the server's words",
    clause: `seed 002 Commands (RESPONSE: "(optional) error message")`,
    async run(ctx) {
      const { client, conn } = await asked(ctx, "create", ctx.name("c"));
      conn.probe.send(frame(conn.version, "RESPONSE", ["account exists"]));
      await client.waitOutput("account exists");
    },
  },
  {
    id: "login.frame",
    title: "login <name> <password> sends LOGIN name|||password",
    clause: `seed 002 Commands (LOGIN); ${DOC}`,
    async run(ctx) {
      const { conn } = await asked(ctx, "login", ctx.name("l"));
      conn.probe.send(frame(conn.version, "RESPONSE", []));
    },
  },
  {
    id: "login.printed",
    title: `a successful login prints "logged in as <name>" (the spelling asked with a LIST of the name)`,
    clause: DOC,
    strict: true,
    async run(ctx) {
      const name = ctx.name("l");
      const { client, conn } = await asked(ctx, "login", name.toUpperCase());
      conn.probe.send(frame(conn.version, "RESPONSE", []));
      await expectRequest(conn, "LIST", name.toUpperCase());
      conn.probe.send(frame(conn.version, "LISTRESPONSE", [name]));
      await client.waitOutput(`logged in as ${name}`);
    },
  },
  {
    id: "send.frame",
    title: "send <to> <message> sends SEND me|||to|||message (the message keeps its spaces)",
    clause: `seed 002 Commands (SEND); ${DOC}`,
    async run(ctx) {
      const s = await requested(ctx, "send bob hello  there, bob", "SEND", (me) => `${me}|||bob|||hello  there, bob`);
      answerSend(s, "bob", "hello  there, bob");
    },
  },
  {
    id: "send.printed",
    title: `a confirmed send prints "sent to <to>" (version 0: the echoed SEND is the confirmation)`,
    clause: `${DOC}; docs/cs262.md#version-0-the-originals-numbering`,
    strict: true,
    async run(ctx) {
      const s = await requested(ctx, "send bob hi", "SEND", (me) => `${me}|||bob|||hi`);
      answerSend(s, "bob", "hi");
      await s.client.waitOutput("sent to bob", s.mark);
    },
  },
  pushPrinted({ id: "receive.print", title: "a message pushed by the server (SEND from|||me|||text) is printed with its sender and text", clause: `seed 002 Commands (SEND); docs/cs262.md#messages` }, /^.*bob.*hi there.*$/m),
  pushPrinted({ id: "receive.print-words", title: `a pushed message is printed as "<from>: <text>"`, clause: DOC, strict: true }, /^bob: hi there$/m),
  {
    id: "receive.same-write",
    title: "the answer to create and a message in one write, then a message byte by byte, are all read",
    clause: "seed 002 Bits on the wire",
    async run(ctx) {
      const { client, conn, name } = await asked(ctx, "create", ctx.name("c"));
      conn.probe.send(Buffer.concat([frame(conn.version, "RESPONSE", []), frame(conn.version, "SEND", ["bob", name, "same packet"])]));
      await client.waitOutput(/^.*bob.*same packet.*$/m);
      await conn.probe.sendInPieces(frame(conn.version, "SEND", ["carol", name, "byte by byte"]), 1, 1);
      await client.waitOutput(/^.*carol.*byte by byte.*$/m);
    },
  },
  listPrinted({ id: "list.frame", title: "list <pattern> sends LIST pattern and prints the names of the LISTRESPONSE", clause: `seed 002 Commands (LIST, LISTRESPONSE)` }, /alice[^]*amy/),
  listPrinted({ id: "list.printed", title: `a LISTRESPONSE prints "accounts: a, b"`, clause: DOC, strict: true }, "accounts: alice, amy"),
  {
    id: "deliver.frame",
    title: "deliver sends DELIVER and prints the kept messages the server sends",
    clause: "seed 002 Commands (DELIVER)",
    async run(ctx) {
      const s = await requested(ctx, "deliver", "DELIVER", () => "");
      s.conn.probe.send(frame(s.conn.version, "SEND", ["bob", s.name, "kept for you"]));
      await s.client.waitOutput(/^.*bob.*kept for you.*$/m);
    },
  },
  {
    id: "deliver.done",
    title: `deliver ends with "no more kept messages" once the server is done (version 0: after the LIST "|" mark's answer)`,
    clause: `${DOC}; docs/cs262.md#version-0-the-originals-numbering`,
    strict: true,
    async run(ctx) {
      const s = await requested(ctx, "deliver", "DELIVER", () => "");
      if (s.conn.version === 1) {
        s.conn.probe.send(Buffer.concat([frame(1, "SEND", ["bob", s.name, "kept"]), frame(1, "RESPONSE", [])]));
      } else {
        await expectRequest(s.conn, "LIST", "|");
        s.conn.probe.send(Buffer.concat([frame(0, "SEND", ["bob", s.name, "kept"]), frame(0, "LISTRESPONSE", [])]));
      }
      await s.client.waitOutput(/bob: kept\n[^]*no more kept messages/, s.mark);
    },
  },
  {
    id: "delete.frame",
    title: "delete sends DELETE",
    clause: "seed 002 Commands (DELETE)",
    async run(ctx) {
      await requested(ctx, "delete", "DELETE", () => "");
    },
  },
  {
    id: "request.one-at-a-time",
    title: "a second command is sent only once the first is answered",
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await created(ctx);
      s.client.typeLine("list a*");
      s.client.typeLine("list b*");
      await expectRequest(s.conn, "LIST", "a*");
      await s.conn.probe.expectNothing("nothing more until the LIST is answered", 400);
      s.conn.probe.send(frame(s.conn.version, "LISTRESPONSE", []));
      await expectRequest(s.conn, "LIST", "b*");
    },
  },
  quitsCleanly({ id: "quit.command", title: "quit closes the connection and exits 0", clause: DOC, strict: true }, created, "quit"),
  {
    id: "quit.server-closed",
    title: "when the server closes the connection of a logged-in user the client says so and exits 1",
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await created(ctx);
      await s.client.waitOutput(s.name);
      s.conn.probe.socket.end();
      await s.client.waitOutput("error: the server closed the connection");
      await s.client.expectExit("when the server closed the connection", 1);
    },
  },
  {
    id: "quit.bad-bytes",
    title: "a frame from the server that does not decode ends the client with exit code 4",
    clause: DOC,
    strict: true,
    async run(ctx) {
      const s = await created(ctx);
      s.conn.probe.send(header(9, commandByte(s.conn.version, "RESPONSE"), 0));
      await s.client.expectExit("on a frame of version 9", 4);
    },
  },
];
