/**
 * One cs262 connection: frames <-> hub and store calls, and hub events -> server SEND
 * frames (seed 002, docs/cs262.md; docs/wire.md#rendering-across-dialects).
 *
 * - Version 1: every request gets exactly one RESPONSE (or LISTRESPONSE), after the
 *   server SEND frames it caused. Requests are answered one at a time: while one waits
 *   for the store or for scrypt, input is paused, so answers leave in request order.
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
import type { DisconnectReason } from "../../core/errors.js";
import type { HubEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import { SERVER_NAME, foldName } from "../../core/names.js";
import type { Member } from "../../core/ports.js";
import { answerCodes } from "../../core/stats.js";
import type { Logger } from "../../log/ops-log.js";
import { hashPassword, verifyPassword } from "../../store/passwords.js";
import type { QueuedMessage, Store } from "../../store/store.js";
import { isRefusedName, NO_LOGIN_LIMIT, type LoginAttempts } from "../../transport/address-limits.js";
import type { TransportLimits } from "../../transport/limits.js";
import type { Conn, StreamSession } from "../../transport/session.js";
import type { CodecError } from "../../transport/stream-codec.js";
import { literalGlob } from "../../store/glob.js";
import { asciiOnly } from "../render-text.js";
import { encodeListResponse, encodeResponse, encodeSend, WRONG_VERSION_CODE, writeHeader, type Cs262CodecError } from "./codec.js";
import { Command, HEADER_BYTES, ORIGINAL_VERSION, SEPARATOR, VERSION, type Cs262Frame, type WireVersion } from "./frames.js";
import { ACCOUNT_ANSWERS, JOIN_ANSWERS, LIMIT_ANSWERS, OK, PROTOCOL_ANSWERS, SEND_ANSWERS } from "./wire-errors.js";

export interface Cs262Context {
  readonly hub: Hub;
  readonly store: Store;
  readonly log: Logger;
  readonly limits: Readonly<TransportLimits>;
  /** Refused logins per client address (--login-failures); default none. */
  readonly logins?: LoginAttempts | undefined;
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
type Answer = string | Buffer | typeof NO_ANSWER;
const NO_ANSWER = null;

const OK_FRAMES: Record<WireVersion, Buffer> = { 0: encodeResponse(OK, ORIGINAL_VERSION), 1: encodeResponse(OK, VERSION) };

/** Error answers by code, for the metrics; a codec's own message is a malformed frame. */
const errorCode = answerCodes<string>([JOIN_ANSWERS, SEND_ANSWERS, ACCOUNT_ANSWERS, PROTOCOL_ANSWERS, LIMIT_ANSWERS], () => "malformed");
/**
 * The goodbye at shutdown (docs/cs262.md "Shutdown"): a server SEND from `server` (a
 * reserved name, so no account's), which the client prints as `server: <text>`.
 */
