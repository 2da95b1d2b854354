/**
 * CHAT UDP sessions (seed 004, docs/udp.md): datagrams <-> hub calls, hub events ->
 * datagrams. There is no connection: a user is the source address:port that
 * registered (a UdpMember, admitted into the transport's peer table), and everything
 * else about an address is decided per datagram here:
 * - an unregistered address is answered only for REGISTER and INFO (docs/udp.md#anti-abuse), and the
 *   transport caps even those (5 a second, at most 64 bytes), so a spoofed source
 *   cannot turn the server into a reflector;
 * - the transport rate-limits a registered address (--udp-rate) and drops what is over
 *   it; the first refused datagram of a run is answered here with one Error (overRate);
 * - the transport releases an address silent for the idle limit (onIdle) and the hub
 *   tells everyone else, as for any leave.
 * A timer of the transport's (link.every) sends the user list to every registered
 * address (RFC 3.4, "at regular intervals"); the list's datagrams are encoded once per
 * change of presence.
 *
 * A hub answer may be pending (a networked registry, router or mailbox). With no
 * connection to pause, udp keeps order per address itself: while a PRIVATE of a user
 * waits for its answer, that user's later datagrams wait in order behind it (at most
 * MAX_WAITING; beyond that they are dropped, as the network may drop them), and while
 * an address's REGISTER waits, further datagrams from it are dropped (a client that
 * gets no OK registers again).
 */
