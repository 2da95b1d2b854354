/**
 * The lab server, checked over TCP: seed 001's PR/UR/TR requirements and docs/lab.md.
 * Every expectation is written out as bytes here, not produced by Switchboard's own
 * codec, so a bug shared by our codec and our server cannot hide.
 *
 * Refused logins are few on purpose (Switchboard, like other servers, slows an address
 * that has many refused in a minute), and no case waits for a name to be refused.
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import type { CheckContext } from "../../context.js";
import type { StreamProbe } from "../../probe/stream-probe.js";
import { sleep } from "../../probe/stream-probe.js";
import { fail, skip } from "../../verdict.js";
import { closedWhenUnresponsive, listInJoinOrder } from "../common.js";

/** A user logged in as `name` (HELLO-FROM answered by HELLO). */
export async function loggedIn(ctx: CheckContext, name = ctx.name("u")): Promise<{ probe: StreamProbe; name: string }> {
  const probe = await ctx.connect();
  probe.send(`HELLO-FROM ${name}\n`);
  await probe.expectLine(`HELLO ${name}`);
  return { probe, name };
}

/** `n` users logged in, one after another, each under a fresh name. */
async function loggedInAll(ctx: CheckContext, n: number): Promise<{ probe: StreamProbe; name: string }[]> {
  const users = [];
  for (let i = 0; i < n; i++) users.push(await loggedIn(ctx));
  return users;
}

/** The names of a LIST-OK line, which must come next. */
async function listNames(probe: StreamProbe): Promise<string[]> {
  probe.send("LIST\n");
  const line = await probe.expectLine(/^LIST-OK \S+$/);
  return line.slice("LIST-OK ".length).split(",");
}

/** `request` on a new connection is answered `reply`, then the server closes the connection. */
async function answeredThenClosed(ctx: CheckContext, request: string, reply: string): Promise<void> {
  const probe = await ctx.connect();
  probe.send(request);
  await probe.expectLine(reply);
  await probe.expectClosed(`the connection closed after ${reply}`);
}

/** A HELLO-FROM on a new connection is refused with `reply`, then the server closes it. */
function refused(ctx: CheckContext, name: string, reply: string): Promise<void> {
  return answeredThenClosed(ctx, `HELLO-FROM ${name}\n`, reply);
}

/** A case: HELLO-FROM with each of the names `names` makes (a new connection each) is answered BAD-RQST-BODY, then closed. */
function badNames(info: CaseInfo, names: (ctx: CheckContext) => readonly string[]): CheckCase {
  return {
    ...info,
    async run(ctx) {
      for (const name of names(ctx)) await refused(ctx, name, "BAD-RQST-BODY");
    },
  };
}

/** A case: a logged-in user's `request` is answered `reply`, and the session goes on. */
function answeredThenServed(info: CaseInfo, request: (ctx: CheckContext, name: string) => string | Uint8Array, reply: string): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      probe.send(request(ctx, name));
      await probe.expectLine(reply);
      await stillServed(probe);
    },
  };
}

/** `probe` is still served: a LIST is answered LIST-OK. */
async function stillServed(probe: StreamProbe): Promise<void> {
  await listNames(probe);
}

/** Poll LIST on `watcher` until none of `names` is listed (a user that left is gone), within `ms`. */
async function untilUnlisted(watcher: StreamProbe, names: readonly string[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const listed = await listNames(watcher);
    const left = names.filter((n) => listed.includes(n));
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      fail({ sent: watcher.shownSent(), expected: `LIST-OK without ${left.join(",")} (they disconnected)`, got: `LIST-OK ${listed.join(",")} after ${ms} ms` });
    }
    await sleep(50);
  }
}

/**
 * `count` users logged in at once, stopping at the first refusal (returned as `refusal`).
 * With `busyGraceMs`, a BUSY is tried again for that long: users of the case before may
 * still be leaving.
 */
