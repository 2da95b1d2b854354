/**
 * The chat hub: names, presence, routing, accounts and offline mail. It knows nothing
 * of any wire: dialects call it with names and text, and receive HubEvents through
 * their Member.deliver. Its state is behind ports (ports.ts) whose answers may be
 * pending (answer.ts). Its other jobs live beside it: the login policy (login-gate.ts),
 * accounts (hub-accounts.ts), events on their way out (fan-out.ts), and direct messages
 * with the offline mail (direct-messages.ts).
 */
import { isPending, type Answer } from "./answer.js";
import { ClientEvents } from "./client-events.js";
import type { DisconnectReason, JoinResult, LobbyResult, LoginLimited, SendResult } from "./errors.js";
import { DirectMessages } from "./direct-messages.js";
import type { PublicEvent } from "./events.js";
import { FanOut } from "./fan-out.js";
import { HubAccounts } from "./hub-accounts.js";
import { DEFAULT_HUB_LIMITS, type HubLimits } from "./limits.js";
import type { LoginAttempts } from "./login-attempts.js";
import { LEFT, LoginGate, type Left, type LoginFrom, type OverAllowance } from "./login-gate.js";
import { LocalNameRegistry } from "./local-registry.js";
import { LocalRouter } from "./local-router.js";
import { SERVER_NAME, foldName, isValidName } from "./names.js";
import type { Accounts, Mailbox, Member, NameRegistry, Router } from "./ports.js";
import { ChatStats } from "./stats.js";

export interface HubOptions {
  limits?: Partial<HubLimits>;
  registry?: NameRegistry;
  router?: Router;
  /**
   * Accounts (cs262's): a name that owns one is reserved in every dialect, and only a
   * login to the account may take it (docs/wire.md#reserved-names). Without: no accounts.
   */
  accounts?: Accounts;
  /** Takes direct messages for names that are offline; without one they fail as user_unknown. */
  mailbox?: Mailbox;
  /**
   * Refused logins per client address (--login-failures), held against every login that
   * says where it comes from (JoinOptions.from), in every dialect together; `setLimits`
   * retunes it. Without: no such limit.
   */
  loginAttempts?: LoginAttempts;
  /**
   * Told of code that threw while the hub called it: a member's deliver or disconnect
   * (the member is then dropped as `session_error`), an observer, or a durability
   * callback. For the operational log; the hub itself goes on.
   */
  onError?: (err: unknown, member: Member | undefined) => void;
  /** Where logins, messages and deliveries are counted; default a fresh one (see `stats`). */
  stats?: ChatStats;
}

export interface JoinOptions<Over extends OverAllowance = OverAllowance> {
  /** The caller has authenticated as the owner of the reserved name. */
  ownsReservedName?: boolean;
  /**
   * Where the login comes from: it is then held to its address's allowance of refused
   * logins (login-gate.ts), answered late or refused past it. Without: not counted
   * (udp, whose source addresses can be forged; the bots).
   */
  from?: LoginFrom<Over>;
}

const NO_OPTIONS: JoinOptions = {};
/** The audience of the leaves a shutdown sends on: nobody in this process. */
const NO_ONE_HERE: readonly Member[] = [];

export class Hub {
  /**
   * The hub's own copy, read through this reference by every dialect and the transport,
   * so setLimits (SIGHUP) reaches them all without a restart.
   */
  readonly limits: Readonly<HubLimits>;
  /** Counters by dialect, shared with the listeners; read by the metrics and the status page. */
  readonly stats: ChatStats;
  /** Accounts and the mail kept for them (cs262): create, log in, delete, list, hand out mail. */
  readonly accounts: HubAccounts;
  private readonly registry: NameRegistry;
  private readonly router: Router;
  private readonly accountPort: Accounts | undefined;
  private readonly gate: LoginGate;
  private readonly fanOut: FanOut;
  private readonly directs: DirectMessages;
  private readonly onError: (err: unknown, member: Member | undefined) => void;
  /** Comings and goings of clients, reported by the sessions for the chat logs (client-events.ts). */
  readonly clientEvents: ClientEvents;
  /** Set by dismissAll: the server is going down and takes no one new. */
  private closing = false;

