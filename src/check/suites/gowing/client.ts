/**
 * A gowing client, checked against a stand-in server: seed 003's client (two arguments,
 * the prompt `<name>> `, @exit, blank names refused), the student specification's
 * frames, and docs/gowing.md "Client" for what the seed leaves open (strict).
 *
 * The seed's client "takes two arguments: the IP address of the server and the name":
 * every case appends the name it uses as the last argument, so the command given to
 * `switchboard check client gowing` ends where the name goes (`... {host}`, or
 * `switchboard client gowing {host} --port {port}`). Output checks hold on pipes and on
 * a terminal (whose echo of typed lines is in the output too).
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import type { ClientProcess } from "../../client/client-process.js";
import type { ScriptedServer } from "../../client/scripted-server.js";
import { CLIENT_START_MS, connectedClient, startAgainstStandIn } from "../../client/stand-in.js";
import type { CheckContext } from "../../context.js";
import { CheckFailure, fail } from "../../verdict.js";
import { GowingUser, nameFor } from "./user.js";
import { COMMAND_LIST, DIRECT, ERROR, frame, JOIN, joiningLine, LEAVE, leavingLine, LIST, MESSAGE } from "./wire.js";

const SEED = "seed 003";
const STUDENT = "seed 003 student specification";
const DOC = "docs/gowing.md#client";

/** How long the client is given to exit once it should (times --time-scale). */
const EXIT_MS = 5000;

interface Started {
  readonly client: ClientProcess;
  readonly server: ScriptedServer;
  /** The stand-in's side of the client's connection. */
  readonly conn: GowingUser;
  readonly name: string;
}

/** The client started with a fresh name, connected, its JOIN read. */
async function started(ctx: CheckContext, name = nameFor(ctx, "c")): Promise<Started> {
  const { client, server, probe } = await connectedClient(ctx, [name], `the client to connect (started with the name ${name})`, { ms: ctx.ms(CLIENT_START_MS) });
  const conn = GowingUser.accepted(ctx, probe);
  await conn.expectFrame(JOIN, name, { exact: true, ms: ctx.ms(CLIENT_START_MS) });
  return { client, server, conn, name };
}

/**
 * The client joined: its JOIN answered as a Switchboard server does (the byte 00, the
 * command list and the joining notice in one write), and the notice shown.
 */
async function chatting(ctx: CheckContext): Promise<Started> {
  const s = await started(ctx);
  s.conn.sendStatus(0, frame(MESSAGE, COMMAND_LIST), frame(MESSAGE, joiningLine(s.name)));
  await s.client.waitOutput(joiningLine(s.name));
  return s;
}

/** The client made no connection (to the stand-in) by now. */
async function noConnection(server: ScriptedServer, client: ClientProcess, why: string): Promise<void> {
  try {
    await server.accept("", 100);
  } catch (err) {
    if (err instanceof CheckFailure) return;
    throw err;
  }
  fail({ sent: client.argv.map((a) => JSON.stringify(a)).join(" "), expected: `no connection (${why})`, got: "the client connected" });
}

/** A case: started with the name `name`, the client refuses it itself (`why`): it exits, and never connects. */
function refusesName(info: CaseInfo, name: string, why: string): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { server, client } = await startAgainstStandIn(ctx, [name]);
      await client.expectExit(why, undefined, { ms: ctx.ms(CLIENT_START_MS) });
      await noConnection(server, client, why);
    },
  };
}

/** A case: the joined client sends MESSAGE `payload` (byte for byte when `exact`) for the `typed` lines. */
function typedSends(info: CaseInfo, typed: readonly string[], payload: string, exact = false): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const s = await chatting(ctx);
      for (const line of typed) s.client.typeLine(line);
      await s.conn.expectFrame(MESSAGE, payload, exact ? { exact } : {});
    },
  };
}