const GOODBYE_TEXT = "The server is going down";

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
    this.conn.close(reason);
  }

  // ---- frames from the client -------------------------------------------------------

  onFrame(frame: Cs262Frame): void {
    // The codec holds the connection to its first frame's numbering (docs/cs262.md#frames).
    this.version ??= frame.version ?? VERSION;
    switch (frame.command) {
      case Command.Create:
        return this.answerLater(this.create(frame.name, frame.password));
      case Command.Login:
        return this.answerLater(this.login(frame.name, frame.password, frame.name));
      case Command.List:
        return this.answerLater(this.list(frame.pattern));
      case Command.Send:
        return this.send(frame.sender, frame.recipient, frame.message);
      case Command.Deliver:
        return this.deliverQueued();
      case Command.Delete:
        return this.answerLater(this.deleteAccount());
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
  private async create(name: string, password: string | undefined): Promise<Answer> {
    if (this.loggedIn) return ACCOUNT_ANSWERS.alreadyLoggedIn;
    const bad = passwordProblem(password);
    if (bad !== undefined) return bad;
    return this.attempt(async () => {
      if (this.ctx.store.isAccount(name)) return refused(ACCOUNT_ANSWERS.exists);
      // Join first: holding the name online keeps every other CREATE, LOGIN or join of it
      // out while the password is hashed and the account written.
      this.setName(name);
      const joined = this.ctx.hub.join(this, name);
      if (joined !== "ok") {
        this.setName("");
        return { answer: JOIN_ANSWERS[joined], failed: isRefusedName(joined) };
      }
      let created = false;
      try {
        const hash = password === undefined ? undefined : await hashPassword(password);
        if (this.closed) return done(OK); // gone while hashing: nobody to create it for
        created = await this.ctx.store.createAccount(name, hash);
      } finally {
        if (!created) this.logOut();
      }
      if (!created) return refused(ACCOUNT_ANSWERS.exists); // made by another process on the same store
      this.logIn();
      this.ctx.log.info({ dialect: "cs262", user: name, remote: this.remote() }, "account created");
      return done(OK);
    });
  }

  /** LOGIN `[name]` or `[name, password]`; `typed` is the spelling the client used. */
  private async login(name: string, password: string | undefined, typed: string): Promise<Answer> {
    if (this.loggedIn) return ACCOUNT_ANSWERS.alreadyLoggedIn;
    if (password !== undefined && password.length > MAX_PASSWORD_BYTES) return ACCOUNT_ANSWERS.passwordTooLong;
    return this.attempt(async () => {
      const account = await this.ctx.store.findAccount(name);
      if (account === undefined) return refused(ACCOUNT_ANSWERS.unknown);
      if (this.ctx.hub.isOnline(account.name)) return refused(ACCOUNT_ANSWERS.loggedInElsewhere);
      // An account made with a password needs it; one made without takes any (docs/cs262.md#accounts).
      if (account.passwordHash !== undefined) {
        if (password === undefined) return refused(ACCOUNT_ANSWERS.passwordRequired);
        if (!(await verifyPassword(password, account.passwordHash))) return refused(ACCOUNT_ANSWERS.wrongPassword);
      }
      if (this.closed) return done(OK);
      this.setName(account.name, typed);
      const joined = this.ctx.hub.join(this, account.name, { ownsReservedName: true });
      if (joined !== "ok") {
        this.setName("");
        return { answer: joined === "name_taken" ? ACCOUNT_ANSWERS.loggedInElsewhere : JOIN_ANSWERS[joined], failed: isRefusedName(joined) };
      }
      this.logIn();
      return done(OK);
    });
  }

  /**
   * A CREATE or LOGIN counted against its address's refused logins (--login-failures):
   * refused at once, before any store read or scrypt, when the address is over them.
   */
  private async attempt(work: () => Promise<Attempt>): Promise<Answer> {
    const logins = this.ctx.logins ?? NO_LOGIN_LIMIT;
    const ip = this.conn.remoteAddress;
    if (logins.begin(ip, this.ctx.hub.stats.dialect(this.dialect)) > 0) return LIMIT_ANSWERS.tooManyFailedLogins;
    let failed = false; // a store failure is not the client's
    try {
      const result = await work();
      failed = result.failed;
      return result.answer;
    } finally {
      logins.end(ip, failed);
    }
  }

  /** LIST `[]` or `[pattern]`: account names, online or not (other dialects list online users). */
  private async list(pattern: string | undefined): Promise<Answer> {
    // At most what fits one frame of the limit, in alphabetical order (docs/cs262.md).
    // Version 0's pattern is a shell glob, as the original's; version 1's has only `*`.
    const glob = pattern === undefined || this.wire === ORIGINAL_VERSION ? pattern : literalGlob(pattern);
    return encodeListResponse(await this.ctx.store.listAccounts(glob, this.listLimit), this.wire);
  }

  /** SEND `[sender, recipient, message]`: the sender must be the logged-in account. */
  private send(sender: string, recipient: string, message: string): void {
    if (!this.loggedIn) return this.reply(ACCOUNT_ANSWERS.notLoggedIn);
    if (foldName(sender) !== foldName(this.name)) return this.reply(ACCOUNT_ANSWERS.forgedSender);
    const result = this.ctx.hub.direct(this, recipient, message);
    // Version 0 confirms a SEND by echoing it to the sender (the original server's way).
    const confirmation = this.wire === ORIGINAL_VERSION ? encodeSend(sender, recipient, message, ORIGINAL_VERSION) : OK;
    if (result === "ok") return this.reply(confirmation);
    if (result !== "queued") return this.reply(SEND_ANSWERS[result]);
    // Kept for an offline account: acknowledged only once it is on disk (docs/wire.md#offline-mail).
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
   * then the RESPONSE (none in version 0). Read a page at a time; a page is dropped from the store once its
   * frames are handed to the kernel, so a crash before that delivers them again.
   */
  private deliverQueued(): void {
    if (!this.loggedIn) return this.reply(ACCOUNT_ANSWERS.notLoggedIn);
    this.conn.pauseInput();
    this.deliverPage(0);
  }

  private deliverPage(afterId: number): void {
    const name = this.name;
    // Store callbacks are outside the transport's calls: each runs inside the session boundary.
    const failed = this.conn.guarded((err: unknown): void => {
      if (this.closed) return; // e.g. the store closed at shutdown after this connection
      this.ctx.log.error({ err, dialect: "cs262", user: name }, "delivering queued messages failed");
      this.finish(ACCOUNT_ANSWERS.storeFailed);
    });
    this.ctx.store.peekQueued(name, afterId, DELIVER_PAGE).then(
      this.conn.guarded((messages: QueuedMessage[]) => {
        if (this.closed) return;
        const last = messages[messages.length - 1];
        if (last === undefined) return this.finish(this.success);
        for (const m of messages) {
          if (!this.conn.reply(encodeSend(m.from, this.wireName, asciiOnly(m.text), this.wire))) return; // closed meanwhile
        }
        // Backpressure: the next page is read only once the socket has taken this one.
        this.conn.whenFlushed(() => {
          this.ctx.store.dropQueued(name, last.id).then(
            this.conn.guarded(() => {
              if (this.closed) return;
              if (messages.length < DELIVER_PAGE) this.finish(this.success);
              else this.deliverPage(last.id);
            }),
            failed,
          );
        });
      }),
      failed,
    );
  }

  /** DELETE: the account and its queue go, then the connection is logged out (stays open). */
  private async deleteAccount(): Promise<Answer> {
    if (!this.loggedIn) return ACCOUNT_ANSWERS.notLoggedIn;
    const name = this.name;
    await this.ctx.store.deleteAccount(name);
    this.logOut();
    this.ctx.log.info({ dialect: "cs262", user: name, remote: this.remote() }, "account deleted");
    return this.success;
  }

  /** Success of a DELIVER or DELETE: a RESPONSE in version 1, nothing in version 0. */
  private get success(): Answer {
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

  /** Answer a request once `work` settles; input waits meanwhile, so answers keep order. */
  private answerLater(work: Promise<Answer>): void {
    this.conn.pauseInput();
    work.then(
      this.conn.guarded((answer: Answer) => this.finish(answer)),
      this.conn.guarded((err: unknown) => {
        if (this.closed) return; // e.g. the store closed at shutdown after this connection
        this.ctx.log.error({ err, dialect: "cs262", user: this.name || undefined }, "request failed");
        this.finish(ACCOUNT_ANSWERS.storeFailed);
      }),
    );
  }

  private finish(answer: Answer): void {
    if (this.closed) return;
    this.reply(answer);
    this.conn.resumeInput();
  }

  private reply(answer: Answer): void {
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

/** The outcome of a login attempt, and whether it counts as refused (the client's doing). */
interface Attempt {
  readonly answer: Answer;
  readonly failed: boolean;
}
const refused = (answer: Answer): Attempt => ({ answer, failed: true });
const done = (answer: Answer): Attempt => ({ answer, failed: false });

function passwordProblem(password: string | undefined): string | undefined {
  if (password === undefined) return undefined;
  if (password.length === 0) return ACCOUNT_ANSWERS.emptyPassword;
  if (password.length > MAX_PASSWORD_BYTES) return ACCOUNT_ANSWERS.passwordTooLong;
  return undefined;
}
