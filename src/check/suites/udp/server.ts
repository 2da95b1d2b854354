/**
 * The CHAT UDP server, checked over UDP on loopback: seed 004 and docs/udp.md. Each
 * case uses its own sockets: the source address:port is the user. Expectations are
 * bytes built in ./wire.ts, not by Switchboard's codec.
 *
 * A server may send the user list (43) unasked at any time (seed 004 3.4), so cases
 * that do not check lists pass over them.
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import type { CheckContext } from "../../context.js";
import type { Datagram, DatagramProbe } from "../../probe/datagram-probe.js";
import { sleep } from "../../probe/stream-probe.js";
import { fail } from "../../verdict.js";
import { showBytes } from "../../wire-view.js";
import { listInJoinOrder } from "../common.js";
import { OK, Op, datagram, listNames, named, parse } from "./wire.js";

const isList = (d: Datagram): boolean => d.bytes[0] === Op.UserList;
const hex = (b: Uint8Array): string => showBytes(b, "hex");

/** The next datagram that is not a user list. */
async function reply(peer: DatagramProbe, expected: string): Promise<Buffer> {
  return (await peer.waitFor(expected, (d) => !isList(d))).bytes;
}

async function expectReply(peer: DatagramProbe, want: Buffer, what: string): Promise<void> {
  const got = await reply(peer, `${hex(want)} (${what})`);
  if (!got.equals(want)) fail({ sent: peer.shownSent(), expected: `${hex(want)} (${what})`, got: hex(got) });
}

/** An Error (01, its length right, a description); with `text`, exactly that description. */
async function expectError(peer: DatagramProbe, what: string, text?: string): Promise<void> {
  const expected = text === undefined ? `an Error: 01 <length> <description> (${what})` : `${hex(datagram(Op.Error, text))} (Error "${text}": ${what})`;
  const got = await reply(peer, expected);
  const p = parse(got);
  if (!p || p.op !== Op.Error || p.data.length === 0 || (text !== undefined && p.data.toString("utf8") !== text)) fail({ sent: peer.shownSent(), expected, got: hex(got) });
}

/** Nothing but user lists arrives for `ms`. */
async function expectNoReply(peer: DatagramProbe, what: string, ms = 300): Promise<void> {
  await sleep(ms);
  const got = await peer.waitFor(what, (d) => !isList(d), 1).then(
    (d) => d,
    () => undefined,
  );
  if (got) fail({ sent: peer.shownSent(), expected: what, got: hex(got.bytes) });
}

/** A fresh address registered as `name`. */
async function registered(ctx: CheckContext, name = ctx.name("u")): Promise<{ peer: DatagramProbe; name: string }> {
  const peer = await ctx.datagramPeer();
  peer.send(datagram(Op.Register, name));
  await expectReply(peer, OK, `OK to REGISTER ${name}`);
  // UDP has no connection to close: log out when the case ends, leaving no one behind.
  // Waiting for its OK (briefly) also keeps the socket open until the LOGOUT has left.
  ctx.defer(async () => {
    peer.send(datagram(Op.Logout));
    await peer.waitFor("OK to LOGOUT", (d) => d.bytes.equals(OK), 200).catch(() => undefined);
  });
  return { peer, name };
}

/** `n` fresh addresses registered, one after another, each under a fresh name. */
async function registeredAll(ctx: CheckContext, n: number): Promise<{ peer: DatagramProbe; name: string }[]> {
  const users = [];
  for (let i = 0; i < n; i++) users.push(await registered(ctx));
  return users;
}

/** A user list, all its datagrams (each but the last ends with NUL). */
async function nextList(peer: DatagramProbe, ms = peer.waitMs): Promise<{ names: string[]; parts: Buffer[] }> {
  const names: string[] = [];
  const parts: Buffer[] = [];
  for (;;) {
    const d = await peer.waitFor(`a user list (43)${parts.length ? `, part ${parts.length + 1}` : ""}`, isList, parts.length ? peer.waitMs : ms);
    const p = parse(d.bytes);
    if (!p) fail({ sent: peer.shownSent(), expected: "a 43 whose length field matches its size", got: hex(d.bytes) });
    const part = listNames(p.data);
    parts.push(d.bytes);
    names.push(...part.names);
    if (!part.more) return { names, parts };
  }
}