/** A case: a frame the server sends the joined client (made by `exchange`, with what it must print) is printed. */
function printed(info: CaseInfo, exchange: (ctx: CheckContext, s: Started) => { frame: Buffer; line: string }): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const s = await chatting(ctx);
      const { frame, line } = exchange(ctx, s);
      s.conn.send(frame);
      await s.client.waitOutput(line);
    },
  };
}

/** A case: the client's JOIN is answered `status` (refused), and the client says what `shown` matches. */
function joinRefusedShows(info: CaseInfo, status: number, shown: (name: string) => string | RegExp): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const s = await started(ctx);
      s.conn.sendStatus(status);
      await s.client.waitOutput(shown(s.name));
    },
  };
}

export const GOWING_CLIENT_CASES: readonly CheckCase[] = [
  {
    id: "join.sends-name",
    title: "the client connects and sends JOIN with the name it was given: 00, its length, the name",
    clause: `${SEED} ("takes two arguments: the IP address of the server and the name"); ${STUDENT} (00 = Join the chat: <CommandType><LengthMessage><Username>)`,
    async run(ctx) {
      await started(ctx);
    },
  },
  {
    id: "join.prompt",
    title: "accepted (00, then frames in the same write): the client shows **X is joining the chat** and the prompt `X> `",
    clause: `${SEED} (the prompt "Bob> "; "announced to all clients (including the newly joining client)"); docs/gowing.md (the one-byte reply)`,
    async run(ctx) {
      const s = await chatting(ctx);
      await s.client.waitOutput(`${s.name}> `);
    },
  },
  typedSends(
    {
      id: "chat.send",
      title: "a typed line is sent as MESSAGE with the text (a trailing newline allowed)",
      clause: `${SEED} ("Any text that the user types in the client will be sent to the server"); ${STUDENT} (02 = Sending the message)`,
    },
    ["Hi there"],
    "Hi there",
  ),
  printed({ id: "chat.receive", title: "a chat line from the server (type 2 `[X] text`) is printed", clause: `${SEED} ("everyone else will see [Bob] Hi on their terminals")` }, (ctx, s) => {
    const peer = nameFor(ctx, "peer");
    return { frame: frame(MESSAGE, `[${peer}] hello ${s.name}`), line: `[${peer}] hello ${s.name}\n` };
  }),
  {
    id: "chat.notices",
    title: "joining and leaving notices of others are printed",
    clause: `${SEED} ("**Bob is joining the chat**", "**Bob is leaving the chat**")`,
    async run(ctx) {
      const s = await chatting(ctx);
      const peer = nameFor(ctx, "peer");
      s.conn.send(frame(MESSAGE, joiningLine(peer)));
      await s.client.waitOutput(`${joiningLine(peer)}\n`);
      s.conn.send(frame(MESSAGE, leavingLine(peer)));
      await s.client.waitOutput(`${leavingLine(peer)}\n`);
    },
  },
  {
    id: "chat.split-frames",
    title: "frames that arrive one byte at a time are printed whole",
    clause: `${STUDENT} ("TCP", <CommandType><LengthMessage><Message>)`,
    async run(ctx) {
      const s = await chatting(ctx);
      const peer = nameFor(ctx, "peer");
      await s.conn.sendInPieces(Buffer.concat([frame(MESSAGE, `[${peer}] slow`), frame(MESSAGE, `[${peer}] and steady`)]), 1);
      await s.client.waitOutput(`[${peer}] slow\n`);
      await s.client.waitOutput(`[${peer}] and steady\n`);
    },
  },
  {
    id: "chat.coalesced",
    title: "three frames in one write are all printed, in order",
    clause: `${STUDENT} ("TCP", <CommandType><LengthMessage><Message>)`,
    async run(ctx) {
      const s = await chatting(ctx);
      const peer = nameFor(ctx, "peer");
      const mark = s.client.mark();
      s.conn.send(Buffer.concat(["one", "two", "three"].map((t) => frame(MESSAGE, `[${peer}] ${t}`))));
      await s.client.waitOutput(new RegExp(`\\[${peer}\\] one\\n(.|\\n)*\\[${peer}\\] two\\n(.|\\n)*\\[${peer}\\] three\\n`), mark);
    },
  },
  {
    id: "join.name-in-use",
    title: "answered 01 (name taken), the client asks for another name and sends JOIN with the one typed",
    clause: `${STUDENT} ("If rejected because of username, loop back to the request for a username"); seed 003 progression 3`,
    async run(ctx) {
      const s = await started(ctx);
      s.conn.sendStatus(1);
      const other = nameFor(ctx, "other");
      s.client.typeLine(other);
      // On the same connection (the server keeps it open) or, if the client closed it, on a new one.
      const next = await Promise.race([
        s.conn.expectFrame(JOIN, other, { exact: true, ms: ctx.ms(CLIENT_START_MS) }).then(() => undefined),
        s.conn.probe.closed.then(() => "reconnect" as const),
      ]);
      if (next === "reconnect") {
        const expected = "the client to connect again with another name";
        const exited = s.client.exited.then((code) => fail({ sent: s.client.shownTyped(), expected, got: `the client exited (${code})` }));
        const again = GowingUser.accepted(ctx, await Promise.race([s.server.accept(expected, ctx.ms(CLIENT_START_MS)), exited]));
        await again.expectFrame(JOIN, other, { exact: true });
      }
    },
  },
  refusesName(
    {
      id: "join.blank-refused",
      title: "started with a blank name, the client refuses it itself: it exits without connecting",
      clause: `${SEED} ("The server will not allow blank names (the client should reject it)")`,
    },
    "",
    "a blank name",
  ),
  refusesName(
    { id: "join.space-refused", title: "started with a name containing a space, the client refuses it itself: it exits without connecting", clause: `${SEED} ("The name may not contain spaces")` },
    "two words",
    "a name with a space",
  ),
  {
    id: "exit.leave",
    title: "@exit sends LEAVE (01 00 00), closes the connection and ends the program",
    clause: `${SEED} ("@exit, which will cause the client to exit the chat and the program to end"); ${STUDENT} (Leave: "Send disconnect message", "Closes connection")`,
    async run(ctx) {
      const s = await chatting(ctx);
      s.client.typeLine("@exit");
      await s.conn.expectFrame(LEAVE, "", { exact: true });
      await s.conn.expectClosed("the client to close the connection after LEAVE");
      await s.client.expectExit("@exit", undefined, { ms: ctx.ms(EXIT_MS) });
    },
  },
  // ---- Switchboard's client: what docs/gowing.md decides --------------------------------
  typedSends({ id: "chat.send-exact", title: "a typed line is sent as MESSAGE with exactly the text, no line end", clause: `${DOC} ("Each typed line is sent as a MESSAGE")`, strict: true }, ["exactly this"], "exactly this", true),
  typedSends({ id: "chat.blank-not-sent", title: "a blank line is not sent", clause: `${DOC} ("A blank line is not sent")`, strict: true }, ["", "after the blank"], "after the blank"),
  typedSends({ id: "chat.non-ascii", title: "non-ASCII typed characters are sent as `?`, one per character", clause: `docs/wire.md (gowing is an ASCII dialect); ${DOC}`, strict: true }, ["naïve ✓"], "na?ve ?"),
  printed(
    { id: "chat.private", title: "a private message (type 4 `[X] (private) text`) is printed", clause: `docs/wire.md#rendering-across-dialects (direct message from X); ${DOC} (Incoming frames)`, strict: true },
    (ctx) => {
      const peer = nameFor(ctx, "peer");
      return { frame: frame(DIRECT, `[${peer}] (private) psst`), line: `[${peer}] (private) psst\n` };
    },
  ),
  printed({ id: "chat.error", title: "an ERROR frame is printed as `error: <text>`", clause: `${DOC} ("ERROR frames are printed on stderr as error: <text>")`, strict: true }, () => ({
    frame: frame(ERROR, "No such user: nobody"),
    line: "error: No such user: nobody\n",
  })),
  {
    id: "chat.list",
    title: "@list sends LIST (03 00 00) and prints the type-3 answer",
    clause: `${DOC} (@list, an extension)`,
    strict: true,
    async run(ctx) {
      const s = await chatting(ctx);
      s.client.typeLine("@list");
      await s.conn.expectFrame(LIST, "", { exact: true });
      const peer = nameFor(ctx, "peer");
      s.conn.send(frame(LIST, `${peer}, ${s.name}`));
      await s.client.waitOutput(`${peer}, ${s.name}\n`);
    },
  },
  {
    id: "chat.direct",
    title: "@msg <name> <text> sends DIRECT `@name text`",
    clause: `${DOC} (@msg, an extension; DIRECT goes as @name)`,
    strict: true,
    async run(ctx) {
      const s = await chatting(ctx);
      const peer = nameFor(ctx, "peer");
      s.client.typeLine(`@msg ${peer} just for you`);
      await s.conn.expectFrame(DIRECT, `@${peer} just for you`, { exact: true });
    },
  },
  joinRefusedShows(
    { id: "join.name-in-use-text", title: "answered 01, the client says `The name X is already in use.` and asks `Enter another name: `", clause: `${DOC} (Name in use or invalid)`, strict: true },
    1,
    (name) => `The name ${name} is already in use.\nEnter another name: `,
  ),
  joinRefusedShows(
    { id: "join.invalid-text", title: "answered 02, the client says `The name X is not allowed: ...` and asks for another", clause: `${DOC} (Name in use or invalid)`, strict: true },
    2,
    (name) => new RegExp(`The name ${name} is not allowed: .*\\nEnter another name: `),
  ),
  {
    id: "join.server-full",
    title: "answered 03 (server full), the client exits with status 3",
    clause: `${DOC} (exit codes); docs/gowing.md#frames`,
    strict: true,
    async run(ctx) {
      const s = await started(ctx);
      s.conn.sendStatus(3);
      await s.client.expectExit("the server is full", 3, { ms: ctx.ms(EXIT_MS) });
    },
  },
  {
    id: "join.blank-exit-code",
    title: "a blank name makes the client exit with status 2",
    clause: `${DOC} (exit codes)`,
    strict: true,
    async run(ctx) {
      const { client } = await startAgainstStandIn(ctx, [""]);
      await client.expectExit("a blank name", 2, { ms: ctx.ms(CLIENT_START_MS) });
    },
  },
  {
    id: "exit.code-zero",
    title: "@exit ends the program with status 0",
    clause: `${DOC} (exit codes)`,
    strict: true,
    async run(ctx) {
      const s = await chatting(ctx);
      s.client.typeLine("@exit");
      await s.client.expectExit("@exit", 0, { ms: ctx.ms(EXIT_MS) });
    },
  },
  {
    id: "exit.end-of-input",
    title: "the end of input (a pipe's EOF, Ctrl+D on a terminal) leaves as @exit does: LEAVE, status 0",
    clause: `${DOC} ("at the end of input the client leaves as with @exit")`,
    strict: true,
    async run(ctx) {
      const s = await chatting(ctx);
      s.client.endInput();
      await s.conn.expectFrame(LEAVE, "", { exact: true });
      await s.client.expectExit("end of input", 0, { ms: ctx.ms(EXIT_MS) });
    },
  },
  {
    id: "exit.server-closed",
    title: "when the server closes the connection, the client says so and exits with status 1",
    clause: `${DOC} ("The server closes the connection")`,
    strict: true,
    async run(ctx) {
      const s = await chatting(ctx);
      s.conn.close();
      await s.client.waitOutput("error: the server closed the connection\n");
      await s.client.expectExit("the server closed the connection", 1, { ms: ctx.ms(EXIT_MS) });
    },
  },
];
