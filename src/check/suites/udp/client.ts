/**
 * The CHAT UDP client, checked against a stand-in server (a UDP socket where the client
 * sends): the datagrams seed 004 fixes for what the user does, and (strict) what
 * docs/udp.md#client-switchboard-client-udp says it prints and how it exits.
 *
 * The client is driven as docs/udp.md describes: a typed line is a public message,
 * `/msg <user> <text>`, `/list`, `/info`, `/quit`. Its name: `{name}` in the command is
 * replaced by it; a command without `{name}` gets `-u <name>` appended (as
 * `switchboard client udp` takes it).
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import { escapeRegExp, type ClientProcess } from "../../client/client-process.js";
import type { CheckContext } from "../../context.js";
import type { DatagramProbe } from "../../probe/datagram-probe.js";
import { fail } from "../../verdict.js";
import { showBytes } from "../../wire-view.js";
import { OK, Op, datagram, named } from "./wire.js";

interface Started {
  readonly server: DatagramProbe;
  readonly client: ClientProcess;
  readonly name: string;
}

/** Started and registered; `mark`: where the client's output from then on begins. */
interface Registered extends Started {
  readonly mark: number;
}

/** The client started against a fresh stand-in server, registering as a fresh name. */
async function started(ctx: CheckContext): Promise<Started> {
  const server = await ctx.listenDatagram();
  const name = ctx.name("c");
  const client = ctx.startClient(server.port, ctx.commandSays("name") ? [] : ["-u", name], { name });
  return { server, client, name };
}

/** The client sends exactly `want` (other datagrams before it, e.g. a repeated REGISTER, are passed over). */
async function fromClient(server: DatagramProbe, want: Buffer, what: string, ms?: number): Promise<void> {
  await server.waitFor(`${showBytes(want, "hex")} (${what})`, (d) => d.bytes.equals(want), ms);
}

/** Started, its REGISTER answered OK. */
async function registered(ctx: CheckContext): Promise<Registered> {
  const s = await started(ctx);
  await fromClient(s.server, datagram(Op.Register, s.name), `REGISTER ${s.name}`);
  s.server.send(OK);
  return { ...s, mark: s.client.mark() };
}

/** The registered client was told `typed` and sent `request` (as `what` words it) for it; `mark`: where its output of the answer begins. */
async function requested(ctx: CheckContext, typed: string, request: Buffer, what: string): Promise<Registered> {
  const s = await registered(ctx);
  s.client.typeLine(typed);
  await fromClient(s.server, request, what);
  return { ...s, mark: s.client.mark() };
}

/** A line of output since `from` holds every one of `parts`, in this order. */
function waitLineWith(client: ClientProcess, parts: readonly string[], from: number): Promise<string> {
  const pattern = parts.map(escapeRegExp).join("[^\\n]*");
  return client.waitOutput(new RegExp(pattern + "[^\\n]*\\n"), from);
}

/** A case: the registered client sends `sent` (as `what` words it) for the line `typed`. */
function typedSends(info: CaseInfo, typed: string, sent: Buffer, what: string): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine(typed);
      await fromClient(server, sent, what);
    },
  };
}

/** A case: the server's `message` (21 or 23) is shown on one line holding each of `parts`, in order. */
function received(info: CaseInfo, message: Buffer, parts: readonly string[]): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { server, client, mark } = await registered(ctx);
      server.send(message);
      await waitLineWith(client, parts, mark);
    },
  };
}

/**
 * A case: the registered client sends `request` (as `what` words it) for the line
 * `typed`, and shows the server's answer on one line holding each of the parts it
 * makes (`answer`, given the client's name), in order.
 */
function answerShown(info: CaseInfo, typed: string, request: Buffer, what: string, answer: (name: string) => { datagram: Buffer; parts: readonly string[] }): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { server, client, name, mark } = await requested(ctx, typed, request, what);
      const { datagram, parts } = answer(name);
      server.send(datagram);
      await waitLineWith(client, parts, mark);
    },
  };
}

/** The registered client was told /quit: its LOGOUT answered OK. */
async function quitAnswered(ctx: CheckContext): Promise<ClientProcess> {
  const { server, client } = await registered(ctx);
  client.typeLine("/quit");
  await fromClient(server, datagram(Op.Logout), "LOGOUT");
  server.send(OK);
  return client;
}

