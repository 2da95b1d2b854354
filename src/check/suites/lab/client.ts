/**
 * The lab client, checked against a stand-in server: what seed 001's client assignment
 * and docs/lab.md ask of it, as a line-matching grader sees its output.
 *
 * The lines it prints are the lab client's own (docs/lab.md records them): cases expect
 * them exactly. Lines and exit codes Switchboard chose (docs/lab.md **decision**, and
 * the exit codes of docs/lab.md#client-switchboard-client-lab---address-a---port-p) are strict. The client is started with the
 * command as given, `{host}` and `{port}` replaced; it reads the login name as its
 * first line of input.
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import { escapeRegExp, type ClientProcess } from "../../client/client-process.js";
import type { ScriptedServer } from "../../client/scripted-server.js";
import { startAgainstStandIn } from "../../client/stand-in.js";
import type { CheckContext } from "../../context.js";
import type { StreamProbe } from "../../probe/stream-probe.js";
import { fail } from "../../verdict.js";

const WELCOME = "Welcome to Chat Client. Enter your login:";
const LOGGED_IN = (name: string) => `Successfully logged in as ${name}!`;

/** Types `name` as the login and takes the connection the client makes for it, its HELLO-FROM <name> read. */
async function helloFrom(server: ScriptedServer, client: ClientProcess, name: string): Promise<StreamProbe> {
  client.typeLine(name);
  const conn = await server.accept(`a connection after the login name ${name} was typed`);
  await conn.expectLine(`HELLO-FROM ${name}`);
  return conn;
}

/** Types `name`, answers the HELLO-FROM with HELLO, and waits for the client to say so. */
async function logIn(ctx: CheckContext, server: ScriptedServer, client: ClientProcess, name = ctx.name("c")): Promise<StreamProbe> {
  const mark = client.mark();
  const conn = await helloFrom(server, client, name);
  conn.send(`HELLO ${name}\n`);
  await client.waitLine(LOGGED_IN(name), mark);
  return conn;
}

/** A client logged in as a fresh name, its connection, the name, and where its output after the login begins (`mark`). */
async function chatting(ctx: CheckContext): Promise<{ server: ScriptedServer; client: ClientProcess; conn: StreamProbe; name: string; mark: number }> {
  const { server, client } = await startAgainstStandIn(ctx);
  const name = ctx.name("c");
  const conn = await logIn(ctx, server, client, name);
  return { server, client, conn, name, mark: client.mark() };
}

/** A refusal (`reply`, then the server closes) makes the client print `line` and ask again; the next name logs in. */
async function refusedThenAgain(ctx: CheckContext, reply: string, line: (name: string) => string, name: string): Promise<void> {
  const { server, client } = await startAgainstStandIn(ctx);
  const first = await helloFrom(server, client, name);
  const mark = client.mark();
  first.send(`${reply}\n`);
  first.close();
  await client.waitLine(line(name), mark);
  await client.waitLine(WELCOME, mark);
  await logIn(ctx, server, client);
}

/** The logged-in client was told `!quit`. */
async function quitTyped(ctx: CheckContext): Promise<{ client: ClientProcess; conn: StreamProbe }> {
  const { client, conn } = await chatting(ctx);
  client.typeLine("!quit");
  return { client, conn };
}

/**
 * A case: the logged-in client sends `request` for the line `typed` (undefined: any line,
 * its wording not this case's to check), and the server's answer `reply` makes it print `printed`.
 */
function replyPrinted(info: CaseInfo, exchange: { typed: string; request: string | undefined; reply: string; printed: string }): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { client, conn } = await chatting(ctx);
      client.typeLine(exchange.typed);
      if (exchange.request === undefined) await conn.line(`the SEND for \`${exchange.typed}\``);
      else await conn.expectLine(exchange.request);
      const mark = client.mark();
      conn.send(`${exchange.reply}\n`);
      await client.waitLine(exchange.printed, mark);
    },
  };
}

