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
import type { CheckCase } from "../../case.js";
import type { ClientProcess } from "../../client/client-process.js";
import type { CheckContext } from "../../context.js";
import type { DatagramProbe } from "../../probe/datagram-probe.js";
import { fail } from "../../verdict.js";
import { showBytes } from "../../wire-view.js";
import { waitLine } from "../lab/client.js";
import { OK, Op, datagram, named } from "./wire.js";

interface Started {
  readonly server: DatagramProbe;
  readonly client: ClientProcess;
  readonly name: string;
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
async function registered(ctx: CheckContext): Promise<Started> {
  const s = await started(ctx);
  await fromClient(s.server, datagram(Op.Register, s.name), `REGISTER ${s.name}`);
  s.server.send(OK);
  return s;
}

/** A line of output since `from` holds every one of `parts`, in this order. */
function waitLineWith(client: ClientProcess, parts: readonly string[], from: number): Promise<string> {
  const pattern = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^\\n]*");
  return client.waitOutput(new RegExp(pattern + "[^\\n]*\\n"), from);
}

async function expectExitCode(client: ClientProcess, code: number, what: string): Promise<void> {
  const got = await client.exit(`the client to exit (${what})`);
  if (got !== code) fail({ sent: client.shownTyped(), expected: `exit status ${code} (${what})`, got: `exit status ${got}; output ${JSON.stringify(client.since())}` });
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
      await waitLine(client, `registered as ${name}; /help for commands`);
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
      await waitLine(client, "error: name in use");
      await expectExitCode(client, 2, "the server refused the name");
    },
  },
  {
    id: "public.send",
    title: "a typed line is sent as PUBLIC: 20 <length> <text>",
    clause: "seed 004 4.1",
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine("hello, everyone");
      await fromClient(server, datagram(Op.Public, "hello, everyone"), "the typed line as PUBLIC");
    },
  },
  {
    id: "public.receive",
    title: "a public message (21) is shown with its sender and text on one line",
    clause: "seed 004 4.2",
    async run(ctx) {
      const { server, client } = await registered(ctx);
      const mark = client.mark();
      server.send(named(Op.PublicMessage, "alice", "hi there, all"));
      await waitLineWith(client, ["alice", "hi there, all"], mark);
    },
  },
  {
    id: "private.send",
    title: "`/msg <user> <text>` is sent as PRIVATE: 22 <length> <user> NUL <text>",
    clause: "seed 004 5.1; docs/udp.md#client-switchboard-client-udp",
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine("/msg bob just for you");
      await fromClient(server, named(Op.Private, "bob", "just for you"), "PRIVATE to bob");
    },
  },
  {
    id: "private.receive",
    title: "a private message (23) is shown with its sender and text on one line",
    clause: "seed 004 5.2",
    async run(ctx) {
      const { server, client } = await registered(ctx);
      const mark = client.mark();
      server.send(named(Op.PrivateMessage, "carol", "a secret"));
      await waitLineWith(client, ["carol", "a secret"], mark);
    },
  },
  {
    id: "messages.printed",
    title: "21 prints `<from>: <text>`, 23 `(private) <from>: <text>`",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client } = await registered(ctx);
      const mark = client.mark();
      server.send(named(Op.PublicMessage, "alice", "to all"));
      server.send(named(Op.PrivateMessage, "carol", "to you"));
      await waitLine(client, "alice: to all", mark);
      await waitLine(client, "(private) carol: to you", mark);
    },
  },
  {
    id: "private.confirmed",
    title: "a /msg is shown as sent only on OK: `(private to <user>) <you>: <text>`; an Error prints `error: <reason>` instead",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client, name } = await registered(ctx);
      client.typeLine("/msg bob first");
      await fromClient(server, named(Op.Private, "bob", "first"), "PRIVATE to bob");
      let mark = client.mark();
      server.send(OK);
      await waitLine(client, `(private to bob) ${name}: first`, mark);
      client.typeLine("/msg nobody second");
      await fromClient(server, named(Op.Private, "nobody", "second"), "PRIVATE to nobody");
      mark = client.mark();
      server.send(datagram(Op.Error, "no such user"));
      const out = await waitLine(client, "error: no such user", mark);
      if (out.includes("(private to nobody)")) fail({ sent: server.shownSent(), expected: "no `(private to nobody)` line after an Error", got: JSON.stringify(out) });
    },
  },
  {
    id: "list",
    title: "`/list` sends LIST (2a 00 00); the 43 answer shows every name",
    clause: "seed 004 3.3, 3.4; docs/udp.md#client-switchboard-client-udp",
    async run(ctx) {
      const { server, client, name } = await registered(ctx);
      client.typeLine("/list");
      await fromClient(server, datagram(Op.List), "LIST");
      const mark = client.mark();
      server.send(datagram(Op.UserList, `alpha\0${name}\0omega`));
      await waitLineWith(client, ["alpha", name, "omega"], mark);
    },
  },
  {
    id: "list.printed",
    title: "a list in two datagrams (the first ending in NUL) prints once: `online: a, b, c, d`",
    clause: "docs/udp.md (NUL: more follows); docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine("/list");
      await fromClient(server, datagram(Op.List), "LIST");
      const mark = client.mark();
      server.send(datagram(Op.UserList, "a\0b\0"));
      server.send(datagram(Op.UserList, "c\0d"));
      const out = await waitLine(client, "online: a, b, c, d", mark);
      if (out.includes("online: a, b\n")) fail({ sent: server.shownSent(), expected: "one line for the whole list", got: JSON.stringify(out) });
    },
  },
  {
    id: "info",
    title: "`/info` sends INFO (28 00 00); the 41 answer is shown",
    clause: "seed 004 3.1, 3.2; docs/udp.md#client-switchboard-client-udp",
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine("/info");
      await fromClient(server, datagram(Op.Info), "INFO");
      const mark = client.mark();
      server.send(datagram(Op.InfoReply, "2030-01-02T03:04:05.000Z stand-in/9.9"));
      await waitLineWith(client, ["2030-01-02T03:04:05.000Z stand-in/9.9"], mark);
    },
  },
  {
    id: "error.printed",
    title: "an Error from the server prints `error: <reason>`",
    clause: "docs/udp.md#client-switchboard-client-udp",
    strict: true,
    async run(ctx) {
      const { server, client } = await registered(ctx);
      const mark = client.mark();
      server.send(datagram(Op.Error, "rate limited"));
      await waitLine(client, "error: rate limited", mark);
    },
  },
  {
    id: "quit",
    title: "`/quit` sends LOGOUT (0c 00 00) and the client exits once it is answered",
    clause: "seed 004 2.1, 2.2; docs/udp.md#client-switchboard-client-udp",
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine("/quit");
      await fromClient(server, datagram(Op.Logout), "LOGOUT");
      server.send(OK);
      await client.exit("the client to exit after /quit");
    },
  },
  {
    id: "quit.exit-code",
    title: "`/quit` exits with status 0",
    clause: "docs/udp.md#client-switchboard-client-udp (exit codes)",
    strict: true,
    async run(ctx) {
      const { server, client } = await registered(ctx);
      client.typeLine("/quit");
      await fromClient(server, datagram(Op.Logout), "LOGOUT");
      server.send(OK);
      await expectExitCode(client, 0, "after /quit");
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
      await waitLine(client, `registered as ${name}; /help for commands`);
      client.endInput();
      await fromClient(server, datagram(Op.Logout), "LOGOUT at end of input");
      server.send(OK);
      await expectExitCode(client, 0, "at end of input");
    },
  },
];