async function fill(
  ctx: CheckContext,
  count: number,
  busyGraceMs = 0,
): Promise<{ users: { probe: StreamProbe; name: string }[]; refusal?: { probe: StreamProbe; line: string } }> {
  const users: { probe: StreamProbe; name: string }[] = [];
  const graceEnds = Date.now() + busyGraceMs;
  while (users.length < count) {
    const name = ctx.name("t");
    const probe = await ctx.connect();
    probe.send(`HELLO-FROM ${name}\n`);
    const line = await probe.line(`HELLO ${name} (user ${users.length + 1} of ${count})`);
    if (line === `HELLO ${name}`) users.push({ probe, name });
    else if (line === "BUSY" && Date.now() < graceEnds) await sleep(100);
    else return { users, refusal: { probe, line } };
  }
  return { users };
}

/**
 * Everyone sent to the next in a ring at once: each must get, in either order (they
 * race), the DELIVERY from the one before and the SEND-OK for its own message.
 */
async function expectRing(users: readonly { probe: StreamProbe; name: string }[], text: (i: number) => string): Promise<void> {
  for (const [i, u] of users.entries()) {
    const k = (i + users.length - 1) % users.length;
    const want = [`DELIVERY ${users[k]!.name} ${text(k)}`, "SEND-OK"];
    const got = [await u.probe.line(want.map((w) => JSON.stringify(w + "\n")).join(" and ")), await u.probe.line(want.map((w) => JSON.stringify(w + "\n")).join(" and "))];
    if ([...got].sort().join("\n") !== [...want].sort().join("\n")) {
      fail({ sent: u.probe.shownSent(), expected: `${want.map((w) => JSON.stringify(w + "\n")).join(" and ")}, in either order`, got: got.map((g) => JSON.stringify(g + "\n")).join(" then ") });
    }
  }
}

/**
 * The framing cases' script on a new connection (a fresh name from `base`): its requests
 * go out as `send` writes them, and must get their replies, in order.
 */
async function framingScript(ctx: CheckContext, base: string, send: (probe: StreamProbe, requests: string) => void | Promise<void>): Promise<void> {
  const probe = await ctx.connect();
  const name = ctx.name(base);
  await send(probe, `HELLO-FROM ${name}\nLIST\nSEND ${name} split up, still one line\nNO-SUCH-HEADER\n`);
  for (const r of [`HELLO ${name}`, `LIST-OK`, `DELIVERY ${name} split up, still one line`, "SEND-OK", "BAD-RQST-HDR"]) {
    if (r === "LIST-OK") {
      const line = await probe.expectLine(/^LIST-OK \S+$/);
      if (!line.slice(8).split(",").includes(name)) fail({ sent: probe.shownSent(), expected: `LIST-OK listing ${name}`, got: JSON.stringify(line) });
    } else {
      await probe.expectLine(r);
    }
  }
}