export const UDP_CLIENT_CASES: readonly CheckCase[] = [
  {
    id: "register.sends",
    title: "the client starts by sending REGISTER <name>",
    clause: "seed 004 1.1",
    async run(ctx) {
      const { server, name } = await started(ctx);
      await fromClient(server, datagram(Op.Register, name), `REGISTER ${name}`);
    },
  },
  {
    id: "register.retry",
    title: "an unanswered REGISTER is sent again within 2 s (UDP may lose it)",
    clause: "docs/udp.md#client-switchboard-client-udp (REGISTER retried every second)",
    strict: true,
    async run(ctx) {
      const { server, name } = await started(ctx);
      const register = datagram(Op.Register, name);
      await fromClient(server, register, `REGISTER ${name}`);
      await fromClient(server, register, "REGISTER again, the first having no answer", ctx.ms(2500));
    },
  },
  {
    id: "register.printed",
    title: "OK to REGISTER prints `registered as <name>; /help for commands`",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { client, name } = await registered(ctx);
      await client.waitLine(`registered as ${name}; /help for commands`);
    },
  },
  {
    id: "register.refused",
    title: "an Error to REGISTER prints `error: <reason>` and exits with status 2",
    clause: "docs/udp.md#client-switchboard-client-udp (exit codes)",
    strict: true,
    async run(ctx) {
      const { server, client, name } = await started(ctx);
      await fromClient(server, datagram(Op.Register, name), `REGISTER ${name}`);
      server.send(datagram(Op.Error, "name in use"));
      await client.waitLine("error: name in use");
      await client.expectExit("the server refused the name", 2);
    },
  },
  typedSends({ id: "public.send", title: "a typed line is sent as PUBLIC: 20 <length> <text>", clause: "seed 004 4.1" }, "hello, everyone", datagram(Op.Public, "hello, everyone"), "the typed line as PUBLIC"),
  received({ id: "public.receive", title: "a public message (21) is shown with its sender and text on one line", clause: "seed 004 4.2" }, named(Op.PublicMessage, "alice", "hi there, all"), ["alice", "hi there, all"]),
  typedSends(
    { id: "private.send", title: "`/msg <user> <text>` is sent as PRIVATE: 22 <length> <user> NUL <text>", clause: "seed 004 5.1; docs/udp.md#client-switchboard-client-udp" },
    "/msg bob just for you",
    named(Op.Private, "bob", "just for you"),
    "PRIVATE to bob",
  ),
  received({ id: "private.receive", title: "a private message (23) is shown with its sender and text on one line", clause: "seed 004 5.2" }, named(Op.PrivateMessage, "carol", "a secret"), ["carol", "a secret"]),
  {
    id: "messages.printed",
    title: "21 prints `<from>: <text>`, 23 `(private) <from>: <text>`",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client, mark } = await registered(ctx);
      server.send(named(Op.PublicMessage, "alice", "to all"));
      server.send(named(Op.PrivateMessage, "carol", "to you"));
      await client.waitLine("alice: to all", mark);
      await client.waitLine("(private) carol: to you", mark);
    },
  },
  {
    id: "private.confirmed",
    title: "a /msg is shown as sent only on OK: `(private to <user>) <you>: <text>`; an Error prints `error: <reason>` instead",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client, name, mark } = await requested(ctx, "/msg bob first", named(Op.Private, "bob", "first"), "PRIVATE to bob");
      server.send(OK);
      await client.waitLine(`(private to bob) ${name}: first`, mark);
      client.typeLine("/msg nobody second");
      await fromClient(server, named(Op.Private, "nobody", "second"), "PRIVATE to nobody");
      const second = client.mark();
      server.send(datagram(Op.Error, "no such user"));
      const out = await client.waitLine("error: no such user", second);
      if (out.includes("(private to nobody)")) fail({ sent: server.shownSent(), expected: "no `(private to nobody)` line after an Error", got: JSON.stringify(out) });
    },
  },
  answerShown({ id: "list", title: "`/list` sends LIST (2a 00 00); the 43 answer shows every name", clause: "seed 004 3.3, 3.4; docs/udp.md#client-switchboard-client-udp" }, "/list", datagram(Op.List), "LIST", (name) => ({
    datagram: datagram(Op.UserList, `alpha\0${name}\0omega`),
    parts: ["alpha", name, "omega"],
  })),
  {
    id: "list.printed",
    title: "a list in two datagrams (the first ending in NUL) prints once: `online: a, b, c, d`",
    clause: "docs/udp.md (NUL: more follows); docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client, mark } = await requested(ctx, "/list", datagram(Op.List), "LIST");
      server.send(datagram(Op.UserList, "a\0b\0"));
      server.send(datagram(Op.UserList, "c\0d"));
      const out = await client.waitLine("online: a, b, c, d", mark);
      if (out.includes("online: a, b\n")) fail({ sent: server.shownSent(), expected: "one line for the whole list", got: JSON.stringify(out) });
    },
  },
  answerShown({ id: "info", title: "`/info` sends INFO (28 00 00); the 41 answer is shown", clause: "seed 004 3.1, 3.2; docs/udp.md#client-switchboard-client-udp" }, "/info", datagram(Op.Info), "INFO", () => ({
    datagram: datagram(Op.InfoReply, "2030-01-02T03:04:05.000Z stand-in/9.9"),
    parts: ["2030-01-02T03:04:05.000Z stand-in/9.9"],
  })),
  {
    id: "error.printed",
    title: "an Error from the server prints `error: <reason>`",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client, mark } = await registered(ctx);
      server.send(datagram(Op.Error, "rate limited"));
      await client.waitLine("error: rate limited", mark);
    },
  },
  {
    id: "quit",
    title: "`/quit` sends LOGOUT (0c 00 00) and the client exits once it is answered",
    clause: "seed 004 2.1, 2.2; docs/udp.md#client-switchboard-client-udp",
    async run(ctx) {
      const client = await quitAnswered(ctx);
      await client.exit("the client to exit after /quit");
    },
  },
  {
    id: "quit.exit-code",
    title: "`/quit` exits with status 0",
    clause: "docs/udp.md#client-switchboard-client-udp (exit codes)",
    strict: true,
    async run(ctx) {
      await (await quitAnswered(ctx)).expectExit("after /quit", 0);
    },
  },
  {
    id: "end-of-input",
    title: "end of input logs out (LOGOUT) and exits with status 0",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client, name } = await registered(ctx);
      // Once it reads input: a Ctrl+D typed before its line editor starts may go unseen.
      await client.waitLine(`registered as ${name}; /help for commands`);
      client.endInput();
      await fromClient(server, datagram(Op.Logout), "LOGOUT at end of input");
      server.send(OK);
      await client.expectExit("at end of input", 0);
    },
  },
];
