/**
 * One cs262 connection: frames <-> hub calls (names, messages, and the hub's accounts
 * and their kept mail), and hub events -> server SEND frames (seed 002, docs/cs262.md;
 * docs/wire.md#rendering-across-dialects).
 *
 * - Version 1: every request gets exactly one RESPONSE (or LISTRESPONSE), after the
 *   server SEND frames it caused. Requests are answered one at a time: while one waits
 *   for a hub answer (the store, scrypt, a networked port), input is paused, so answers
 *   leave in request order.
 * - Version 0 (the original zackziegler95/chatbot numbering, chosen by the first
 *   frame's version byte and kept for the connection): answered as the original server
 *   answers, so its client works unchanged: a SEND that succeeds is echoed to its
 *   sender (once durable, when queued), DELIVER sends the queued messages and nothing
 *   else, DELETE no answer; failures are RESPONSE errors as in version 1; LIST takes a
 *   shell glob. The same order, limits and guarantees hold.
 * - A connection starts logged out; CREATE or LOGIN joins the hub under the account's
 *   name; DELETE leaves it and the connection may log in again.
 * - Lobby and direct messages from anyone arrive as server SEND `sender|||me|||text`
 *   (text from other dialects made ASCII); joins, leaves and files show nothing.
 * - Floods: a request over the message rate gets a RESPONSE error `rate limited; slow
 *   down` (one RESPONSE per request still holds), and so does a CREATE or LOGIN from an
 *   address with too many refused logins (the scrypt is never run for it).
 */
import { isPending, mapAnswer, whenAnswered, type Answer } from "../../core/answer.js";
import type { CreateAccountResult, DisconnectReason, LogInResult, SendResult } from "../../core/errors.js";
import type { HubEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import { SERVER_NAME, foldName } from "../../core/names.js";
import type { AccountPattern, Member, QueuedMail } from "../../core/ports.js";
import { answerCodes } from "../../core/stats.js";
import type { Logger } from "../../log/ops-log.js";
import type { TransportLimits } from "../../transport/limits.js";
import type { Conn, StreamSession } from "../../transport/session.js";
import type { CodecError } from "../../transport/stream-codec.js";
import { asciiOnly } from "../render-text.js";
import { encodeListResponse, encodeResponse, encodeSend, WRONG_VERSION_CODE, writeHeader, type Cs262CodecError } from "./codec.js";
import { Command, HEADER_BYTES, ORIGINAL_VERSION, SEPARATOR, VERSION, type Cs262Frame, type WireVersion } from "./frames.js";
import { ACCOUNT_ANSWERS, ACCOUNT_RESULTS, JOIN_ANSWERS, LIMIT_ANSWERS, OK, PROTOCOL_ANSWERS, SEND_ANSWERS } from "./wire-errors.js";

export interface Cs262Context {
  readonly hub: Hub;
  readonly log: Logger;
  readonly limits: Readonly<TransportLimits>;
}

/** Queued messages read, sent and dropped per step of a DELIVER (bounded memory and output). */
export const DELIVER_PAGE = 256;
/** Longest password taken; scrypt's cost grows with it. */
export const MAX_PASSWORD_BYTES = 1024;
/** The most a name adds to a LISTRESPONSE: 32 characters and a separator. */
const LISTED_NAME_BYTES = 32 + SEPARATOR.length;

/**
 * A RESPONSE's error string (OK: success), a ready frame (LISTRESPONSE, a version-0
 * echo), or NO_ANSWER (version 0's DELIVER and DELETE).
 */
type Reply = string | Buffer | typeof NO_ANSWER;
const NO_ANSWER = null;

const ALL_ACCOUNTS: AccountPattern = { kind: "all" };

const OK_FRAMES: Record<WireVersion, Buffer> = { 0: encodeResponse(OK, ORIGINAL_VERSION), 1: encodeResponse(OK, VERSION) };

/** Error answers by code, for the metrics; a codec's own message is a malformed frame. */
const errorCode = answerCodes<string>([JOIN_ANSWERS, SEND_ANSWERS, ACCOUNT_ANSWERS, PROTOCOL_ANSWERS, LIMIT_ANSWERS], () => "malformed");
/**
 * The goodbye at shutdown (docs/cs262.md "Shutdown"): a server SEND from `server` (a
 * reserved name, so no account's), which the client prints as `server: <text>`.
 */
const GOODBYE_TEXT = "The server is going down";
/** The same SEND when a cluster node must let the user go: its name went to another node's user (docs/cluster.md#names). */
const NAME_LOST_TEXT = "Your name was taken by another node while this one was cut off";

/** `sender|||` and `|||text` of a lobby message, shared by every cs262 recipient of it. */
interface SendParts {
  readonly head: Buffer;
  readonly tail: Buffer;
}
const lobbyParts = new WeakMap<HubEvent, SendParts>();

/** Server SEND `from|||me|||text` for a lobby message: the parts are built once per broadcast. */
function renderLobby(event: HubEvent & { kind: "lobby" }, me: Buffer, version: WireVersion): Buffer {
  let parts = lobbyParts.get(event);
  if (parts === undefined) {
    parts = { head: Buffer.from(event.from + SEPARATOR, "latin1"), tail: Buffer.from(SEPARATOR + asciiOnly(event.text), "latin1") };
    lobbyParts.set(event, parts);
  }
  const dataLen = parts.head.length + me.length + parts.tail.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + dataLen);
  writeHeader(out, Command.Send, dataLen, version);
  let at = HEADER_BYTES;
  at += parts.head.copy(out, at);
  at += me.copy(out, at);
  parts.tail.copy(out, at);
  return out;
}