export const LAB_SERVER_CASES: readonly CheckCase[] = [
  // ---- logging in ---------------------------------------------------------------------
  {
    id: "login.ok",
    title: "HELLO-FROM with a free name is answered HELLO <name>",
    clause: "seed 001 PR2, PR3",
    async run(ctx) {
      await loggedIn(ctx);
    },
  },
  {
    id: "login.in-use",
    title: "HELLO-FROM with a name online is answered IN-USE, then the connection closes",
    clause: "seed 001 PR5",
    async run(ctx) {
      const { name } = await loggedIn(ctx);
      await refused(ctx, name, "IN-USE");
    },
  },
  {
    id: "login.in-use.any-case",
    title: "a name online in another letter case is in use (IN-USE, then close)",
    clause: "docs/wire.md (names compare case-insensitively); docs/lab.md PR5",
    strict: true,
    async run(ctx) {
      const { name } = await loggedIn(ctx, ctx.name("case"));
      await refused(ctx, name.toUpperCase(), "IN-USE");
    },
  },
  badNames({ id: "login.bad-name.space", title: "a name with a space is answered BAD-RQST-BODY, then the connection closes", clause: "seed 001 UR1, PR4" }, (ctx) => [`${ctx.name("sp", 10)} x`]),
  badNames({ id: "login.bad-name.comma", title: "a name with a comma is answered BAD-RQST-BODY, then the connection closes", clause: "seed 001 UR2, PR4" }, (ctx) => [`${ctx.name("cm", 10)},x`]),
  badNames(
    {
      id: "login.bad-name.rule",
      title: "an empty name, a 33-character name and one with `!` are answered BAD-RQST-BODY, then close",
      clause: "docs/wire.md (names: 1-32 of A-Z a-z 0-9 _ - .); docs/lab.md PR4",
      strict: true,
    },
    (ctx) => ["", ctx.name("long", 33).padEnd(33, "x"), `${ctx.name("bang", 10)}!`],
  ),
  badNames({ id: "login.bad-name.reserved", title: "the reserved name `server` (any case) is answered BAD-RQST-BODY, then close", clause: "docs/wire.md (`server` is reserved); docs/lab.md PR4", strict: true }, () => ["Server"]),
  answeredThenServed({ id: "login.twice", title: "HELLO-FROM after logging in is answered BAD-RQST-HDR, and the session goes on", clause: "seed 001 PR6" }, (ctx) => `HELLO-FROM ${ctx.name("again")}\n`, "BAD-RQST-HDR"),
  {
    id: "login.required.list",
    title: "LIST before logging in is answered BAD-RQST-HDR, then the connection closes",
    clause: "seed 001 PR7",
    async run(ctx) {
      await answeredThenClosed(ctx, "LIST\n", "BAD-RQST-HDR");
    },
  },
  {
    id: "login.required.send",
    title: "SEND before logging in is answered BAD-RQST-HDR, then the connection closes (nothing is delivered)",
    clause: "seed 001 PR7",
    async run(ctx) {
      const { probe: target, name } = await loggedIn(ctx);
      await answeredThenClosed(ctx, `SEND ${name} not logged in\n`, "BAD-RQST-HDR");
      await target.expectNothing("no DELIVERY from a connection that never logged in");
    },
  },
  {
    id: "login.busy",
    title: "HELLO-FROM when the server is full is answered BUSY, then the connection closes",
    clause: "seed 001 PR15",
    async run(ctx) {
      // Log in until the server says it is full; a server that takes this many has room
      // for more than a check should hold (and 64 is a common per-address limit).
      const most = 60;
      const { users, refusal } = await fill(ctx, most);
      if (!refusal) skip(`the server took ${most} users without BUSY: start it with a small user limit (e.g. --max-users 16) to check PR15`);
      if (refusal.line !== "BUSY") fail({ sent: refusal.probe.shownSent(), expected: `"BUSY\\n" (user ${users.length + 1} when full)`, got: JSON.stringify(refusal.line + "\n") });
      await refusal.probe.expectClosed("the connection closed after BUSY");
      // Leave no one behind for the next case: the server must see them go (TR3).
      for (const u of users.slice(1)) u.probe.close();
      await untilUnlisted(users[0]!.probe, users.slice(1).map((u) => u.name), ctx.ms(3000));
      users[0]!.probe.close();
      await untilUnlisted((await loggedIn(ctx)).probe, [users[0]!.name], ctx.ms(3000));
    },
  },
  // ---- LIST -----------------------------------------------------------------------------
  {
    id: "list.ok",
    title: "LIST is answered LIST-OK with the caller in it",
    clause: "seed 001 PR8, PR9",
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      const names = await listNames(probe);
      if (!names.includes(name)) fail({ sent: probe.shownSent(), expected: `LIST-OK listing ${name}`, got: `LIST-OK ${names.join(",")}` });
    },
  },
  {
    id: "list.exact",
    title: "LIST-OK is a comma-separated list: each user online exactly once, no spaces, no empty names",
    clause: "seed 001 PR9, UR1, UR2",
    async run(ctx) {
      const users = await loggedInAll(ctx, 3);
      const probe = users[1]!.probe;
      const names = await listNames(probe);
      const shown = `LIST-OK ${names.join(",")}`;
      for (const u of users) {
        const n = names.filter((x) => x === u.name).length;
        if (n !== 1) fail({ sent: probe.shownSent(), expected: `LIST-OK listing ${u.name} once`, got: `${shown} (${n} times)` });
      }
      if (names.some((n) => n === "")) fail({ sent: probe.shownSent(), expected: "no empty name between commas", got: shown });
      if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) fail({ sent: probe.shownSent(), expected: "no name twice", got: shown });
    },
  },
  listInJoinOrder({ id: "list.join-order", title: "LIST-OK lists users in the order they logged in", clause: "docs/lab.md#lines (LIST-OK in join order)", strict: true }, loggedIn, async ({ probe }) => {
    const names = await listNames(probe);
    return { names, sent: probe.shownSent(), shown: `LIST-OK ${names.join(",")}` };
  }),
  answeredThenServed({ id: "list.with-body", title: "LIST with a body is answered BAD-RQST-BODY, and the session goes on", clause: "docs/lab.md PR17", strict: true }, () => "LIST everyone\n", "BAD-RQST-BODY"),
  // ---- SEND -----------------------------------------------------------------------------
  {
    id: "send.other",
    title: "SEND to another user: DELIVERY <from> <message> to them, SEND-OK to the sender",
    clause: "seed 001 PR10, PR11",
    async run(ctx) {
      const [a, b] = await loggedInAll(ctx, 2);
      a.probe.send(`SEND ${b.name} hello, how are you?\n`);
      await b.probe.expectLine(`DELIVERY ${a.name} hello, how are you?`);
      await a.probe.expectLine("SEND-OK");
      await a.probe.expectNothing("nothing more for the sender (its message is not echoed)");
    },
  },
  {
    id: "send.self",
    title: "SEND to oneself: DELIVERY, then SEND-OK",
    clause: "seed 001 PR10-PR12",
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      probe.send(`SEND ${name} hello there\n`);
      await probe.expectLine(`DELIVERY ${name} hello there`);
      await probe.expectLine("SEND-OK");
    },
  },
  {
    id: "send.many-users",
    title: "three users message each other: every DELIVERY reaches only its recipient, from the right sender",
    clause: "seed 001 PR10, PR11; TR2",
    async run(ctx) {
      const users = await loggedInAll(ctx, 3);
      const text = (i: number) => `message ${i} for ${users[(i + 1) % users.length]!.name}`;
      for (const [i, from] of users.entries()) from.probe.send(`SEND ${users[(i + 1) % users.length]!.name} ${text(i)}\n`);
      await expectRing(users, text);
      for (const u of users) await u.probe.expectNothing("nothing more", 100);
    },
  },
  {
    id: "send.utf8",
    title: "a UTF-8 message arrives byte for byte",
    clause: "docs/wire.md (text is UTF-8); docs/lab.md#lines",
    strict: true,
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      probe.send(`SEND ${name} héllo wörld ✓ 😀\n`);
      await probe.expectBytes(Buffer.from(`DELIVERY ${name} héllo wörld ✓ 😀\nSEND-OK\n`, "utf8"));
    },
  },
  {
    id: "send.any-case",
    title: "SEND to a user's name in another letter case reaches them",
    clause: "docs/wire.md (names compare case-insensitively)",
    strict: true,
    async run(ctx) {
      const a = await loggedIn(ctx);
      const b = await loggedIn(ctx, ctx.name("mixed"));
      a.probe.send(`SEND ${b.name.toUpperCase()} any case\n`);
      await b.probe.expectLine(`DELIVERY ${a.name} any case`);
      await a.probe.expectLine("SEND-OK");
    },
  },
  {
    id: "send.offline",
    title: "SEND to a name not logged in is answered BAD-DEST-USER, and never SEND-OK",
    clause: "seed 001 PR13, PR14",
    async run(ctx) {
      const { probe } = await loggedIn(ctx);
      probe.send(`SEND ${ctx.name("nobody")} are you there?\n`);
      await probe.expectLine("BAD-DEST-USER");
      await probe.expectNothing("no SEND-OK after BAD-DEST-USER");
    },
  },
  answeredThenServed({ id: "send.no-message", title: "SEND without a message is answered BAD-RQST-BODY, and the session goes on", clause: "seed 001 PR17" }, (_, name) => `SEND ${name}\n`, "BAD-RQST-BODY"),
  answeredThenServed(
    {
      id: "send.empty-message",
      title: "SEND with an empty message is BAD-RQST-BODY, checked before the destination",
      clause: "docs/lab.md (an empty message is a bad body, checked before the destination)",
      strict: true,
    },
    (ctx) => `SEND ${ctx.name("nobody")} \n`,
    "BAD-RQST-BODY",
  ),
  {
    id: "send.too-long",
    title: "a 4096-byte message is delivered; a 4097-byte one is BAD-RQST-BODY",
    clause: "docs/wire.md (message text 4096 bytes); docs/lab.md PR17",
    strict: true,
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      const longest = "m".repeat(4096);
      probe.send(`SEND ${name} ${longest}\n`);
      await probe.expectLine(`DELIVERY ${name} ${longest}`);
      await probe.expectLine("SEND-OK");
      probe.send(`SEND ${name} ${longest}x\n`);
      await probe.expectLine("BAD-RQST-BODY");
      await stillServed(probe);
    },
  },
  // ---- headers --------------------------------------------------------------------------
  answeredThenServed({ id: "header.unknown", title: "an unknown header after logging in is answered BAD-RQST-HDR, and the session goes on", clause: "seed 001 PR16" }, () => "WHO-IS-THERE now\n", "BAD-RQST-HDR"),
  answeredThenServed({ id: "header.case-sensitive", title: "headers are case-sensitive: `list` is answered BAD-RQST-HDR", clause: "docs/lab.md PR16", strict: true }, () => "list\n", "BAD-RQST-HDR"),
  answeredThenServed({ id: "header.empty-line", title: "an empty line is answered BAD-RQST-HDR, and the session goes on", clause: "docs/lab.md PR16", strict: true }, () => "\n", "BAD-RQST-HDR"),
  // ---- framing --------------------------------------------------------------------------
  {
    id: "framing.byte-at-a-time",
    title: "requests written one byte at a time are understood",
    clause: "seed 001 PR1 (a request is a line, however it arrives)",
    async run(ctx) {
      await framingScript(ctx, "b", (probe, requests) => probe.sendInPieces(requests, 1, 1));
    },
  },
  {
    id: "framing.split",
    title: "requests split at arbitrary points (pieces of 3 and 7 bytes) are understood",
    clause: "seed 001 PR1 (a request is a line, however it arrives)",
    async run(ctx) {
      for (const size of [3, 7]) await framingScript(ctx, "s", (probe, requests) => probe.sendInPieces(requests, size, 3));
    },
  },
  {
    id: "framing.pipelined",
    title: "several requests in one write are each answered, in order",
    clause: "seed 001 PR1; docs/lab.md (pipelining)",
    async run(ctx) {
      await framingScript(ctx, "p", (probe, requests) => probe.send(requests));
    },
  },
  {
    id: "framing.crlf",
    title: "lines ending in \\r\\n work as lines ending in \\n",
    clause: "docs/lab.md (`\\r\\n` accepted); docs/lab.md#lines",
    strict: true,
    async run(ctx) {
      const probe = await ctx.connect();
      const name = ctx.name("cr");
      probe.send(`HELLO-FROM ${name}\r\nSEND ${name} crlf\r\n`);
      await probe.expectLine(`HELLO ${name}`);
      await probe.expectLine(`DELIVERY ${name} crlf`);
      await probe.expectLine("SEND-OK");
    },
  },
  {
    id: "framing.oversized-line",
    title: "a line over 64 KiB is answered BAD-RQST-BODY once, the rest dropped; the next line is served",
    clause: "docs/wire.md (one frame 64 KiB); docs/lab.md PR17",
    strict: true,
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      probe.send(`SEND ${name} ${"o".repeat(70 * 1024)}\nLIST\n`);
      await probe.expectLine("BAD-RQST-BODY");
      const line = await probe.expectLine(/^LIST-OK \S+$/);
      if (!line.slice(8).split(",").includes(name)) fail({ sent: "(a 70 KiB SEND line, then LIST)", expected: `LIST-OK listing ${name}`, got: JSON.stringify(line) });
      await probe.expectNothing("nothing more (no DELIVERY of the dropped line)");
    },
  },
  answeredThenServed(
    { id: "framing.bad-utf8", title: "a line that is not UTF-8 is answered BAD-RQST-BODY, and the session goes on", clause: "docs/wire.md (text is UTF-8); docs/lab.md PR17", strict: true },
    (_, name) => Buffer.concat([Buffer.from(`SEND ${name} bad `), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from("\n")]),
    "BAD-RQST-BODY",
  ),
  // ---- technical requirements -----------------------------------------------------------
  {
    id: "tr1.sixteen-users",
    title: "16 users are online at once: all are listed, and each reaches the next",
    clause: "seed 001 TR1, TR2",
    async run(ctx) {
      const { users, refusal } = await fill(ctx, 16, ctx.ms(2000));
      if (refusal) fail({ sent: refusal.probe.shownSent(), expected: `HELLO for user ${users.length + 1} of 16`, got: JSON.stringify(refusal.line + "\n") });
      const names = await listNames(users[0]!.probe);
      const missing = users.filter((u) => !names.includes(u.name)).map((u) => u.name);
      if (missing.length > 0) fail({ sent: users[0]!.probe.shownSent(), expected: `LIST-OK listing all 16 (missing ${missing.join(",")})`, got: `LIST-OK ${names.join(",")}` });
      for (const [i, u] of users.entries()) u.probe.send(`SEND ${users[(i + 1) % 16]!.name} ring ${i}\n`);
      await expectRing(users, (i) => `ring ${i}`);
    },
  },
  {
    id: "tr3.disconnect",
    title: "a user that disconnects leaves LIST-OK and its name is free again",
    clause: "seed 001 TR3",
    async run(ctx) {
      const [watcher, leaver] = await loggedInAll(ctx, 2);
      if (!(await listNames(watcher.probe)).includes(leaver.name)) fail({ sent: watcher.probe.shownSent(), expected: `LIST-OK listing ${leaver.name}`, got: "not listed" });
      leaver.probe.close();
      await untilUnlisted(watcher.probe, [leaver.name], ctx.ms(2000));
      await loggedIn(ctx, leaver.name);
    },
  },
  // ---- unresponsive clients (docs/wire.md) -------------------------------------------------
  closedWhenUnresponsive(
    { id: "idle.login-timeout", title: "a connection that does not log in within 10 s is closed (slow: waits up to 12 s)", clause: "docs/wire.md (Unresponsive clients: 10 s to log in)", strict: true, timeoutMs: 15_000 },
    (ctx) => ctx.connect(),
    "the server closed a connection that never logged in",
    (ctx) => ctx.ms(12_000),
  ),
  closedWhenUnresponsive(
    { id: "idle.stalled-line", title: "a line left incomplete for 30 s gets the connection closed (slow: waits up to 33 s)", clause: "docs/wire.md (Unresponsive clients: a frame incomplete for 30 s)", strict: true, timeoutMs: 36_000 },
    async (ctx) => {
      const { probe } = await loggedIn(ctx);
      probe.send("LIST");
      return probe;
    },
    "the server closed a connection whose line stayed incomplete",
    (ctx) => ctx.ms(33_000),
  ),
];