export const LAB_CLIENT_CASES: readonly CheckCase[] = [
  {
    id: "login.hello-from",
    title: "the name typed first is sent as HELLO-FROM <name>",
    clause: "seed 001 (client assignment); docs/lab.md#lines",
    async run(ctx) {
      const { server, client } = await startAgainstStandIn(ctx);
      const name = ctx.name("c");
      const conn = await helloFrom(server, client, name);
      conn.send(`HELLO ${name}\n`);
      conn.send(`DELIVERY someone hi ${name}\n`);
      await client.waitOutput(`From someone: hi ${name}`);
    },
  },
  {
    id: "login.welcome",
    title: `prints "${WELCOME}", and after HELLO "Successfully logged in as <name>!"`,
    clause: "docs/lab.md (the lab client's lines); docs/lab.md#client-switchboard-client-lab---address-a---port-p",
    async run(ctx) {
      const { server, client } = await startAgainstStandIn(ctx);
      await client.waitLine(WELCOME);
      await logIn(ctx, server, client);
    },
  },
  {
    id: "login.in-use",
    title: "IN-USE: prints that the name is in use, asks again, and logs in with the next name",
    clause: "seed 001 PR5; docs/lab.md (the lab client's lines)",
    async run(ctx) {
      await refusedThenAgain(ctx, "IN-USE", (n) => `Cannot log in as ${n}. That username is already in use.`, ctx.name("taken"));
    },
  },
  {
    id: "login.bad-name",
    title: "BAD-RQST-BODY to HELLO-FROM: prints that the name has disallowed characters, asks again",
    clause: "seed 001 PR4; docs/lab.md (the lab client's lines)",
    async run(ctx) {
      await refusedThenAgain(ctx, "BAD-RQST-BODY", (n) => `Cannot log in as ${n}. That username contains disallowed characters.`, `${ctx.name("bad", 8)}!x`);
    },
  },
  {
    id: "login.busy",
    title: "BUSY: prints that the server is full and exits",
    clause: "seed 001 PR15; docs/lab.md (the lab client's lines)",
    async run(ctx) {
      const { server, client } = await startAgainstStandIn(ctx);
      const conn = await helloFrom(server, client, ctx.name("c"));
      conn.send("BUSY\n");
      conn.close();
      await client.waitLine("Cannot log in. The server is full!");
      await client.exit("the client to exit after BUSY");
    },
  },
  {
    id: "login.busy.exit-code",
    title: "BUSY: exits with status 1",
    clause: "docs/lab.md#client-switchboard-client-lab---address-a---port-p (exit codes)",
    strict: true,
    async run(ctx) {
      const { server, client } = await startAgainstStandIn(ctx);
      client.typeLine(ctx.name("c"));
      const conn = await server.accept();
      await conn.line();
      conn.send("BUSY\n");
      conn.close();
      await client.expectExit("after BUSY", 1);
    },
  },
  {
    id: "send.request",
    title: "`@<user> <message>` is sent as SEND <user> <message>",
    clause: "seed 001 PR10; docs/lab.md",
    async run(ctx) {
      const { client, conn } = await chatting(ctx);
      client.typeLine("@someone hello there, how are you?");
      await conn.expectLine("SEND someone hello there, how are you?");
    },
  },
  replyPrinted(
    { id: "send.ok", title: "SEND-OK prints `The message was sent successfully`", clause: "docs/lab.md#client-switchboard-client-lab---address-a---port-p (decision: the line for SEND-OK)", strict: true },
    { typed: "@someone hi", request: "SEND someone hi", reply: "SEND-OK", printed: "The message was sent successfully" },
  ),
  replyPrinted(
    { id: "send.bad-dest", title: "BAD-DEST-USER prints `The destination user does not exist`", clause: "seed 001 PR13; docs/lab.md (the lab client's lines)" },
    { typed: "@nobody hi", request: "SEND nobody hi", reply: "BAD-DEST-USER", printed: "The destination user does not exist" },
  ),
  replyPrinted(
    { id: "send.bad-body", title: "BAD-RQST-BODY prints `Error: Unknown issue in previous message body.`", clause: "seed 001 PR17; docs/lab.md (the lab client's lines)" },
    { typed: "@someone", request: undefined, reply: "BAD-RQST-BODY", printed: "Error: Unknown issue in previous message body." },
  ),
  {
    id: "who",
    title: "`!who` sends LIST; LIST-OK prints `There are <N> online users:` and one name per line",
    clause: "seed 001 PR8, PR9; docs/lab.md (the lab client's lines)",
    async run(ctx) {
      const { client, conn, name } = await chatting(ctx);
      client.typeLine("!who");
      await conn.expectLine("LIST");
      const mark = client.mark();
      conn.send(`LIST-OK alpha,${name},omega\n`);
      await client.waitOutput(new RegExp(`(^|\\n)There are 3 online users:\\nalpha\\n${escapeRegExp(name)}\\nomega\\n`), mark);
    },
  },
  {
    id: "receive.delivery",
    title: "DELIVERY prints `From <user>: <message>`, also in pieces and several in one packet",
    clause: "seed 001 PR10; docs/lab.md (the lab client's lines)",
    async run(ctx) {
      const { client, conn, mark } = await chatting(ctx);
      conn.send("DELIVERY alice first message, writ");
      await new Promise((r) => setTimeout(r, 250));
      conn.send("ten in two parts\nDELIVERY bob second\nDELIVERY carol third: a b  c\n");
      const out = await client.waitLine("From carol: third: a b  c", mark);
      const lines = out.split("\n").filter((l) => l.startsWith("From "));
      const want = ["From alice: first message, written in two parts", "From bob: second", "From carol: third: a b  c"];
      if (lines.join("\n") !== want.join("\n")) fail({ sent: conn.shownSent(), expected: JSON.stringify(want.join("\n")), got: JSON.stringify(out) });
    },
  },
  {
    id: "quit",
    title: "`!quit` ends the client and its connection",
    clause: "docs/lab.md (`!quit` exits)",
    async run(ctx) {
      const { client, conn } = await quitTyped(ctx);
      await client.exit("the client to exit after !quit");
      await conn.expectClosed("the client closed its connection");
    },
  },
  {
    id: "quit.before-login",
    title: "`!quit` as the first line exits without logging in",
    clause: "docs/lab.md (`!quit` exits, also before login)",
    async run(ctx) {
      const { server, client } = await startAgainstStandIn(ctx);
      client.typeLine("!quit");
      await client.exit("the client to exit after !quit");
      const conn = await server.accept("(a connection is allowed, but no HELLO-FROM)", 1).catch(() => undefined);
      if (conn) await conn.expectNothing("no HELLO-FROM for `!quit`", 100, true);
    },
  },
  {
    id: "quit.exit-code",
    title: "`!quit` exits with status 0",
    clause: "docs/lab.md#client-switchboard-client-lab---address-a---port-p (exit codes)",
    strict: true,
    async run(ctx) {
      const { client } = await quitTyped(ctx);
      await client.expectExit("after !quit", 0);
    },
  },
  {
    id: "end-of-input",
    title: "end of input leaves once every request is answered, with status 0",
    clause: "docs/lab.md#client-switchboard-client-lab---address-a---port-p (Ctrl+D, end of input)",
    strict: true,
    async run(ctx) {
      const { client, conn } = await chatting(ctx);
      client.typeLine("!who");
      await conn.expectLine("LIST");
      client.endInput();
      await new Promise((r) => setTimeout(r, 200));
      const mark = client.mark();
      conn.send("LIST-OK a,b\n");
      await client.waitLine("There are 2 online users:", mark);
      await client.expectExit("at end of input, once LIST was answered", 0);
    },
  },
  {
    id: "server-closed",
    title: "when the server closes the connection: `error: the server closed the connection`, status 1",
    clause: "docs/lab.md#client-switchboard-client-lab---address-a---port-p",
    strict: true,
    async run(ctx) {
      const { client, conn, mark } = await chatting(ctx);
      conn.close();
      await client.waitLine("error: the server closed the connection", mark);
      await client.expectExit("after the server closed the connection", 1);
    },
  },
  {
    id: "unknown-input",
    title: "a line that is no command prints `Unknown command. Use !who, @<user> <message> or !quit.` and sends nothing",
    clause: "docs/lab.md#client-switchboard-client-lab---address-a---port-p (decision)",
    strict: true,
    async run(ctx) {
      const { client, conn, mark } = await chatting(ctx);
      client.typeLine("hello everyone");
      await client.waitLine("Unknown command. Use !who, @<user> <message> or !quit.", mark);
      await conn.expectNothing("nothing sent for a line that is no command", 100);
    },
  },
];