export class Cs262Session implements StreamSession<Cs262Frame>, Member {
  readonly dialect = "cs262";
  /** cs262 shows no joins or leaves (docs/wire.md#rendering-across-dialects). */
  readonly wantsPresence = false;
  /** The account's display name while joined (also while a CREATE completes). */
  name = "";
  /** The numbering of this connection's first frame (docs/cs262.md#frames); until then answers use version 1. */
  private version: WireVersion | undefined;
  /**
   * The recipient named in server SEND frames: the account's name as created, except on
   * a version-0 connection, which gets the spelling its LOGIN used (the original client
   * compares the recipient with what was typed, case-sensitively, and stops on a mismatch).
   */
  private wireName = "";
  /** Logged in to an account (CREATE or LOGIN answered with success). */
  private loggedIn = false;
  private nameBytes: Buffer = Buffer.alloc(0);
  private closed = false;
  private readonly listLimit: number;

  constructor(
    private readonly conn: Conn,
    private readonly ctx: Cs262Context,
  ) {
    this.listLimit = Math.max(0, Math.floor((ctx.limits.maxFrameBytes - HEADER_BYTES + SEPARATOR.length) / LISTED_NAME_BYTES));
  }

  // ---- Member (hub side) ------------------------------------------------------------

  deliver(event: HubEvent): boolean {
    switch (event.kind) {
      case "lobby":
        return this.conn.send(renderLobby(event, this.nameBytes, this.wire));
      case "direct":
        return this.conn.send(encodeSend(event.from, this.wireName, asciiOnly(event.text), this.wire));
      default:
        return true; // docs/wire.md#rendering-across-dialects: cs262 shows no joins, leaves or uploads
    }
  }

  disconnect(reason: DisconnectReason): void {
    if (reason === "slow_consumer") return this.conn.destroy(reason);
    if (reason === "server_shutdown") this.conn.send(encodeSend(SERVER_NAME, this.wireName, GOODBYE_TEXT, this.wire));
    else if (reason === "name_lost") this.conn.send(encodeSend(SERVER_NAME, this.wireName, NAME_LOST_TEXT, this.wire));
    this.conn.close(reason);
  }

  // ---- frames from the client -------------------------------------------------------

