/**
 * The gowing server, checked over TCP: seed 003 (the instructor's and the students'
 * specifications and their progression), docs/gowing.md and docs/gowing.md. Every
 * expectation is written out as bytes here (wire.ts), not made by Switchboard's codec.
 *
 * What the seed itself says runs by default; what only docs/wire.md or docs/gowing.md settle
 * (the command list's words, status 2, the ERROR texts, LIST and DIRECT formats, the
 * limits and deadlines) is `strict`. Where the seed does not say whether a server's
 * line ends with a newline, the default cases allow one; the strict ones do not.
 */
import type { CaseInfo, CheckCase } from "../../case.js";
import type { CheckContext } from "../../context.js";
import { listedInOrder } from "../common.js";
import { GowingUser, nameFor } from "./user.js";
import {
  COMMAND_LIST,
  direct,
  DIRECT,
  ERROR,
  frame,
  join,
  joiningLine,
  leave,
  leavingLine,
  list,
  LIST,
  message,
  MESSAGE,
  showFrame,
} from "./wire.js";

const SEED = "seed 003";
const STUDENT = "seed 003 student specification";
const PROGRESSION = "seed 003 progression";
const DOC = "docs/gowing.md";

/** The default --max-message-bytes (docs/wire.md, docs/gowing.md "Limits and bad input"). */
const MAX_MESSAGE_BYTES = 4096;
/** The most a u16 length announces: over Switchboard's default 64 KiB frame limit with its header. */
const LONGEST_PAYLOAD = 0xffff;

/** `receiver`'s next frame of the case is `[from] text`: the fence after a check that nothing else came. */
async function fenced(from: GowingUser, receiver: GowingUser, text: string): Promise<void> {
  from.send(message(text));
  await receiver.expectFrame(MESSAGE, `[${from.name}] ${text}`);
}

/**
 * As fenced, for the cases that do not check the chat line's form (message.broadcast
 * does): the next frame is a chat line naming `from` and carrying `text`, in any form.
 */
async function relayed(from: GowingUser, receiver: GowingUser, text: string): Promise<void> {
  from.send(message(text));
  await receiver.expectChat(from.name, text);
}

/**
 * A case: of two users joined (fresh names from `bases`), the first sends what `request`
 * makes (given the other), gets exactly ERROR `error`, and stays in step: its next MESSAGE
 * (`fence`) is the next frame the other gets.
 */
function errorThenInStep(info: CaseInfo, bases: readonly [string, string], request: (ctx: CheckContext, other: GowingUser) => Buffer, error: string, fence: string): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const [user, other] = await GowingUser.joinedAll(ctx, ...bases);
      user.send(request(ctx, other));
      await user.expectFrame(ERROR, error, { exact: true });
      await fenced(user, other, fence);
    },
  };
}

/** A user online to watch, and a new connection (`user`) that has not joined yet, with a fresh name from `base` for it. */
async function watchedNewcomer(ctx: CheckContext, base: string): Promise<{ watcher: GowingUser; user: GowingUser; name: string }> {
  const watcher = await GowingUser.joined(ctx, "w");
  const user = await GowingUser.connect(ctx);
  return { watcher, user, name: nameFor(ctx, base) };
}

