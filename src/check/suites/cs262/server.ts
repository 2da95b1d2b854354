/**
 * The cs262 server, checked over TCP in the numbering asked for (`--wire-version 0|1`,
 * docs/cs262.md#frames): seed 002's frame and commands, and docs/cs262.md. The seed gives the
 * commands and the RESPONSE's "(optional) error message" but no numbers, words or
 * limits: what it describes runs by default (in either numbering, as docs/cs262.md#frames answers
 * it); Switchboard's error strings, name rules, limits and timeouts are `strict`.
 * Accounts persist on the server, so every case creates accounts of fresh names.
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import type { CheckContext } from "../../context.js";
import { sleep } from "../../probe/stream-probe.js";
import { fail } from "../../verdict.js";
import { closedWhenUnresponsive } from "../common.js";
import { account, connection, type Cs262Peer } from "./peer.js";
import { commandByte, frame, frameOf, header, HEADER_BYTES, type Version } from "./wire.js";

const SEED = "seed 002";
const DOC = "docs/cs262.md";

/** The names must contain these; and nothing outside the pattern. */
function expectListed(peer: Cs262Peer, what: string, names: readonly string[], want: readonly string[], unwanted: readonly string[] = []): void {
  const lower = names.map((n) => n.toLowerCase());
  const missing = want.filter((n) => !lower.includes(n.toLowerCase()));
  const extra = unwanted.filter((n) => lower.includes(n.toLowerCase()));
  if (missing.length || extra.length) {
    fail({ sent: peer.probe.shownSent(), expected: `${what}: names including ${want.join(", ")}${unwanted.length ? `, not ${unwanted.join(", ")}` : ""}`, got: `LISTRESPONSE ${JSON.stringify(names.join("|||"))}` });
  }
}

/** The server closes the connection (after the answer a case has read). */
const closes = (peer: Cs262Peer, why: string) => peer.probe.expectClosed(`the connection closed after ${why}`);

/**
 * A case: what a new connection sends (`bytes`, in this run's numbering; `what` names it)
 * is answered RESPONSE with the error `text`; with `closes`, the server then closes the connection.
 */
function errorAnswer(info: CaseInfo, a: { bytes: (v: Version) => Buffer; what: string; text: string; closes?: true }): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const peer = await connection(ctx);
      peer.probe.send(a.bytes(peer.version));
      await peer.expectError(a.what, a.text);
      if (a.closes) await closes(peer, a.text);
    },
  };
}

/**
 * A case: a new connection's CREATE of a fresh name (from `base`), and with `list` a LIST
 * of it, written in pieces of `size` bytes, are read whole: CREATE succeeds (`how` the
 * bytes were sent, for a report), and the LIST names the account.
 */
function inPieces(info: CaseInfo, p: { base: string; size: number; how: string; list: boolean }): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const peer = await connection(ctx);
      const name = ctx.name(p.base);
      const frames = [frame(peer.version, "CREATE", [name]), ...(p.list ? [frame(peer.version, "LIST", [name])] : [])];
      await peer.probe.sendInPieces(Buffer.concat(frames), p.size, 1);
      await peer.expectOk(`CREATE ${name}, ${p.how}`);
      if (p.list) expectListed(peer, `LIST ${name}`, await peer.listed(`LIST ${name}`), [name]);
    },
  };
}

/**
 * `texts` sent (each confirmed) to an account whose owner has gone offline, and the owner
 * logged in again on a new connection: `again`; `an` the sender's name, `bn` the owner's.
 */
async function keptWhileAway(ctx: CheckContext, texts: readonly string[]): Promise<{ again: Cs262Peer; an: string; bn: string }> {
  const { peer: b, name: bn } = await account(ctx, "b");
  b.probe.close();
  await sleep(50);
  const { peer: a, name: an } = await account(ctx, "a");
  for (const text of texts) await a.sendOk(an, bn, text);
  const again = await connection(ctx);
  again.request("LOGIN", [bn]);
  await again.expectOk(`LOGIN ${bn}`);
  return { again, an, bn };
}