  onFrame(frame: Cs262Frame): void {
    // The codec holds the connection to its first frame's numbering (docs/cs262.md#frames).
    this.version ??= frame.version ?? VERSION;
    switch (frame.command) {
      case Command.Create:
        return this.answer(this.create(frame.name, frame.password));
      case Command.Login:
        return this.answer(this.login(frame.name, frame.password, frame.name));
      case Command.List:
        return this.answer(this.list(frame.pattern));
      case Command.Send:
        return this.send(frame.sender, frame.recipient, frame.message);
      case Command.Deliver:
        return this.deliverQueued();
      case Command.Delete:
        return this.answer(this.deleteAccount());
      case Command.Response:
      case Command.ListResponse:
        return this.reply(PROTOCOL_ANSWERS.serverCommand);
    }
  }

  /** Over the message rate: still exactly one RESPONSE for the request (docs/cs262.md#answers). */
  overRate(): void {
    this.reply(LIMIT_ANSWERS.rateLimited);
  }

  onBody(): void {
    // cs262 frames announce no bodies.
  }

  onBodyEnd(): void {}

  onDecodeError(error: CodecError): void {
    // docs/cs262.md#answers: wrong version, unknown command or data_len over the limit: a RESPONSE
    // error, then close. Bad data in a well-delimited frame: the error, and go on.
    this.version ??= (error as Cs262CodecError).version;
    this.reply(error.code === WRONG_VERSION_CODE ? this.unsupportedVersion() : error.message);
    if (error.fatal) this.conn.close("protocol_error");
  }

  /** Version 1 connections get the words they always got (docs/cs262.md#answers: version 1 unchanged). */
  private unsupportedVersion(): string {
    if (this.version === undefined) return "unsupported version (this server speaks versions 0 and 1)";
    if (this.version === VERSION) return "unsupported version (this server speaks version 1)";
    return "unsupported version (this connection speaks version 0)";
  }

  /** The numbering answers go out in. */
  private get wire(): WireVersion {
    return this.version ?? VERSION;
  }

  onClose(): void {
    this.closed = true;
    this.ctx.hub.leave(this); // ignored unless joined
  }

  // ---- handlers ---------------------------------------------------------------------

  /** CREATE `[name]` or `[name, password]`: create the account and log in (docs/cs262.md#accounts). */
  private create(name: string, password: string | undefined): Answer<Reply> {
    if (this.loggedIn) return ACCOUNT_ANSWERS.alreadyLoggedIn;
    const bad = passwordProblem(password);
    if (bad !== undefined) return bad;
    this.setName(name); // set first: the hub joins the name before it makes the account
    const created = this.ctx.hub.accounts.create(this, name, password, this.loginFrom());
    return mapAnswer(created, (result) => {
      if (result !== "ok") return this.refused(result);
      this.logIn();
      this.ctx.log.info({ dialect: "cs262", user: name, remote: this.remote() }, "account created");
      return OK;
    });
  }

  /** LOGIN `[name]` or `[name, password]`; `typed` is the spelling the client used. */
  private login(name: string, password: string | undefined, typed: string): Answer<Reply> {
    if (this.loggedIn) return ACCOUNT_ANSWERS.alreadyLoggedIn;
    if (password !== undefined && password.length > MAX_PASSWORD_BYTES) return ACCOUNT_ANSWERS.passwordTooLong;
    const named = (displayName: string): void => this.setName(displayName, typed);
    const result = this.ctx.hub.accounts.logIn(this, name, password, { from: this.loginFrom(), named });
    return mapAnswer(result, (outcome) => {
      if (outcome !== "ok") return this.refused(outcome);
      this.logIn();
      return OK;
    });
  }

  /**
   * CREATE and LOGIN are held to their address's refused logins (--login-failures): past
   * them the hub refuses at once, before any store read or scrypt.
   */
  private loginFrom() {
    return { address: this.conn.remoteAddress, overAllowance: "refuse" } as const;
  }