export const GOWING_SERVER_CASES: readonly CheckCase[] = [
  // ---- joining --------------------------------------------------------------------
  {
    id: "join.accepted",
    title: "JOIN with a free name is answered by the one byte 00, then the joiner is told **X is joining the chat**",
    clause: `${PROGRESSION} 3 ("Receives back: <Status> (one byte)"); ${SEED} ("including the newly joining client"); docs/gowing.md`,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      await user.join(nameFor(ctx, "j"));
    },
  },
  {
    id: "join.notice-others",
    title: "a user online gets **X is joining the chat** (type 2) when X joins, and nothing before it",
    clause: `${SEED} ("New users joining should be announced to all clients"); ${PROGRESSION} 2 (the command list only to the person connecting)`,
    async run(ctx) {
      const watcher = await GowingUser.joined(ctx, "w");
      const name = nameFor(ctx, "n");
      await (await GowingUser.connect(ctx)).join(name);
      await watcher.expectFrame(MESSAGE, joiningLine(name));
    },
  },
  {
    id: "join.name-in-use",
    title: "JOIN with the name of a user online is answered by the one byte 01",
    clause: `${PROGRESSION} 3 ("1 = Already Taken"); ${SEED} ("an error message if the name is already in use")`,
    async run(ctx) {
      const holder = await GowingUser.joined(ctx, "h");
      const second = await GowingUser.connect(ctx);
      second.send(join(holder.name));
      await second.expectStatus(1, "name in use");
    },
  },
  {
    id: "join.blank-refused",
    title: "JOIN with an empty name is refused (a status byte other than 00)",
    clause: `${SEED} ("The server will not allow blank names")`,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      user.send(join(""));
      await user.expectRefusal("a blank name");
    },
  },
  {
    id: "join.silent-before",
    title: "the server sends nothing on a new connection before the JOIN reply",
    clause: "docs/gowing.md (progression 2's command list comes after the JOIN reply: every public client reads the first byte as the status)",
    strict: true,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      await user.expectNoFrame("nothing before JOIN", 300);
      await user.join(nameFor(ctx, "s"));
    },
  },
  {
    id: "join.reply-bytes",
    title: "an accepted JOIN gets exactly 00, the command list (type 2), then **X is joining the chat** (type 2)",
    clause: `docs/gowing.md; ${DOC}#session 2; ${PROGRESSION} 2`,
    strict: true,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      const name = nameFor(ctx, "b");
      user.send(join(name));
      await user.expectStatus(0, "accepted");
      await user.expectFrame(MESSAGE, COMMAND_LIST, { exact: true });
      await user.expectFrame(MESSAGE, joiningLine(name), { exact: true });
    },
  },
  {
    id: "join.retry",
    title: "after a refused JOIN the connection stays open, and a JOIN with another name is accepted",
    clause: `docs/gowing.md ("After 1 or 2 the connection stays open"); ${STUDENT} ("loop back to the request for a username")`,
    strict: true,
    async run(ctx) {
      const holder = await GowingUser.joined(ctx, "h");
      const user = await GowingUser.connect(ctx);
      user.send(join(holder.name));
      await user.expectStatus(1, "name in use");
      await user.join(nameFor(ctx, "r"));
    },
  },
  {
    id: "join.name-any-case",
    title: "a name online is in use in any letter case: JOIN of BOB while Bob is online gets 01",
    clause: "docs/wire.md (names compare case-insensitively)",
    strict: true,
    async run(ctx) {
      const holder = await GowingUser.joined(ctx, "Case");
      for (const variant of [holder.name.toUpperCase(), holder.name.toLowerCase()]) {
        const user = await GowingUser.connect(ctx);
        user.send(join(variant));
        await user.expectStatus(1, `${variant} is ${holder.name} in other letter case`);
      }
    },
  },
  {
    id: "join.invalid-names",
    title: "JOIN with a name outside 1-32 of A-Z a-z 0-9 _ - ., or `server`, gets 02 and the connection stays open",
    clause: `docs/wire.md (names), docs/gowing.md (2 invalid); ${DOC}#join-status-bytes`,
    strict: true,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      for (const name of ["", "has space", "x".repeat(33), "sl/ash", "server", "SERVER"]) {
        user.send(join(name));
        await user.expectStatus(2, `${JSON.stringify(name)} is not a valid name`);
      }
      await user.join(nameFor(ctx, "v"));
    },
  },
  {
    id: "join.oversized-name",
    title: "JOIN announcing 65535 bytes of name gets 02, the payload is skipped, and the next JOIN is read",
    clause: `${DOC}#limits-and-bad-input (JOIN over --max-frame-bytes)`,
    strict: true,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      user.send(frame(0, "n".repeat(LONGEST_PAYLOAD)));
      await user.expectStatus(2, "a name too long for the frame limit");
      await user.join(nameFor(ctx, "o"));
    },
  },
  errorThenInStep(
    { id: "join.already-joined", title: "a second JOIN after one was accepted gets ERROR `Already joined`, and the first name stays", clause: `${DOC}#session 2`, strict: true },
    ["t", "w"],
    (ctx) => join(nameFor(ctx, "again")),
    "Already joined",
    "still me",
  ),
  {
    id: "join.before-errors",
    title: "MESSAGE, LIST and DIRECT before JOIN each get ERROR `Join first`, and the connection stays open",
    clause: `${DOC}#session 3`,
    strict: true,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      for (const bytes of [message("too early"), list(), direct("someone hi")]) {
        user.send(bytes);
        await user.expectFrame(ERROR, "Join first", { exact: true });
      }
      await user.join(nameFor(ctx, "e"));
    },
  },
  // ---- chat -------------------------------------------------------------------------
  {
    id: "message.broadcast",
    title: "MESSAGE text reaches every other user as type 2 `[X] text`",
    clause: `${SEED} ("send the text to all of the other clients, prefixed with the user's name in square brackets": [Bob] Hi)`,
    async run(ctx) {
      const [a, b, c] = await GowingUser.joinedAll(ctx, "a", "b", "c");
      a.send(message("Hi everyone"));
      await b.expectFrame(MESSAGE, `[${a.name}] Hi everyone`);
      await c.expectFrame(MESSAGE, `[${a.name}] Hi everyone`);
    },
  },
  {
    id: "message.no-echo",
    title: "the sender of a MESSAGE gets nothing back (no echo, no acknowledgement)",
    clause: `${SEED} ("to all of the other clients")`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      // Whatever form the chat line takes (message.broadcast checks it): only whether a gets one.
      a.send(message("only for you"));
      await b.skipTo(MESSAGE, "only for you", { containing: true });
      // b answers only once a's message reached it: an echo to a would come before this.
      b.send(message("fence"));
      const f = await a.nextFrame(`a chat line with "fence" (and no echo before it)`);
      if (!f.text.includes("fence")) a.failGot(`a chat line with "fence" (and no echo before it)`, showFrame(f));
    },
  },
  {
    id: "message.not-before-join",
    title: "a MESSAGE from a connection that has not joined reaches nobody",
    clause: `${STUDENT} ("Accepted (all set to chat)"; the server "picks username based on FD")`,
    async run(ctx) {
      const watcher = await GowingUser.joined(ctx, "w");
      const early = await GowingUser.connect(ctx);
      early.send(message("before joining"));
      const name = nameFor(ctx, "e");
      early.send(join(name));
      // Whether the early MESSAGE is answered (an ERROR frame before the status) is not the seed's to say.
      await early.expectStatus(0, "accepted", { afterErrors: true });
      await watcher.expectFrame(MESSAGE, joiningLine(name));
      early.name = name;
      await relayed(early, watcher, "fence");
    },
  },
  {
    id: "message.line-end-dropped",
    title: "a MESSAGE ending in CR LF is shown without it: `[X] text`, exactly",
    clause: "docs/gowing.md (a trailing CR/LF of a MESSAGE or DIRECT text is dropped)",
    strict: true,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(message("typed line\r\n"));
      await b.expectFrame(MESSAGE, `[${a.name}] typed line`, { exact: true });
    },
  },
  errorThenInStep(
    { id: "message.empty", title: "an empty MESSAGE gets ERROR `Empty message` and reaches nobody", clause: `${DOC}#limits-and-bad-input`, strict: true },
    ["a", "b"],
    () => message(""),
    "Empty message",
    "after the empty one",
  ),
  {
    id: "message.too-long",
    title: "a MESSAGE of 4096 bytes is delivered; one of 4097 gets ERROR `Message too long` and reaches nobody",
    clause: `docs/wire.md (limits: message text 4096 bytes); ${DOC}#limits-and-bad-input`,
    strict: true,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      const longest = "m".repeat(MAX_MESSAGE_BYTES);
      a.send(message(longest));
      await b.expectFrame(MESSAGE, `[${a.name}] ${longest}`, { exact: true });
      a.send(message(longest + "m"));
      await a.expectFrame(ERROR, "Message too long", { exact: true });
      await fenced(a, b, "short again");
    },
  },
  errorThenInStep(
    { id: "message.frame-too-long", title: "a MESSAGE announcing 65535 bytes gets ERROR `Message too long`, and the next frame is read", clause: `${DOC}#limits-and-bad-input (a frame over --max-frame-bytes is skipped as it streams in)`, strict: true },
    ["a", "b"],
    () => message("z".repeat(LONGEST_PAYLOAD)),
    "Message too long",
    "after the long one",
  ),
  {
    id: "message.non-ascii",
    title: "each non-ASCII character of a MESSAGE becomes one `?`: `héllo ✓` arrives as `h?llo ?`",
    clause: `docs/wire.md (gowing is an ASCII dialect); ${DOC}#text`,
    strict: true,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(message("héllo ✓"));
      await b.expectFrame(MESSAGE, `[${a.name}] h?llo ?`, { exact: true });
    },
  },
  {
    id: "list.names",
    title: "LIST gets type 3: every online name joined by `, `, the caller included, in join order",
    clause: `docs/gowing.md (LIST); ${DOC}#session 5; ${STUDENT} (03 = List)`,
    strict: true,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      b.send(list());
      const expected = `LIST (3) naming ${a.name} before ${b.name}, names joined by ", "`;
      const f = await b.nextFrame(expected);
      const names = f.text.split(", ");
      if (f.type !== LIST || names.some((n) => !/^[A-Za-z0-9_.-]{1,32}$/.test(n)) || !listedInOrder(names, [a.name, b.name])) {
        b.failGot(expected, showFrame(f));
      }
      await a.expectNoFrame("nothing for the others", 100);
    },
  },
  // ---- direct messages -----------------------------------------------------------------
  {
    id: "direct.private",
    title: "DIRECT `target text` reaches the target only, as type 4 `[X] (private) text`; the sender gets nothing",
    clause: `docs/gowing.md (DIRECT); ${DOC}#session 6; ${STUDENT} (04 = Direct)`,
    strict: true,
    async run(ctx) {
      const [a, b, c] = await GowingUser.joinedAll(ctx, "a", "b", "c");
      a.send(direct(`${b.name} just between us`));
      await b.expectFrame(DIRECT, `[${a.name}] (private) just between us`, { exact: true });
      await fenced(b, c, "fence"); // c got nothing before this
      await a.expectFrame(MESSAGE, `[${b.name}] fence`); // nor did a
    },
  },
  {
    id: "direct.at-target",
    title: "DIRECT `@target text` (as the public Python client sends it) reaches the target",
    clause: "docs/gowing.md (the target may be written @target)",
    strict: true,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(direct(`@${b.name} psst\n`));
      await b.expectFrame(DIRECT, `[${a.name}] (private) psst`, { exact: true });
    },
  },
  {
    id: "direct.unknown-target",
    title: "DIRECT to a name nobody uses gets ERROR `No such user: <name>`",
    clause: `docs/gowing.md ("unknown target → type 5 to the sender"); ${DOC}#session 6`,
    strict: true,
    async run(ctx) {
      const a = await GowingUser.joined(ctx, "a");
      const nobody = nameFor(ctx, "nobody");
      a.send(direct(`${nobody} hello?`));
      await a.expectFrame(ERROR, `No such user: ${nobody}`, { exact: true });
    },
  },
  errorThenInStep(
    { id: "direct.empty", title: "DIRECT with a target and no text gets ERROR `Empty message`", clause: `${DOC}#session 6`, strict: true },
    ["a", "b"],
    (_, other) => direct(other.name),
    "Empty message",
    "fence",
  ),
  // ---- leaving ----------------------------------------------------------------------
  {
    id: "leave.notice",
    title: "LEAVE: every other user gets **X is leaving the chat** (type 2)",
    clause: `${SEED} ("**Bob is leaving the chat**"); ${STUDENT} (01 = Leave the chat)`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(leave());
      await b.expectFrame(MESSAGE, leavingLine(a.name));
    },
  },
  {
    id: "leave.on-disconnect",
    title: "a joined user's connection dropping without LEAVE: the others get **X is leaving the chat**",
    clause: `${SEED} ("similarly, when the connection goes down"); ${PROGRESSION} 5 ("Disconnect at any time")`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.close();
      await b.expectFrame(MESSAGE, leavingLine(a.name));
    },
  },
  {
    id: "leave.name-free",
    title: "once a user has left, its name can be joined again",
    clause: `${SEED} (a name is refused only while it "is already in use")`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(leave());
      await b.expectFrame(MESSAGE, leavingLine(a.name));
      await (await GowingUser.connect(ctx)).join(a.name);
    },
  },
  {
    id: "leave.closes",
    title: "after LEAVE the server closes the connection, without sending the leaver its own notice",
    clause: "docs/gowing.md (after LEAVE the server closes the connection)",
    strict: true,
    async run(ctx) {
      const a = await GowingUser.joined(ctx, "a");
      a.send(leave());
      await a.expectClosed("the connection closed after LEAVE");
      await a.expectNoFrameLike(MESSAGE, leavingLine(a.name), "no leaving notice to the leaver");
    },
  },
  {
    id: "leave.before-join",
    title: "LEAVE before JOIN closes the connection",
    clause: `${DOC}#session 3`,
    strict: true,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      user.send(leave());
      await user.expectClosed("the connection closed after LEAVE");
    },
  },
  // ---- framing ----------------------------------------------------------------------
  {
    id: "framing.byte-at-a-time",
    title: "JOIN and MESSAGE sent one byte per write are read as two frames",
    clause: `${STUDENT} ("TCP", <CommandType><LengthMessage><Message>)`,
    async run(ctx) {
      const { watcher, user, name } = await watchedNewcomer(ctx, "p");
      await user.sendInPieces(Buffer.concat([join(name), message("one byte at a time")]), 1);
      await user.expectStatus(0, "accepted");
      await watcher.expectChat(name, "one byte at a time", { afterJoining: name });
    },
  },
  {
    id: "framing.coalesced",
    title: "JOIN and three MESSAGEs in one write are all read, in order",
    clause: `${STUDENT} ("TCP", <CommandType><LengthMessage><Message>)`,
    async run(ctx) {
      const { watcher, user, name } = await watchedNewcomer(ctx, "c");
      user.send(Buffer.concat([join(name), message("first"), message("second"), message("third")]));
      await watcher.expectFrame(MESSAGE, joiningLine(name));
      for (const text of ["first", "second", "third"]) await watcher.expectChat(name, text);
    },
  },
  {
    id: "framing.split-headers",
    title: "three MESSAGEs written in 2-byte pieces (every header split between its length bytes) are read whole",
    clause: `${STUDENT} (Length Message - 2 Bytes; "Network Byte Order")`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      await a.sendInPieces(Buffer.concat([message("uno"), message("dos"), message("tres")]), 2);
      for (const text of ["uno", "dos", "tres"]) await b.expectChat(a.name, text);
    },
  },
  {
    id: "framing.length-big-endian",
    title: "a MESSAGE of 300 bytes (length 01 2c, network byte order) is read whole",
    clause: `${STUDENT} ("Network Byte Order", Length Message - 2 Bytes)`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      const text = "0123456789".repeat(30);
      a.send(message(text));
      await b.expectChat(a.name, text);
      await relayed(a, b, "next");
    },
  },
  {
    id: "framing.zero-length",
    title: "a frame of length 0 is three bytes: the frame after it is read",
    clause: `${STUDENT} ("Length can be 0 so there are no bytes after")`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(Buffer.concat([message(""), message("after")]));
      // What an empty MESSAGE shows the others, if anything, is not the seed's to say:
      // a chat line with nothing but the sender's name may come first.
      const expected = `a chat line from ${a.name} with "after"`;
      for (;;) {
        const f = await b.nextFrame(expected);
        if (f.type === MESSAGE && f.text.includes(a.name) && f.text.includes("after")) return;
        if (f.type !== MESSAGE || f.text.replace(a.name, "").replace(/[[\]:\s]/g, "") !== "") b.failGot(expected, showFrame(f));
      }
    },
  },
  {
    id: "framing.oversized",
    title: "after a MESSAGE announcing 65535 bytes the connection stays in step: the next MESSAGE arrives",
    clause: `${STUDENT} (Length Message - 2 Bytes); docs/wire.md (anything over a limit gets the dialect's error answer)`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(Buffer.concat([message("y".repeat(LONGEST_PAYLOAD)), message("after the big one")]));
      await b.skipTo(MESSAGE, "after the big one", { containing: true });
      if (a.probe.isClosed) a.failGot("the connection still open", "the connection closed");
    },
  },
  {
    id: "unknown-type.error",
    title: "a frame of an unknown type gets a type-5 ERROR, to the sender only, and its payload is skipped",
    clause: `${STUDENT} ("05 = Error: Unsupported Command, sent only to the person who sent the bad command")`,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(frame(9, "\x02\x00\x05fake!"));
      const f = await a.nextFrame("an ERROR (5) frame");
      if (f.type !== ERROR) a.failGot("an ERROR (5) frame", showFrame(f));
      await relayed(a, b, "in step");
    },
  },
  {
    id: "unknown-type.unsupported",
    title: "types 5 (ERROR, the server's) and 6-255 from a client get ERROR `Unsupported command`",
    clause: "docs/gowing.md (Any other type → type 5 `Unsupported command`, to the sender only)",
    strict: true,
    async run(ctx) {
      const a = await GowingUser.joined(ctx, "a");
      for (const type of [5, 6, 200, 255]) {
        a.send(frame(type, "x"));
        await a.expectFrame(ERROR, "Unsupported command", { exact: true });
      }
    },
  },
  // ---- unresponsive clients -------------------------------------------------------------
  {
    id: "idle.login-deadline",
    title: "a connection that has not joined within the login deadline (10 s) is closed",
    clause: "docs/wire.md (unresponsive clients: 10 s to log in); docs/gowing.md#limits-and-bad-input (slow: waits up to 13 s x --time-scale)",
    strict: true,
    timeoutMs: 16_000,
    async run(ctx) {
      const user = await GowingUser.connect(ctx);
      const ms = ctx.ms(13_000);
      await user.expectClosed(`the connection closed within ${ms} ms`, ms);
    },
  },
  {
    id: "idle.stall",
    title: "a frame left incomplete for the stall deadline (30 s) closes the connection, and the others are told",
    clause: "docs/wire.md (a frame incomplete for 30 s); docs/gowing.md#limits-and-bad-input (slow: waits up to 35 s x --time-scale)",
    strict: true,
    timeoutMs: 40_000,
    async run(ctx) {
      const [a, b] = await GowingUser.joinedAll(ctx, "a", "b");
      a.send(Buffer.from([MESSAGE, 0x00, 0x10, 0x41]));
      const ms = ctx.ms(35_000);
      await a.expectClosed(`the connection closed within ${ms} ms`, ms);
      await b.skipTo(MESSAGE, leavingLine(a.name));
    },
  },
];