/** A new account, deleted again (DELETE answered, in version 1) on the connection that created it. */
async function deleted(ctx: CheckContext): Promise<{ peer: Cs262Peer; name: string }> {
  const created = await account(ctx);
  created.peer.request("DELETE");
  if (created.peer.version === 1) await created.peer.expectOk("DELETE");
  return created;
}

export const CS262_SERVER_CASES: readonly CheckCase[] = [
  // ---- accounts ------------------------------------------------------------------------
  {
    id: "create.ok",
    title: "CREATE <name> creates an account and is answered RESPONSE with no error",
    clause: `${SEED} Commands (CREATE, RESPONSE)`,
    async run(ctx) {
      await account(ctx);
    },
  },
  {
    id: "create.exists",
    title: "CREATE of an existing account is answered RESPONSE with an error",
    clause: `${SEED} Commands (RESPONSE: "(optional) error message")`,
    async run(ctx) {
      const { name } = await account(ctx);
      const other = await connection(ctx);
      other.request("CREATE", [name]);
      await other.expectError(`CREATE of the existing account ${name}`);
    },
  },
  {
    id: "create.errors",
    title: `CREATE errors read "account exists" (in any case), "invalid name: ...", "invalid name: reserved"`,
    clause: `${DOC}#answers; docs/wire.md#names`,
    strict: true,
    async run(ctx) {
      const { name } = await account(ctx);
      const other = await connection(ctx);
      other.request("CREATE", [name.toUpperCase()]);
      await other.expectError(`CREATE ${name.toUpperCase()}`, "account exists");
      other.request("CREATE", ["has space"]);
      await other.expectError(`CREATE "has space"`, "invalid name: use 1-32 of A-Z a-z 0-9 _ - .");
      other.request("CREATE", ["server"]);
      await other.expectError(`CREATE server`, "invalid name: reserved");
    },
  },
  {
    id: "login.ok",
    title: "LOGIN to an account from a new connection is answered RESPONSE with no error",
    clause: `${SEED} Commands (LOGIN)`,
    async run(ctx) {
      const { peer, name } = await account(ctx);
      peer.probe.close();
      await peer.probe.closed;
      await sleep(50); // the server sees the close too
      const again = await connection(ctx);
      again.request("LOGIN", [name]);
      await again.expectOk(`LOGIN ${name}`);
    },
  },
  {
    id: "login.no-account",
    title: "LOGIN to an account that does not exist is answered RESPONSE with an error",
    clause: `${SEED} Commands (LOGIN, RESPONSE)`,
    async run(ctx) {
      const peer = await connection(ctx);
      const name = ctx.name("none");
      peer.request("LOGIN", [name]);
      await peer.expectError(`LOGIN ${name}, no such account`);
    },
  },
  {
    id: "login.errors",
    title: `LOGIN errors read "no such account", "account is logged in elsewhere", "already logged in"`,
    clause: `${DOC}#answers`,
    strict: true,
    async run(ctx) {
      const { peer, name } = await account(ctx);
      const other = await connection(ctx);
      other.request("LOGIN", [name]);
      await other.expectError(`LOGIN ${name} while it is online`, "account is logged in elsewhere");
      other.request("LOGIN", [`${name}x`]);
      await other.expectError(`LOGIN ${name}x`, "no such account");
      peer.request("LOGIN", [name]);
      await peer.expectError(`LOGIN on a logged-in connection`, "already logged in");
    },
  },
  {
    id: "login.password",
    title: "an account created with a password needs it: password required, wrong password, then success",
    clause: `${DOC}#accounts`,
    strict: true,
    async run(ctx) {
      const { peer, name } = await account(ctx, "pw", "s3cret|||with pipes");
      peer.probe.close();
      await sleep(50);
      const other = await connection(ctx);
      other.request("LOGIN", [name]);
      await other.expectError(`LOGIN ${name} without its password`, "password required");
      other.request("LOGIN", [name, "wrong"]);
      await other.expectError(`LOGIN ${name} with a wrong password`, "wrong password");
      other.request("LOGIN", [name, "s3cret|||with pipes"]);
      await other.expectOk(`LOGIN ${name} with its password (everything after the first |||)`);
    },
  },

  // ---- LIST --------------------------------------------------------------------------
  {
    id: "list.all",
    title: "LIST with no pattern is answered LISTRESPONSE naming the accounts",
    clause: `${SEED} Commands (LIST, LISTRESPONSE)`,
    async run(ctx) {
      const { peer, name: a } = await account(ctx);
      const { name: b } = await account(ctx);
      peer.request("LIST");
      expectListed(peer, "LIST", await peer.listed("LIST"), [a, b]);
    },
  },
  {
    id: "list.wildcard",
    title: "LIST <prefix>* lists the accounts that start with it, and no others",
    clause: `${SEED} Commands (LIST: "can include wildcard *")`,
    async run(ctx) {
      const { peer, name: a } = await account(ctx, "wa");
      const { name: b } = await account(ctx, "wb");
      const prefix = a.slice(0, 2);
      peer.request("LIST", [`${prefix}*`]);
      const names = await peer.listed(`LIST ${prefix}*`);
      expectListed(peer, `LIST ${prefix}*`, names, [a], [b]);
      const outside = names.filter((n) => !n.toLowerCase().startsWith(prefix));
      if (outside.length) fail({ sent: peer.probe.shownSent(), expected: `only names starting with ${prefix}`, got: `LISTRESPONSE with ${outside.join(", ")}` });
    },
  },
  {
    id: "list.pattern-rules",
    title: "LIST patterns are case-insensitive and whole-name: *<mid>* anywhere, <name> only itself",
    clause: `${DOC}#accounts`,
    strict: true,
    async run(ctx) {
      const { peer, name: a } = await account(ctx, "pr");
      const { name: b } = await account(ctx, "pr");
      peer.request("LIST", [a.toUpperCase()]);
      const exact = await peer.listed(`LIST ${a.toUpperCase()}`);
      if (exact.length !== 1 || exact[0]!.toLowerCase() !== a.toLowerCase()) fail({ sent: peer.probe.shownSent(), expected: `LISTRESPONSE ${JSON.stringify(a)} only`, got: JSON.stringify(exact.join("|||")) });
      const mid = b.slice(1, -1).toUpperCase();
      peer.request("LIST", [`*${mid}*`]);
      expectListed(peer, `LIST *${mid}*`, await peer.listed(`LIST *${mid}*`), [b], [a]);
    },
  },

  // ---- SEND and DELIVER -------------------------------------------------------------
  {
    id: "send.online",
    title: "SEND to an online user is pushed to them as a SEND frame sender|||recipient|||message, and confirmed",
    clause: `${SEED} Commands (SEND); docs/cs262.md#messages`,
    async run(ctx) {
      const { peer: a, name: an } = await account(ctx, "a");
      const { peer: b, name: bn } = await account(ctx, "b");
      await a.sendOk(an, bn, "hello, b");
      const m = await b.message(`SEND ${an}|||${bn}|||hello, b`);
      if (m.sender !== an || m.recipient.toLowerCase() !== bn.toLowerCase() || m.text !== "hello, b") fail({ sent: a.probe.shownSent(), expected: `SEND ${an}|||${bn}|||hello, b to ${bn}`, got: JSON.stringify(m) });
    },
  },
  {
    id: "send.offline-deliver",
    title: "SEND to an account that is offline is kept; DELIVER after LOGIN sends it",
    clause: `${SEED} Commands (DELIVER: "Deliver undelivered messages")`,
    async run(ctx) {
      const { again, an, bn } = await keptWhileAway(ctx, ["while you were away"]);
      again.request("DELIVER");
      const m = await again.message(`SEND ${an}|||${bn}|||while you were away, answering DELIVER`);
      if (m.sender !== an || m.text !== "while you were away") fail({ sent: again.probe.shownSent(), expected: `SEND ${an}|||${bn}|||while you were away`, got: JSON.stringify(m) });
      if (again.version === 1) await again.expectOk("DELIVER");
    },
  },
  {
    id: "deliver.once",
    title: "a second DELIVER does not send the same messages again",
    clause: `${SEED} Commands (DELIVER: "undelivered messages")`,
    async run(ctx) {
      const { again } = await keptWhileAway(ctx, ["only once"]);
      again.request("DELIVER");
      await again.message("the kept message, answering the first DELIVER");
      if (again.version === 1) await again.expectOk("the first DELIVER");
      again.request("DELIVER");
      if (again.version === 1) await again.expectOk("the second DELIVER");
      await again.settled("the second DELIVER");
      if (again.messages.length) fail({ sent: again.probe.shownSent(), expected: "nothing sent again", got: JSON.stringify(again.messages) });
    },
  },
  {
    id: "deliver.order",
    title: "kept messages are delivered oldest first, then (version 1) RESPONSE success",
    clause: `${DOC}#messages`,
    strict: true,
    async run(ctx) {
      const { again, an, bn } = await keptWhileAway(ctx, ["one", "two", "three"]);
      again.request("DELIVER");
      for (const text of ["one", "two", "three"]) {
        const m = await again.message(`SEND ${an}|||${bn}|||${text}`);
        if (m.text !== text) fail({ sent: again.probe.shownSent(), expected: `SEND ${an}|||${bn}|||${text} (oldest first)`, got: JSON.stringify(m) });
      }
      if (again.version === 1) await again.expectOk("DELIVER, after its messages");
      else await again.settled("DELIVER (version 0 sends nothing after the messages)");
    },
  },
  {
    id: "send.no-such-user",
    title: "SEND to a name that is neither an account nor online is answered RESPONSE with an error",
    clause: `${SEED} Commands (SEND, RESPONSE)`,
    async run(ctx) {
      const { peer, name } = await account(ctx);
      peer.request("SEND", [name, ctx.name("nobody"), "hello?"]);
      await peer.expectError("SEND to nobody");
    },
  },
  {
    id: "send.errors",
    title: `SEND errors read "log in first", "sender must be the logged-in account", "no such user", "empty message", "message too long"`,
    clause: `${DOC}#answers`,
    strict: true,
    async run(ctx) {
      const out = await connection(ctx);
      out.request("SEND", ["x", "y", "hi"]);
      await out.expectError("SEND before logging in", "log in first");
      const { peer, name } = await account(ctx);
      const { name: other } = await account(ctx);
      peer.request("SEND", [other, name, "hi"]);
      await peer.expectError("SEND with another account as sender", "sender must be the logged-in account");
      peer.request("SEND", [name, ctx.name("nobody"), "hi"]);
      await peer.expectError("SEND to nobody", "no such user");
      peer.request("SEND", [name, other, ""]);
      await peer.expectError("SEND of an empty message", "empty message");
      peer.request("SEND", [name, other, "m".repeat(4097)]);
      await peer.expectError("SEND of 4097 bytes", "message too long");
    },
  },
  {
    id: "send.separators-kept",
    title: "a message containing | and ||| arrives unchanged (the message is the last field)",
    clause: "docs/cs262.md#frames",
    strict: true,
    async run(ctx) {
      const { peer: a, name: an } = await account(ctx, "a");
      const { peer: b, name: bn } = await account(ctx, "b");
      const text = "a|b|||c||||d";
      await a.sendOk(an, bn, text);
      const m = await b.message(`SEND ${an}|||${bn}|||${text}`);
      if (m.text !== text) fail({ sent: a.probe.shownSent(), expected: `the message ${JSON.stringify(text)}`, got: JSON.stringify(m.text) });
    },
  },
  {
    id: "send.to-self",
    title: "SEND to oneself is pushed back as a message and confirmed",
    clause: `${DOC}#messages`,
    strict: true,
    async run(ctx) {
      const { peer, name } = await account(ctx);
      await peer.sendOk(name, name, "note to self");
      if (peer.version === 1) {
        const m = await peer.message(`SEND ${name}|||${name}|||note to self`);
        if (m.text !== "note to self") fail({ sent: peer.probe.shownSent(), expected: "note to self", got: JSON.stringify(m) });
      }
    },
  },

  // ---- DELETE ------------------------------------------------------------------------
  {
    id: "delete.ok",
    title: "DELETE removes the logged-in account: LIST no longer names it",
    clause: `${SEED} Commands (DELETE)`,
    async run(ctx) {
      const { peer, name } = await deleted(ctx);
      peer.request("LIST", [name]);
      const names = await peer.listed(`LIST ${name} after DELETE`);
      expectListed(peer, `LIST ${name} after DELETE`, names, [], [name]);
    },
  },
  {
    id: "delete.logs-out",
    title: "after DELETE the connection stays open, logged out: SEND is refused, CREATE of the same name works",
    clause: `${DOC}#accounts`,
    strict: true,
    async run(ctx) {
      const { peer, name } = await deleted(ctx);
      peer.request("SEND", [name, name, "hi"]);
      await peer.expectError("SEND after DELETE", "log in first");
      peer.request("CREATE", [name]);
      await peer.expectOk(`CREATE ${name} again`);
    },
  },
  {
    id: "delete.not-logged-in",
    title: `DELETE and DELIVER before logging in are answered "log in first"`,
    clause: `${DOC}#answers`,
    strict: true,
    async run(ctx) {
      const peer = await connection(ctx);
      peer.request("DELETE");
      await peer.expectError("DELETE before logging in", "log in first");
      peer.request("DELIVER");
      await peer.expectError("DELIVER before logging in", "log in first");
    },
  },

  // ---- framing -----------------------------------------------------------------------
  inPieces({ id: "framing.byte-at-a-time", title: "a CREATE written one byte at a time is read whole", clause: `${SEED} Bits on the wire` }, { base: "b", size: 1, how: "sent byte by byte", list: false }),
  inPieces({ id: "framing.pieces", title: "frames split at odd places (5 bytes a write) are read whole", clause: `${SEED} Bits on the wire` }, { base: "p", size: 5, how: "sent in pieces", list: true }),
  {
    id: "framing.together",
    title: "several requests in one write are answered in order",
    clause: `${SEED} Bits on the wire`,
    async run(ctx) {
      const peer = await connection(ctx);
      const name = ctx.name("t");
      peer.probe.send(Buffer.concat([frame(peer.version, "CREATE", [name]), frame(peer.version, "LIST", [name]), frame(peer.version, "LOGIN", [ctx.name("none")])]));
      await peer.expectOk(`CREATE ${name}`);
      expectListed(peer, `LIST ${name}`, await peer.listed(`LIST ${name}`), [name]);
      await peer.expectError("LOGIN on a logged-in connection");
    },
  },
  {
    id: "frame.bad-version",
    title: "a first frame of a version other than 0 or 1 is answered RESPONSE with an error, then the connection closes",
    clause: "docs/cs262.md#frames",
    strict: true,
    async run(ctx) {
      const peer = await connection(ctx);
      peer.probe.send(Buffer.concat([header(7, 2, 0)]));
      const { frame: f, raw } = await peer.frame("a RESPONSE error (either numbering)");
      const response = (f.version === 1 && f.command === 7) || (f.version === 0 && f.command === 6);
      if (!response || f.data.length === 0) peer.unexpected("a RESPONSE with an error", f, raw);
      await closes(peer, "the error");
    },
  },
  {
    id: "frame.version-changed",
    title: "a frame of the other version on a connection is answered RESPONSE with an error, then the connection closes",
    clause: "docs/cs262.md#frames",
    strict: true,
    async run(ctx) {
      const peer = await connection(ctx);
      const name = ctx.name("v");
      peer.request("LIST", [name]);
      await peer.listed(`LIST ${name}`);
      const other = peer.version === 1 ? 0 : 1;
      peer.probe.send(frame(other, "LIST", []));
      await peer.expectError(`a LIST of version ${other} on a version ${peer.version} connection`);
      await closes(peer, "the error");
    },
  },
  errorAnswer(
    { id: "frame.unknown-command", title: `an unknown command is answered RESPONSE "unknown command", then the connection closes`, clause: `${DOC}#answers`, strict: true },
    { bytes: (v) => header(v, 99, 0), what: "command 99", text: "unknown command", closes: true },
  ),
  errorAnswer(
    { id: "frame.too-large", title: `a data_len over the frame limit (64 KiB), even 2^300, is answered "frame too large" at once, then the connection closes`, clause: `${DOC}#frames`, strict: true },
    { bytes: (v) => header(v, commandByte(v, "CREATE"), 1n << 300n), what: "a data_len of 2^300, before any data", text: "frame too large", closes: true },
  ),
  errorAnswer(
    { id: "frame.client-response", title: `a RESPONSE from a client is answered "unexpected command from a client"`, clause: `${DOC}#answers`, strict: true },
    { bytes: (v) => frame(v, "RESPONSE"), what: "a RESPONSE from the client", text: "unexpected command from a client" },
  ),
  errorAnswer(
    { id: "data.ascii", title: `data that is not ASCII is answered "data must be ASCII"`, clause: `${SEED} Data format ("Only ascii characters are allowed"); ${DOC}#answers`, strict: true },
    { bytes: (v) => frameOf(v, "CREATE", Buffer.from("caf\u00e9", "utf8")), what: "CREATE of a UTF-8 name", text: "data must be ASCII" },
  ),

  // ---- floods and unresponsive clients ------------------------------------------------
  {
    id: "flood.rate-limited",
    title: `requests over the rate (50/s, bursts of 100) are answered "rate limited; slow down"`,
    clause: `${DOC}#floods-and-abuse-limits`,
    strict: true,
    async run(ctx) {
      const peer = await connection(ctx);
      const none = ctx.name("none");
      // 300 at once: the burst is 100, and however slowly the server reads, the rate cannot refill 200 more.
      const expected = `RESPONSE "rate limited; slow down" among the answers to 300 LISTs in one write`;
      peer.probe.send(Buffer.concat(Array.from({ length: 300 }, () => frame(peer.version, "LIST", [none]))));
      for (let i = 0; i < 300; i++) {
        const { frame: f, raw } = await peer.frame(expected);
        if (peer.is(f, "RESPONSE") && f.data.toString("latin1") === "rate limited; slow down") return;
        if (!peer.is(f, "LISTRESPONSE")) peer.unexpected(expected, f, raw);
      }
      fail({ sent: "300 LISTs in one write", expected, got: "300 LISTRESPONSEs" });
    },
  },
  closedWhenUnresponsive(
    { id: "unresponsive.login-timeout", title: "a connection that does not CREATE or LOGIN is closed (10 s, --login-timeout)", clause: `${DOC}#limits-and-disconnects; docs/wire.md#limits`, strict: true, timeoutMs: 20_000 },
    async (ctx) => (await connection(ctx)).probe,
    "the connection closed: not logged in within the login timeout",
    () => 15_000,
  ),
  closedWhenUnresponsive(
    { id: "unresponsive.stall", title: "a frame left incomplete is closed (30 s, --stall-timeout)", clause: `${DOC}#limits-and-disconnects; docs/wire.md#limits`, strict: true, timeoutMs: 45_000 },
    async (ctx) => {
      const { peer } = await account(ctx);
      peer.probe.send(frame(peer.version, "LIST", ["abc"]).subarray(0, HEADER_BYTES + 1));
      return peer.probe;
    },
    "the connection closed: a frame incomplete past the stall timeout",
    () => 40_000,
  ),
];