  private refused(result: CreateAccountResult | LogInResult): Reply {
    this.setName("");
    return ACCOUNT_RESULTS[result];
  }

  /** LIST `[]` or `[pattern]`: account names, online or not (other dialects list online users). */
  private list(pattern: string | undefined): Answer<Reply> {
    // At most what fits one frame of the limit, in alphabetical order (docs/cs262.md).
    // Version 0's pattern is a shell glob, as the original's; version 1's has only `*`.
    const matching: AccountPattern =
      pattern === undefined ? ALL_ACCOUNTS : { kind: this.wire === ORIGINAL_VERSION ? "glob" : "star", text: pattern };
    return mapAnswer(this.ctx.hub.accounts.list(matching, this.listLimit), (names) => encodeListResponse(names, this.wire));
  }

  /** SEND `[sender, recipient, message]`: the sender must be the logged-in account. */
  private send(sender: string, recipient: string, message: string): void {
    if (!this.loggedIn) return this.reply(ACCOUNT_ANSWERS.notLoggedIn);
    if (foldName(sender) !== foldName(this.name)) return this.reply(ACCOUNT_ANSWERS.forgedSender);
    const result = this.ctx.hub.direct(this, recipient, message);
    // Version 0 confirms a SEND by echoing it to the sender (the original server's way).
    const confirmation = this.wire === ORIGINAL_VERSION ? encodeSend(sender, recipient, message, ORIGINAL_VERSION) : OK;
    if (!isPending(result)) return this.sent(result, confirmation, false);
    // Answered over the network: requests after this one wait, so answers keep their order.
    this.conn.pauseInput();
    result.then(
      this.conn.guarded((answer: SendResult) => this.sent(answer, confirmation, true)),
      this.conn.guarded((err: unknown) => {
        this.ctx.log.error({ err, dialect: "cs262" }, "sending a message failed");
        this.finish(ACCOUNT_ANSWERS.storeFailed);
      }),
    );
  }

  /** The answer to a SEND; `paused`: input waited for it, and goes on now. */
  private sent(result: SendResult, confirmation: Reply, paused: boolean): void {
    if (result === "queued") return this.whenKept(confirmation);
    const answer = result === "ok" ? confirmation : SEND_ANSWERS[result];
    if (paused) this.finish(answer);
    else this.reply(answer);
  }

  /** Kept for an offline account: acknowledged only once it is on disk (docs/wire.md#offline-mail). */
  private whenKept(confirmation: Reply): void {
    this.conn.pauseInput();
    this.ctx.hub.whenQueuedDurable(
      this.conn.guarded((err?: Error) => {
        if (err) this.ctx.log.error({ err, dialect: "cs262" }, "queuing a message failed");
        this.finish(err ? ACCOUNT_ANSWERS.storeFailed : confirmation);
      }),
    );
  }

  /**
   * DELIVER: every message queued while offline, oldest first, as server SEND frames,
   * then the RESPONSE (none in version 0). Read a page at a time; a page is removed from
   * the mailbox once its frames are handed to the kernel, so a crash before that
   * delivers them again.
   */
  private deliverQueued(): void {
    if (!this.loggedIn) return this.reply(ACCOUNT_ANSWERS.notLoggedIn);
    this.conn.pauseInput();
    this.deliverPage(0);
  }