async function requestList(peer: DatagramProbe): Promise<string[]> {
  peer.send(datagram(Op.List));
  return (await nextList(peer)).names;
}

/** The address is still served after what it sent: LIST gets a list. */
async function stillServed(peer: DatagramProbe): Promise<void> {
  await requestList(peer);
}

/** A registered address sends `bytes`, gets the Error `text`, and is served on. */
function malformedCase(id: string, title: string, bytes: Buffer, text: string): CheckCase {
  return {
    id,
    title,
    clause: "docs/udp.md#malformed-datagrams",
    strict: true,
    async run(ctx) {
      const { peer } = await registered(ctx);
      peer.send(bytes);
      await expectError(peer, `for ${hex(bytes)}`, text);
      await stillServed(peer);
    },
  };
}

/**
 * A case: a PUBLIC and a PRIVATE (to another user) with `text` are each answered the
 * Error `error` (`shown` describes the text in a report); with `nobodyElse`, the other
 * user gets nothing.
 */
function badText(info: CaseInfo, t: { text: string; shown: string; error: string; nobodyElse: boolean }): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const [a, b] = await registeredAll(ctx, 2);
      a.peer.send(datagram(Op.Public, t.text));
      await expectError(a.peer, `${t.shown} PUBLIC`, t.error);
      a.peer.send(named(Op.Private, b.name, t.text));
      await expectError(a.peer, `${t.shown} PRIVATE`, t.error);
      if (t.nobodyElse) await expectNoReply(b.peer, "nothing for the others");
    },
  };
}