import { isPending } from "../../core/answer.js";
import type { DisconnectReason, JoinResult, SendResult } from "../../core/errors.js";
import type { HubEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import { SERVER_NAME, foldName } from "../../core/names.js";
import type { Member } from "../../core/ports.js";
import type { RateLimit } from "../../core/rate-limit.js";
import { answerCodes, type DialectStats } from "../../core/stats.js";
import type { Logger } from "../../log/ops-log.js";
import type { DecodedDatagram } from "../../transport/datagram-codec.js";
import type { DatagramHandler, DatagramLink, Peer } from "../../transport/datagram-session.js";
import { OK_DATAGRAM, encodeMessage, encodeText, encodeUserList } from "./codec.js";
import { Op, type UdpFrame } from "./frames.js";
import { JOIN_ANSWERS, PROTOCOL_ANSWERS, SEND_ANSWERS, type Answer } from "./wire-errors.js";

export interface UdpOptions {
  /** Every registered address gets the user list (43) this often. */
  listIntervalMs: number;
  /** A registered address that sends nothing for this long is logged out. */
  idleTimeoutMs: number;
  /** Datagrams a registered address may send (`perSecond` 0: no limit); applied by the transport, as the idle timeout. */
  rate: RateLimit;
}

export const DEFAULT_UDP_OPTIONS: Readonly<UdpOptions> = Object.freeze({
  listIntervalMs: 30_000,
  idleTimeoutMs: 90_000,
  rate: Object.freeze({ perSecond: 10, burst: 20 }),
});

export interface UdpContext {
  readonly hub: Hub;
  readonly log: Logger;
  /** `switchboard/<version>` in the INFO reply. */
  readonly version: string;
  readonly options: Readonly<UdpOptions>;
}

/** Error answers by code, for the metrics; a codec's own message is a malformed datagram. */
const errorCode = answerCodes<Answer>([JOIN_ANSWERS, SEND_ANSWERS, PROTOCOL_ANSWERS], () => "malformed");
/**
 * The goodbye at shutdown (docs/udp.md "Shutdown"): a PUBLIC MESSAGE (21) from `server`
 * (a reserved name), the same datagram to every registered address.
 */
const GOODBYE = encodeMessage(Op.PublicMessage, SERVER_NAME, "The server is going down");
/** The same datagram when a cluster node must let the user go: its name went to another node's user (docs/cluster.md#names). */
const NAME_LOST = encodeMessage(Op.PublicMessage, SERVER_NAME, "Your name was taken by another node while this one was cut off");

/** Datagrams a user's later datagrams may queue behind a pending hub answer. */
export const MAX_WAITING = 64;
/** Addresses whose REGISTER may wait for the hub's answer at once; beyond, a REGISTER is dropped. */
export const MAX_REGISTERING = 1024;

/** Lobby messages are encoded once for all udp recipients of a broadcast. */
const rendered = new WeakMap<HubEvent, readonly Buffer[]>();

/** docs/wire.md#rendering-across-dialects: lobby -> 21, direct -> 23; joins, leaves and files show in the next list only. */
function render(event: HubEvent): readonly Buffer[] | undefined {
  switch (event.kind) {
    case "lobby": {
      let datagrams = rendered.get(event);
      if (datagrams === undefined) {
        datagrams = encodeMessage(Op.PublicMessage, event.from, event.text);
        rendered.set(event, datagrams);
      }
      return datagrams;
    }
    case "direct":
      return encodeMessage(Op.PrivateMessage, event.from, event.text);
    default:
      return undefined;
  }
}

/** A registered address, as the hub sees it. */
export class UdpMember implements Member {
  readonly dialect = "udp";
  name = "";
  /** Logged out (LOGOUT, idle, shutdown): later calls are no-ops. */
  gone = false;
  /** Set while a hub answer for this user is pending: its later datagrams, in order. */
  waiting: DecodedDatagram<UdpFrame>[] | undefined;

  constructor(
    readonly peer: Peer,
    private readonly server: UdpServer,
  ) {}

  /**
   * Sends at once: UDP has no per-member queue to fill (the transport bounds the
   * socket's send queue and drops beyond it, as the network may), so this never
   * reports an overflow.
   */
  deliver(event: HubEvent): boolean {
    if (event.kind === "join" || event.kind === "leave") {
      this.server.presenceChanged();
      return true;
    }
    const datagrams = render(event);
    if (datagrams !== undefined) for (const d of datagrams) this.server.link.send(this.peer, d);
    return true;
  }

  disconnect(reason: DisconnectReason): void {
    // Sent while the address is still registered, so no reply limit applies to it.
    const goodbye = reason === "server_shutdown" ? GOODBYE : reason === "name_lost" ? NAME_LOST : undefined;
    if (goodbye !== undefined && !this.gone) for (const d of goodbye) this.server.link.send(this.peer, d);
    this.server.logOut(this, reason);
  }
}

export class UdpServer implements DatagramHandler<UdpFrame, UdpMember> {
  /** The user list's datagrams, until the next join or leave anywhere. */
  private listCache: readonly Buffer[] | undefined;
  /** Error datagrams by text: the texts are a fixed set of constants, so this stays small. */
  private readonly errors = new Map<string, Buffer>();
  private readonly stats: DialectStats;
  /** Addresses whose REGISTER waits for the hub's answer, with the user it would make. */
  private readonly registering = new Map<string, UdpMember>();

  constructor(
    readonly link: DatagramLink<UdpMember>,
    private readonly ctx: UdpContext,
  ) {
    this.stats = ctx.hub.stats.dialect("udp");
    link.every(ctx.options.listIntervalMs, "sending the user list", () => this.sendListToAll());
  }

  // ---- datagrams --------------------------------------------------------------------

  onDatagram(decoded: DecodedDatagram<UdpFrame>, from: Peer, member: UdpMember | undefined): void {
    if (member === undefined) return this.fromUnregistered(decoded, from);
    if (member.waiting !== undefined) {
      if (member.waiting.length < MAX_WAITING) member.waiting.push(decoded);
      return;
    }
    this.handle(decoded, member);
  }

  /** A registered user's datagram, in its turn. */
  private handle(decoded: DecodedDatagram<UdpFrame>, member: UdpMember): void {
    const from = member.peer;
    if (!decoded.ok) return this.refuse(from, decoded.error.message, member);
    const f = decoded.frame;
    switch (f.op) {
      case Op.Register:
        // The same name again is a retry whose OK was lost: OK again (UDP loses datagrams).
        return this.answer(member, foldName(f.name) === foldName(member.name) ? undefined : PROTOCOL_ANSWERS.registeredAs);
      case Op.Logout:
        // RFC 2.2 (OK once the name is deleted): both happen in this one turn, and the OK
        // is handed over first, while the address is still registered, so that the
        // reply limits for unregistered addresses do not apply to it.
        this.link.send(from, OK_DATAGRAM);
        return this.logOut(member, "client_left");
      case Op.Info:
        this.link.send(from, this.infoDatagram());
        return;
      case Op.List:
        for (const d of this.userList()) this.link.send(from, d);
        return;
      case Op.Public:
        return this.sendPublic(member, f.text);
      case Op.Private:
        // RFC 5.2: OK when the receiver is online (it got the 23), else Error.
        return this.sendPrivate(member, f.to, f.text);
      default:
        // 0, 1, 21, 23, 41, 43 are the server's to send.
        return this.refuse(from, PROTOCOL_ANSWERS.serverOnly, member);
    }
  }

  /** One Error per run of refused datagrams (the transport drops the rest unseen): a flood is not answered datagram for datagram. */
  overRate(member: UdpMember): void {
    this.refuse(member.peer, PROTOCOL_ANSWERS.rateLimited, member);
  }

  /**
   * docs/udp.md#anti-abuse: an unregistered address is answered only for REGISTER and INFO
   * (a malformed one included); LIST, PUBLIC, PRIVATE, LOGOUT and anything else get
   * nothing, so a forged source address learns nothing and receives nothing. The
   * transport caps the answers that do go out (5 a second, 64 bytes).
   */
  private fromUnregistered(decoded: DecodedDatagram<UdpFrame>, from: Peer): void {
    if (!decoded.ok) {
      if (decoded.typeByte === Op.Register || decoded.typeByte === Op.Info) this.refuse(from, decoded.error.message, undefined);
      return;
    }
    const f = decoded.frame;
    if (f.op === Op.Register) return this.register(from, f.name);
    if (f.op === Op.Info) this.link.send(from, this.infoDatagram());
  }

  /** RFC 1.1-1.2: REGISTER binds the name to the source address:port. */
  private register(from: Peer, name: string): void {
    // Its answer is on the way: a repeat (a client that did not wait) is dropped.
    if (this.registering.has(from.key)) return;
    const member = new UdpMember(from, this);
    member.name = name; // set first: the hub keys the member by it
    const result = this.ctx.hub.join(member, name); // not held to --login-failures: a source address can be forged
    if (!isPending(result)) return this.registered(member, result);
    if (this.registering.size >= MAX_REGISTERING) return void this.ctx.hub.leave(member); // dropped, as the network may
    this.registering.set(from.key, member);
    const answered = (answer: JoinResult): void => {
      if (this.registering.get(from.key) !== member) return; // the server closed meanwhile
      this.registering.delete(from.key);
      this.registered(member, answer);
    };
    result.then(this.guarded(member, answered), this.guarded(member, rethrow));
  }

  private registered(member: UdpMember, result: JoinResult): void {
    const from = member.peer;
    if (result !== "ok") return this.refuse(from, JOIN_ANSWERS[result]!, undefined);
    this.link.admit(from, member);
    this.presenceChanged();
    this.link.send(from, OK_DATAGRAM);
    this.ctx.log.debug({ dialect: "udp", remote: from.key, user: member.name }, "login");
  }

  private sendPrivate(member: UdpMember, to: string, text: string): void {
    const result = this.ctx.hub.direct(member, to, text);
    if (!isPending(result)) return this.privateSent(member, result);
    member.waiting = [];
    result.then(
      this.guarded(member, (answer: SendResult) => {
        this.privateSent(member, answer);
        this.goOn(member);
      }),
      this.guarded(member, (err: unknown) => {
        // Not handed over: answered as a message that could not be kept.
        this.ctx.log.error({ err, dialect: "udp", remote: member.peer.key, user: member.name }, "sending a private message failed");
        this.answer(member, PROTOCOL_ANSWERS.notKept);
        this.goOn(member);
      }),
    );
  }

  private privateSent(member: UdpMember, result: SendResult): void {
    if (result !== "queued") return this.answer(member, SEND_ANSWERS[result]);
    // For an offline cs262 account: OK once the message is on disk.
    this.ctx.hub.whenQueuedDurable(this.guarded(member, (err?: Error) => this.answer(member, err ? PROTOCOL_ANSWERS.notKept : undefined)));
  }

  /** A pending answer of `member`'s came: its datagrams that waited meanwhile are handled, in order. */
  private goOn(member: UdpMember): void {
    const waiting = member.waiting ?? [];
    member.waiting = undefined;
    for (let i = 0; i < waiting.length && !member.gone; i++) {
      this.handle(waiting[i]!, member);
      // Another answer is pending: the rest wait behind it, still in order.
      const again = member.waiting as DecodedDatagram<UdpFrame>[] | undefined; // set by handle
      if (again !== undefined) return void again.push(...waiting.slice(i + 1));
    }
  }

  private sendPublic(member: UdpMember, text: string): void {
    const result = this.ctx.hub.lobby(member, text);
    if (result !== "ok") return this.refuse(member.peer, SEND_ANSWERS[result]!, member);
    // RFC 4.2: forwarded to all connected users, the sender included (the hub skips it).
    for (const d of encodeMessage(Op.PublicMessage, member.name, text)) this.link.send(member.peer, d);
  }

  // ---- liveness and leaving ---------------------------------------------------------

  /** docs/udp.md#liveness: silent for the idle limit; the transport has already released the address. */
  onIdle(member: UdpMember): void {
    this.logOut(member, "idle_timeout", "idle");
  }

  /** Handling a datagram of `member` threw (the transport logged it): that user is logged out. */
  onSessionError(member: UdpMember): void {
    this.logOut(member, "session_error");
  }

  /** `callback` inside `member`'s session boundary (the transport's), for calls from outside the listener (promises). */
  private guarded<A extends unknown[]>(member: UdpMember, callback: (...args: A) => void): (...args: A) => void {
    return this.link.guarded(member.peer, member, callback);
  }

  userOf(member: UdpMember): string {
    return member.name;
  }

  /** LOGOUT, idle, the hub's disconnect, or shutdown: the name goes, everyone else is told. */
  logOut(member: UdpMember, reason: DisconnectReason, detail?: string): void {
    if (member.gone) return;
    member.gone = true;
    this.stats.disconnects[reason]++;
    this.link.release(member.peer);
    this.ctx.hub.leave(member);
    this.presenceChanged();
    // At shutdown the "stopped" line counts them: one line per user would only repeat it.
    const level = reason === "server_shutdown" ? "debug" : "info";
    this.ctx.log[level]({ dialect: "udp", remote: member.peer.key, user: member.name, reason: detail ?? reason }, "logout");
  }

  close(): void {
    for (const member of [...this.link.sessions()]) this.logOut(member, "server_shutdown");
    // Registrations still waiting are abandoned: the hub answers them no more.
    for (const member of this.registering.values()) this.ctx.hub.leave(member);
    this.registering.clear();
  }

  // ---- output -----------------------------------------------------------------------

  /** Someone joined or left (any dialect): the cached list is stale. */
  presenceChanged(): void {
    this.listCache = undefined;
  }

  /** RFC 3.4 "at regular intervals": the same datagrams to every registered address. */
  private sendListToAll(): void {
    if (this.link.admittedCount === 0) return;
    const list = this.userList();
    for (const member of this.link.sessions()) for (const d of list) this.link.send(member.peer, d);
  }

  /** Everyone online in every dialect, in join order, split as docs/udp.md#the-user-list-43 says. */
  private userList(): readonly Buffer[] {
    return (this.listCache ??= encodeUserList(this.ctx.hub.names()));
  }

  /** RFC 3.2: the server's date (ISO-8601, UTC) and version. */
  private infoDatagram(): Buffer {
    return encodeText(Op.InfoReply, `${new Date().toISOString()} switchboard/${this.ctx.version}`);
  }

  private answer(member: UdpMember, answer: Answer): void {
    if (answer === undefined) this.link.send(member.peer, OK_DATAGRAM);
    else this.refuse(member.peer, answer, member);
  }

  /** An Error datagram. The transport drops it to an unregistered address over the limits. */
  private refuse(to: Peer, text: string, member: UdpMember | undefined): void {
    let datagram = this.errors.get(text);
    if (datagram === undefined) {
      datagram = encodeText(Op.Error, text);
      this.errors.set(text, datagram);
    }
    // Counted when it went out: to an unregistered address the limits may drop it.
    if (this.link.send(to, datagram)) this.stats.errorAnswered(errorCode(text));
    // Server-defined errors go to the operational log; an unregistered address only at
    // debug level, so that spoofed traffic cannot flood the log.
    const fields = { dialect: "udp", remote: to.key, user: member?.name };
    if (member !== undefined) this.ctx.log.info(fields, text);
    else this.ctx.log.debug(fields, text);
  }
}

/** Inside `guarded`: the user is logged out as session_error, logged (a hub answer that should not fail did). */
function rethrow(err: unknown): never {
  throw err;
}