  private deliverPage(afterId: number): void {
    const name = this.name;
    // Mailbox callbacks are outside the transport's calls: each runs inside the session boundary.
    const failed = this.conn.guarded((err: unknown): void => {
      if (this.closed) return; // e.g. the store closed at shutdown after this connection
      this.ctx.log.error({ err, dialect: "cs262", user: name }, "delivering queued messages failed");
      this.finish(ACCOUNT_ANSWERS.storeFailed);
    });
    const handOut = (messages: readonly QueuedMail[]): void => {
      if (this.closed) return;
      const last = messages[messages.length - 1];
      if (last === undefined) return this.finish(this.success);
      for (const m of messages) {
        if (!this.conn.reply(encodeSend(m.from, this.wireName, asciiOnly(m.text), this.wire))) return; // closed meanwhile
      }
      // Backpressure: the next page is read only once the socket has taken this one.
      this.conn.whenFlushed(() => {
        const removed = (): void => {
          if (this.closed) return;
          if (messages.length < DELIVER_PAGE) this.finish(this.success);
          else this.deliverPage(last.id);
        };
        whenAnswered(this.ctx.hub.accounts.handedOut(this, last.id), this.conn.guarded(removed), failed);
      });
    };
    whenAnswered(this.ctx.hub.accounts.mail(this, afterId, DELIVER_PAGE), this.conn.guarded(handOut), failed);
  }

  /** DELETE: the account and its queue go, then the connection is logged out (stays open). */
  private deleteAccount(): Answer<Reply> {
    if (!this.loggedIn) return ACCOUNT_ANSWERS.notLoggedIn;
    const name = this.name;
    return mapAnswer(this.ctx.hub.accounts.delete(this), () => {
      this.logOut();
      this.ctx.log.info({ dialect: "cs262", user: name, remote: this.remote() }, "account deleted");
      return this.success;
    });
  }

  /** Success of a DELIVER or DELETE: a RESPONSE in version 1, nothing in version 0. */
  private get success(): Reply {
    return this.wire === ORIGINAL_VERSION ? NO_ANSWER : OK;
  }

  // ---- state ------------------------------------------------------------------------

  /** Set before joining: events may arrive from the moment the join succeeds. */
  private setName(name: string, typed = name): void {
    this.name = name;
    this.wireName = this.wire === ORIGINAL_VERSION ? typed : name;
    this.nameBytes = Buffer.from(this.wireName, "latin1");
  }

  private logIn(): void {
    this.loggedIn = true;
    this.conn.loggedIn();
  }

  private logOut(): void {
    this.ctx.hub.leave(this);
    this.loggedIn = false;
    this.setName("");
  }

  // ---- output -----------------------------------------------------------------------

  /** Answer a request now, or once its answer comes: input waits meanwhile, so answers keep order. */
  private answer(answer: Answer<Reply>): void {
    if (!isPending(answer)) return this.reply(answer);
    this.conn.pauseInput();
    answer.then(
      this.conn.guarded((reply: Reply) => this.finish(reply)),
      this.conn.guarded((err: unknown) => {
        if (this.closed) return; // e.g. the store closed at shutdown after this connection
        this.ctx.log.error({ err, dialect: "cs262", user: this.name || undefined }, "request failed");
        this.finish(ACCOUNT_ANSWERS.storeFailed);
      }),
    );
  }

  private finish(answer: Reply): void {
    if (this.closed) return;
    this.reply(answer);
    this.conn.resumeInput();
  }

  private reply(answer: Reply): void {
    if (answer === NO_ANSWER) return;
    if (typeof answer !== "string") {
      this.conn.reply(answer);
      return;
    }
    if (answer === OK) {
      this.conn.reply(OK_FRAMES[this.wire]);
      return;
    }
    this.conn.reply(encodeResponse(answer, this.wire));
    this.ctx.hub.stats.dialect(this.dialect).errorAnswered(errorCode(answer));
    // Server-defined errors go to the operational log (stderr).
    this.ctx.log.info({ dialect: "cs262", remote: this.remote(), user: this.name || undefined }, answer);
  }

  private remote(): string {
    return `${this.conn.remoteAddress}:${this.conn.remotePort}`;
  }
}

function passwordProblem(password: string | undefined): string | undefined {
  if (password === undefined) return undefined;
  if (password.length === 0) return ACCOUNT_ANSWERS.emptyPassword;
  if (password.length > MAX_PASSWORD_BYTES) return ACCOUNT_ANSWERS.passwordTooLong;
  return undefined;
}