export const UDP_SERVER_CASES: readonly CheckCase[] = [
  // ---- registration (1) -------------------------------------------------------------------
  {
    id: "register.ok",
    title: "REGISTER with a free name is answered OK, the three bytes 00 00 00",
    clause: "seed 004 1.1, 1.2, 0.1",
    async run(ctx) {
      await registered(ctx);
    },
  },
  {
    id: "register.in-use",
    title: "REGISTER of a name another address holds is answered Error",
    clause: "seed 004 1.2 (username is already present), 0.2",
    async run(ctx) {
      const { name } = await registered(ctx);
      const other = await ctx.datagramPeer();
      other.send(datagram(Op.Register, name));
      await expectError(other, "the name is in use");
    },
  },
  {
    id: "register.in-use.any-case",
    title: "a name held in another letter case is in use: Error `name in use`",
    clause: "docs/wire.md (names compare case-insensitively); docs/udp.md#identity-and-registration",
    strict: true,
    async run(ctx) {
      const { name } = await registered(ctx, ctx.name("case"));
      const other = await ctx.datagramPeer();
      other.send(datagram(Op.Register, name.toUpperCase()));
      await expectError(other, "the name is in use", "name in use");
    },
  },
  {
    id: "register.invalid",
    title: "REGISTER with an empty name is answered Error",
    clause: "seed 004 1.2 (username is invalid)",
    async run(ctx) {
      const peer = await ctx.datagramPeer();
      peer.send(datagram(Op.Register, ""));
      await expectError(peer, "an empty name is invalid");
    },
  },
  {
    id: "register.name-rule",
    title: "names with a space, `!`, 33 characters, or `server` are refused with the documented Errors",
    clause: "docs/wire.md (names: 1-32 of A-Z a-z 0-9 _ - .; `server` reserved); docs/udp.md#identity-and-registration",
    strict: true,
    async run(ctx) {
      const rule = "invalid name: use 1-32 of A-Z a-z 0-9 _ - .";
      const cases: [string, string][] = [
        [`${ctx.name("sp", 10)} x`, rule],
        [`${ctx.name("bang", 10)}!`, rule],
        [ctx.name("long", 33).padEnd(33, "x"), rule],
        ["Server", "invalid name: reserved"],
      ];
      for (const [name, text] of cases) {
        const peer = await ctx.datagramPeer();
        peer.send(datagram(Op.Register, name));
        await expectError(peer, `REGISTER ${JSON.stringify(name)}`, text);
      }
    },
  },
  {
    id: "register.again",
    title: "REGISTER of the same name again from its address is answered OK again (the first OK may be lost)",
    clause: "docs/udp.md#identity-and-registration (decision)",
    strict: true,
    async run(ctx) {
      const { peer, name } = await registered(ctx);
      peer.send(datagram(Op.Register, name.toUpperCase()));
      await expectReply(peer, OK, "OK to the repeated REGISTER");
    },
  },
  {
    id: "register.other-name",
    title: "REGISTER of another name from a registered address is refused",
    clause: "docs/udp.md#identity-and-registration",
    strict: true,
    async run(ctx) {
      const { peer } = await registered(ctx);
      peer.send(datagram(Op.Register, ctx.name("second")));
      await expectError(peer, "a second name for one address", "already registered under another name; LOGOUT first");
    },
  },
  // ---- logout (2) -------------------------------------------------------------------------
  {
    id: "logout",
    title: "LOGOUT is answered OK and frees the name for another address",
    clause: "seed 004 2.1, 2.2",
    async run(ctx) {
      const { peer, name } = await registered(ctx);
      peer.send(datagram(Op.Logout));
      await expectReply(peer, OK, "OK to LOGOUT");
      await registered(ctx, name);
    },
  },
  // ---- information (3) ----------------------------------------------------------------------
  {
    id: "info",
    title: "INFO is answered 41 with the server's date and version",
    clause: "seed 004 3.1, 3.2",
    async run(ctx) {
      const { peer } = await registered(ctx);
      peer.send(datagram(Op.Info));
      const got = await reply(peer, "41 <length> <date and version>");
      const p = parse(got);
      if (!p || p.op !== Op.InfoReply || p.data.length === 0) fail({ sent: peer.shownSent(), expected: "41 <length> <date and version>", got: hex(got) });
    },
  },
  {
    id: "info.format",
    title: "the INFO reply is `<ISO-8601 UTC date> <name>/<version>`, also to an unregistered address",
    clause: "docs/udp.md#requests-of-a-registered-address; docs/udp.md",
    strict: true,
    async run(ctx) {
      const peer = await ctx.datagramPeer();
      peer.send(datagram(Op.Info));
      const got = await reply(peer, "41 <length> <date> <name>/<version>");
      const p = parse(got);
      const text = p?.data.toString("utf8") ?? "";
      if (!p || p.op !== Op.InfoReply || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \S+\/\S+$/.test(text)) {
        fail({ sent: peer.shownSent(), expected: "41 <length> 2026-01-01T00:00:00.000Z name/1.0", got: `${hex(got)} ${JSON.stringify(text)}` });
      }
    },
  },
  {
    id: "list",
    title: "LIST is answered 43 with the registered names separated by NUL",
    clause: "seed 004 3.3, 3.4",
    async run(ctx) {
      const [a, b] = await registeredAll(ctx, 2);
      const names = await requestList(a.peer);
      for (const n of [a.name, b.name]) {
        if (!names.includes(n)) fail({ sent: a.peer.shownSent(), expected: `a 43 listing ${a.name} and ${b.name}`, got: JSON.stringify(names) });
      }
      if (names.some((n) => n === "")) fail({ sent: a.peer.shownSent(), expected: "no empty name in the list", got: JSON.stringify(names) });
    },
  },
  listInJoinOrder({ id: "list.join-order", title: "the user list is in the order users joined", clause: "docs/udp.md#the-user-list-43", strict: true }, (ctx) => registered(ctx), async ({ peer }) => {
    const names = await requestList(peer);
    return { names, sent: peer.shownSent(), shown: JSON.stringify(names) };
  }),
  {
    id: "list.periodic",
    title: "a registered address gets the user list unasked within 30 s (slow: waits up to 33 s)",
    clause: "seed 004 3.4 (at regular intervals); docs/udp.md (every 30 s)",
    strict: true,
    timeoutMs: 36_000,
    async run(ctx) {
      const { peer, name } = await registered(ctx);
      const { names } = await nextList(peer, ctx.ms(33_000));
      if (!names.includes(name)) fail({ sent: peer.shownSent(), expected: `a 43 listing ${name}`, got: JSON.stringify(names) });
    },
  },
  {
    id: "list.split",
    title: "a list over 1200 bytes comes in datagrams of at most 1200 bytes, each but the last ending in NUL, no name split",
    clause: "docs/udp.md (43 datagrams at most 1200 bytes; NUL: more follows)",
    strict: true,
    async run(ctx) {
      const users = [];
      for (let i = 0; i < 40; i++) users.push(await registered(ctx, ctx.name("list", 32).padEnd(32, "x")));
      const peer = users[0]!.peer;
      peer.send(datagram(Op.List));
      const { names, parts } = await nextList(peer);
      const big = parts.find((p) => p.length > 1200);
      if (big) fail({ sent: peer.shownSent(), expected: "43 datagrams of at most 1200 bytes", got: `one of ${big.length} bytes` });
      if (parts.length < 2) fail({ sent: peer.shownSent(), expected: "the list in several 43 datagrams", got: `one of ${parts[0]!.length} bytes` });
      const missing = users.filter((u) => !names.includes(u.name));
      if (missing.length > 0) fail({ sent: peer.shownSent(), expected: "every name whole in one of the parts", got: `${missing.length} names missing or split; got ${JSON.stringify(names)}` });
    },
  },
  // ---- messages (4, 5) ----------------------------------------------------------------------
  {
    id: "public",
    title: "PUBLIC reaches every registered user, the sender included, as 21 <sender> NUL <message>",
    clause: "seed 004 4.1, 4.2",
    async run(ctx) {
      const users = await registeredAll(ctx, 3);
      const [a] = users;
      a!.peer.send(datagram(Op.Public, "hello, everyone"));
      const want = named(Op.PublicMessage, a!.name, "hello, everyone");
      for (const u of users) await expectReply(u.peer, want, `the public message, to ${u.name}`);
    },
  },
  {
    id: "private",
    title: "PRIVATE reaches its receiver as 23 <sender> NUL <message>; the sender gets OK",
    clause: "seed 004 5.1, 5.2",
    async run(ctx) {
      const [a, b, c] = await registeredAll(ctx, 3);
      a.peer.send(named(Op.Private, b.name, "just for you"));
      await expectReply(b.peer, named(Op.PrivateMessage, a.name, "just for you"), `the private message, to ${b.name}`);
      await expectReply(a.peer, OK, "OK to the sender");
      await expectNoReply(c.peer, "nothing for a third user");
    },
  },
  {
    id: "private.unknown",
    title: "PRIVATE to a name nobody holds is answered Error",
    clause: "seed 004 5.2 (destination user wasn't found)",
    async run(ctx) {
      const { peer } = await registered(ctx);
      peer.send(named(Op.Private, ctx.name("nobody"), "anyone?"));
      await expectError(peer, "no such user");
    },
  },
  {
    id: "private.any-case",
    title: "PRIVATE to a name in another letter case reaches its holder",
    clause: "docs/wire.md (names compare case-insensitively)",
    strict: true,
    async run(ctx) {
      const a = await registered(ctx);
      const b = await registered(ctx, ctx.name("mixed"));
      a.peer.send(named(Op.Private, b.name.toUpperCase(), "any case"));
      await expectReply(b.peer, named(Op.PrivateMessage, a.name, "any case"), "the private message");
      await expectReply(a.peer, OK, "OK to the sender");
    },
  },
  badText(
    { id: "message.empty", title: "an empty PUBLIC or PRIVATE text is answered Error `empty message` and sent to nobody", clause: "docs/udp.md#requests-of-a-registered-address", strict: true },
    { text: "", shown: "an empty", error: "empty message", nobodyElse: true },
  ),
  badText(
    { id: "message.too-long", title: "a text over 4096 bytes is answered Error `message too long`", clause: "docs/wire.md (message text 4096 bytes); docs/udp.md#requests-of-a-registered-address", strict: true },
    { text: "x".repeat(4097), shown: "a 4097-byte", error: "message too long", nobodyElse: false },
  ),
  // ---- malformed datagrams ------------------------------------------------------------------
  malformedCase("malformed.short", "a datagram shorter than 3 bytes gets one Error, and the address is served on", Buffer.from([Op.List, 0]), "malformed: shorter than the 3-byte header"),
  malformedCase(
    "malformed.length",
    "a length field that disagrees with the datagram's size gets one Error",
    Buffer.concat([datagram(Op.Public, "abc").subarray(0, 3), Buffer.from("abcdef")]),
    "malformed: length disagrees with datagram size",
  ),
  malformedCase("malformed.unknown-opcode", "an opcode not in the RFC gets Error `unknown opcode`", Buffer.from([99, 0, 0]), "unknown opcode"),
  malformedCase("malformed.server-opcode", "a server's opcode (OK) from a client gets Error `unexpected opcode from a client`", Buffer.from(OK), "unexpected opcode from a client"),
  malformedCase("malformed.data-after", "LIST with data gets Error `malformed: this opcode takes no data`", datagram(Op.List, "x"), "malformed: this opcode takes no data"),
  malformedCase("malformed.no-nul", "PRIVATE without NUL after the name gets Error `malformed: no NUL after the name`", datagram(Op.Private, "nobody-hears"), "malformed: no NUL after the name"),
  // ---- anti-abuse (docs/udp.md) -----------------------------------------------------------------
  {
    id: "unregistered.silent",
    title: "an unregistered address gets nothing for LIST, PUBLIC, PRIVATE or LOGOUT, and they do nothing",
    clause: "docs/udp.md (only REGISTER and INFO are answered to an unregistered address)",
    strict: true,
    async run(ctx) {
      const b = await registered(ctx);
      const stranger = await ctx.datagramPeer();
      stranger.send(datagram(Op.List));
      stranger.send(datagram(Op.Public, "spoofed"));
      stranger.send(named(Op.Private, b.name, "spoofed"));
      stranger.send(datagram(Op.Logout));
      await expectNoReply(stranger, "no reply to an unregistered address");
      await expectNoReply(b.peer, "no message from an unregistered address", 1);
      stranger.send(datagram(Op.Info));
      await reply(stranger, "41 (INFO is answered, so the server is there)");
    },
  },
  {
    id: "unregistered.limit",
    title: "an unregistered address gets at most 5 replies a second, none over 64 bytes",
    clause: "docs/udp.md (anti-abuse)",
    strict: true,
    async run(ctx) {
      const stranger = await ctx.datagramPeer();
      for (let i = 0; i < 10; i++) stranger.send(datagram(Op.Info));
      const first = await reply(stranger, "41 to the first INFO");
      const got = [first];
      await sleep(500);
      for (;;) {
        const more = await stranger.waitFor("", (d) => !isList(d), 1).then(
          (d) => d.bytes,
          () => undefined,
        );
        if (!more) break;
        got.push(more);
      }
      if (got.length > 5) fail({ sent: `10 × ${hex(datagram(Op.Info))} at once`, expected: "at most 5 replies within a second", got: `${got.length} replies` });
      const big = got.find((b) => b.length > 64);
      if (big) fail({ sent: stranger.shownSent(), expected: "no reply over 64 bytes to an unregistered address", got: `${big.length} bytes: ${hex(big)}` });
    },
  },
  // ---- liveness (docs/wire.md, docs/udp.md) --------------------------------------------------------------
  {
    id: "idle.logout",
    title: "an address silent for 90 s is logged out (slow: waits up to 95 s)",
    clause: "docs/wire.md, docs/udp.md (an address silent for 90 s is logged out)",
    strict: true,
    timeoutMs: 100_000,
    async run(ctx) {
      const [silent, watcher] = await registeredAll(ctx, 2);
      const deadline = Date.now() + ctx.ms(95_000);
      // The watcher asks often enough to stay alive itself.
      for (;;) {
        const names = await requestList(watcher.peer);
        if (!names.includes(silent.name)) return;
        if (Date.now() > deadline) fail({ sent: "(nothing from the silent address)", expected: `${silent.name} gone from the list within 90 s`, got: JSON.stringify(names) });
        await sleep(250);
      }
    },
  },
];