  constructor(options: HubOptions = {}) {
    this.limits = { ...DEFAULT_HUB_LIMITS, ...options.limits };
    this.registry = options.registry ?? new LocalNameRegistry();
    this.onError = options.onError ?? (() => undefined);
    this.router = options.router ?? new LocalRouter(this.registry, (member, err) => this.fanOut.memberThrew(member, err));
    this.accountPort = options.accounts;
    this.stats = options.stats ?? new ChatStats();
    this.fanOut = new FanOut(this.router, this.stats, this.onError, (member) => this.leave(member));
    this.router.attach?.({
      undelivered: (member) => this.fanOut.dropFailed(member),
      threw: (member, err) => this.fanOut.memberThrew(member, err),
    });
    this.directs = new DirectMessages(this.registry, this.router, options.mailbox, this.fanOut, this.stats, this.onError);
    this.gate = new LoginGate(this.stats, options.loginAttempts);
    this.accounts = new HubAccounts({
      accounts: options.accounts,
      mailbox: options.mailbox,
      gate: this.gate,
      admit: (member, name, ownsReservedName) => this.admit(member, name, ownsReservedName),
      signOff: (member) => this.signOff(member),
      isMember: (member) => this.isMember(member),
      isOnline: (name) => this.isOnline(name),
    });
    this.clientEvents = new ClientEvents((err) => this.onError(err, undefined));
  }

  /** New values for the limits, in place: each applies from its next check (SIGHUP). */
  setLimits(next: Readonly<HubLimits>): void {
    Object.assign(this.limits as HubLimits, next);
    this.gate.attempts?.retune(next.loginFailures, next.loginFailureWindowMs);
  }

  /** Forget client addresses whose login allowance has refilled (the switchboard's sweep timer). */
  sweep(now = Date.now()): void {
    this.gate.attempts?.sweep(now);
  }

  /**
   * Call `observer` with every join, leave, lobby message and file notice (never a
   * direct message), as it is fanned out, and the member it comes from (the one joining,
   * leaving, sending, storing): a log may keep only what one dialect's users do. It must
   * not block or throw.
   */
  observe(observer: (event: PublicEvent, by: Member) => void): () => void {
    return this.fanOut.observe(observer);
  }

  /**
   * Log `member` in under `name` and tell everyone else (the joiner gets no join event).
   * Answered at once by the local registry; later when the registry answers over the
   * network, or when `options.from` is past its allowance and asked to wait. While the
   * answer is pending the caller reads no more of its client's input (so answers keep
   * their order); if `member` leaves meanwhile, the join is abandoned and never answers.
   * The member's `name` must already be `name`: events may reach it from the moment it
   * is joined.
   */
  join(member: Member, name: string, options?: JoinOptions<"wait">): Answer<JoinResult>;
  join(member: Member, name: string, options: JoinOptions<"refuse">): Answer<JoinResult | LoginLimited>;
  join(member: Member, name: string, options: JoinOptions = NO_OPTIONS): Answer<JoinResult | LoginLimited> {
    return this.gate.pass(member, options.from, () => this.admit(member, name, options.ownsReservedName === true));
  }

  /**
   * A login the dialect refused before it reached the hub (a name too long to read: an
   * invalid one), counted against its address's allowance as any refused name is, and
   * answered as a join would be: late when the address is past its allowance.
   */
  refuseLogin(member: Member, from: LoginFrom<"wait">): Answer<"name_invalid">;
  refuseLogin(member: Member, from: LoginFrom<"refuse">): Answer<"name_invalid" | LoginLimited>;
  refuseLogin(member: Member, from: LoginFrom): Answer<"name_invalid" | LoginLimited> {
    return this.gate.pass(member, from, () => "name_invalid" as const);
  }

  /** The join itself, with no login policy (the gate is around it). */
  private admit(member: Member, name: string, ownsReservedName: boolean): Answer<JoinResult | Left> {
    if (!isValidName(name)) return "name_invalid";
    const folded = foldName(name);
    if (folded === SERVER_NAME) return "name_reserved";
    if (this.isMember(member)) return "already_joined";
    if (!ownsReservedName && this.accountPort?.isAccount(folded)) return "name_owned";
    if (this.registry.find(folded)) return "name_taken";
    if (this.isFull()) return "server_full";
    const claimed = this.registry.claim(folded, member);
    if (!isPending(claimed)) return claimed ? this.joined(member, name) : "name_taken";
    return claimed.then(
      (granted) => {
        if (!granted) return "name_taken";
        if (!this.gate.stillWanted(member) || this.closing) {
          this.registry.release(folded, member); // gone meanwhile, or the server is going down
          return this.closing ? "server_full" : LEFT;
        }
        return this.joined(member, name);
      },
      (err: unknown) => {
        // The registry could not be asked (a cluster's network): busy, as a full server.
        this.onError(err, member);
        return "server_full";
      },
    );
  }

  private isFull(): boolean {
    const max = this.limits.maxUsers;
    return this.closing || (max > 0 && this.registry.size >= max);
  }

  /** `member` holds its name: it is in. */
  private joined(member: Member, name: string): "ok" {
    this.fanOut.joined(member);
    this.stats.joined(member.dialect);
    this.fanOut.publish({ kind: "join", name }, member);
    return "ok";
  }

  /**
   * Idempotent: a member that is not (or no longer) joined is ignored. A member whose
   * login is pending abandons it (its connection closed).
   */
  leave(member: Member): void {
    this.gate.abandon(member);
    this.signOff(member);
  }

  /** `leave`, but a pending login of the member goes on (a step of it failed and undoes its join). */
  private signOff(member: Member): void {
    if (!this.isMember(member)) return;
    this.release(member);
    this.fanOut.publish({ kind: "leave", name: member.name }, member);
  }

  /**
   * The server is going down: from now on every join is refused (`server_full`), and
   * every member is asked to go (`disconnect(reason)`), which each dialect renders in
   * its own words before its connection closes. Nobody here is told that the others
   * leave: everyone here is leaving. Members elsewhere (the other nodes of a cluster)
   * stay, and are told as on any leave. Returns how many members were online, by dialect.
   */
  dismissAll(reason: DisconnectReason): Record<string, number> {
    this.closing = true;
    // Members on other cluster nodes are theirs to dismiss.
    const members = [...this.registry.members()].filter((m) => m.node === undefined);
    const byDialect: Record<string, number> = {};
    for (const m of members) {
      this.release(m);
      // An audience of no one here: a router that reaches elsewhere still tells them.
      this.router.broadcast({ kind: "leave", name: m.name }, m, NO_ONE_HERE);
      byDialect[m.dialect] = (byDialect[m.dialect] ?? 0) + 1;
    }
    for (const m of members) {
      try {
        m.disconnect(reason);
      } catch (err) {
        this.onError(err, m);
      }
    }
    return byDialect;
  }

  /** A lobby message to every other member (dialects that echo do it themselves). */
  lobby(from: Member, text: string): LobbyResult {
    const problem = this.checkSend(from, text);
    if (problem) return problem;
    if (this.router.reachable?.() === false) return "unreachable";
    this.stats.lobbySent(from.dialect);
    this.fanOut.publish({ kind: "lobby", from: from.name, text }, from);
    return "ok";
  }

  /**
   * A direct message to one online member, or, when `to` is offline, to the Mailbox
   * ("queued": answer the sender once `whenQueuedDurable` calls back). Answered at once
   * by the local router and mailbox; later by networked ones (the caller then reads no
   * more of its client's input until it is answered); rejected when the message could
   * not be handed over. The local router delivers inside this call, which is what a
   * split delivery (transport/split-delivery.ts) relies on.
   */
  direct(from: Member, to: string, text: string): Answer<SendResult> {
    return this.checkSend(from, text) ?? this.directs.send(from, to, text);
  }

  /**
   * Call `done` once every message queued so far is durable (at once without a Mailbox),
   * or with the error that lost the last one. Dialects acknowledge a "queued" send here.
   */
  whenQueuedDurable(done: (err?: Error) => void): void {
    this.directs.whenDurable(done);
  }

  /** Tell every other member that `from` stored `file`. */
  fileStored(from: Member, file: string): void {
    if (this.isMember(from)) this.fanOut.publish({ kind: "file", from: from.name, file }, from);
  }

  isMember(member: Member): boolean {
    return member.name !== "" && this.registry.find(foldName(member.name)) === member;
  }

  isOnline(name: string): boolean {
    return this.registry.find(foldName(name)) !== undefined;
  }

  get online(): number {
    return this.registry.size;
  }

  /** Display names of everyone online, in join order. */
  names(): string[] {
    const names: string[] = [];
    for (const m of this.registry.members()) names.push(m.name);
    return names;
  }

  members(): IterableIterator<Member> {
    return this.registry.members();
  }

  /** Sizes of the hub's tables: they follow who is online (a leak check, see RunningSwitchboard.tables). */
  tableSizes(): Record<string, number> {
    return {
      "hub.members": this.registry.size,
      ...this.fanOut.tableSizes(),
      "hub.pendingLogins": this.gate.pendingCount,
      "logins.addresses": this.gate.attempts?.addresses ?? 0,
    };
  }

  private release(member: Member): void {
    this.registry.release(foldName(member.name), member);
    this.fanOut.left(member);
    this.stats.left(member.dialect);
  }

  private checkSend(from: Member, text: string): Exclude<LobbyResult, "ok"> | undefined {
    if (!this.isMember(from)) return "not_joined";
    if (text.length === 0) return "message_empty";
    // A UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count for short text.
    const max = this.limits.maxMessageBytes;
    if (text.length * 3 > max && Buffer.byteLength(text, "utf8") > max) return "message_too_long";
    return undefined;
  }
}
