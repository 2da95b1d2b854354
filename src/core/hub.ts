/**
 * The chat hub: names, presence, routing. It knows nothing of any wire: dialects call
 * it with names and text, and receive HubEvents through their Member.deliver.
 */
import { isPending, type Answer } from "./answer.js";
import type { DisconnectReason, JoinResult, LobbyResult, LoginLimited, SendResult } from "./errors.js";
import type { HubEvent, PublicEvent } from "./events.js";
import { HubAccounts } from "./hub-accounts.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import type { LoginAttempts } from "./login-attempts.js";
import { LEFT, LoginGate, type Left, type LoginFrom, type OverAllowance } from "./login-gate.js";
import { LocalNameRegistry } from "./local-registry.js";
import { LocalRouter } from "./local-router.js";
import { SERVER_NAME, foldName, isValidName } from "./names.js";
import type { Accounts, Mailbox, MailboxResult, Member, NameRegistry, Router } from "./ports.js";
import { ChatStats } from "./stats.js";

export interface HubOptions {
  limits?: Partial<Limits>;
  registry?: NameRegistry;
  router?: Router;
  /**
   * Accounts (cs262's): a name that owns one is reserved in every dialect, and only a
   * login to the account may take it (WIRE.md 1). Without: no accounts.
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

export class Hub {
  /**
   * The hub's own copy, read through this reference by every dialect and the transport,
   * so setLimits (SIGHUP) reaches them all without a restart.
   */
  readonly limits: Readonly<Limits>;
  /** Counters by dialect, shared with the listeners; read by the metrics and the status page. */
  readonly stats: ChatStats;
  /** Accounts and the mail kept for them (cs262): create, log in, delete, list, hand out mail. */
  readonly accounts: HubAccounts;
  private readonly registry: NameRegistry;
  private readonly router: Router;
  private readonly accountPort: Accounts | undefined;
  private readonly mailbox: Mailbox | undefined;
  private readonly gate: LoginGate;
  private readonly onError: (err: unknown, member: Member | undefined) => void;
  /** Members whose deliver threw: dropped as session_error rather than as slow consumers. */
  private readonly broken = new WeakSet<Member>();

  /** Watchers of every public event (a dialect's chat log), whoever the recipients are. */
  private readonly observers: ((event: PublicEvent) => void)[] = [];
  /** Members that show joins and leaves, in join order: the audience of those events. */
  private readonly presenceAudience = new Set<Member>();
  /** Set by dismissAll: the server is going down and takes no one new. */
  private closing = false;

  constructor(options: HubOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.registry = options.registry ?? new LocalNameRegistry();
    this.onError = options.onError ?? (() => undefined);
    this.router = options.router ?? new LocalRouter(this.registry, (member, err) => this.memberThrew(member, err));
    this.accountPort = options.accounts;
    this.mailbox = options.mailbox;
    this.stats = options.stats ?? new ChatStats();
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
  }

  /** New values for the limits, in place: each applies from its next check (SIGHUP). */
  setLimits(next: Readonly<Limits>): void {
    Object.assign(this.limits as Limits, next);
    this.gate.attempts?.retune(next.loginFailures, next.loginFailureWindowMs);
  }

  /** Forget client addresses whose login allowance has refilled (the switchboard's sweep timer). */
  sweep(now = Date.now()): void {
    this.gate.attempts?.sweep(now);
  }

  /**
   * Call `observer` with every join, leave, lobby message and file notice (never a
   * direct message), as it is fanned out. It must not block or throw.
   */
  observe(observer: (event: PublicEvent) => void): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
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
    if (member.wantsPresence !== false) this.presenceAudience.add(member);
    this.stats.joined(member.dialect);
    this.fanOut({ kind: "join", name }, member);
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
    this.fanOut({ kind: "leave", name: member.name }, member);
  }

  /**
   * The server is going down: from now on every join is refused (`server_full`), and
   * every member is asked to go (`disconnect(reason)`), which each dialect renders in
   * its own words before its connection closes. Nobody is told that the others leave:
   * everyone is leaving. Returns how many members were online, by dialect.
   */
  dismissAll(reason: DisconnectReason): Record<string, number> {
    this.closing = true;
    const members = [...this.registry.members()];
    const byDialect: Record<string, number> = {};
    for (const m of members) {
      this.release(m);
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
    this.stats.lobbySent(from.dialect);
    this.fanOut({ kind: "lobby", from: from.name, text }, from);
    return "ok";
  }

  /**
   * A direct message to one online member, or, when `to` is offline, to the Mailbox
   * ("queued": answer the sender once `whenQueuedDurable` calls back). Answered at once
   * by the local router and mailbox; later by networked ones (the caller then reads no
   * more of its client's input until it is answered); rejected when the message could
   * not be handed over. `split`: see the direct HubEvent.
   */
  direct(from: Member, to: string, text: string, split = false): Answer<SendResult> {
    const problem = this.checkSend(from, text);
    if (problem) return problem;
    const target = this.registry.find(foldName(to));
    if (!target) return this.toMailbox(from, to, text);
    const event: HubEvent = split ? { kind: "direct", from: from.name, text, split } : { kind: "direct", from: from.name, text };
    const delivered = this.router.unicast(target, event);
    if (!isPending(delivered)) return this.directDone(from, target, delivered);
    return delivered.then((taken) => this.directDone(from, target, taken));
  }

  private directDone(from: Member, target: Member, taken: boolean): SendResult {
    if (taken) {
      this.stats.directSent(from.dialect, target.dialect);
      return "ok";
    }
    this.dropFailed(target);
    return "recipient_overflow";
  }

  /**
   * Call `done` once every message queued so far is durable (at once without a Mailbox),
   * or with the error that lost the last one. Dialects acknowledge a "queued" send here.
   */
  whenQueuedDurable(done: (err?: Error) => void): void {
    if (!this.mailbox) return done();
    // Sessions pass callbacks guarded by their own boundary; this one is the last resort,
    // so that a throw inside a promise callback never becomes an unhandled rejection.
    this.mailbox.whenDurable((err) => {
      try {
        done(err);
      } catch (thrown) {
        this.onError(thrown, undefined);
      }
    });
  }

  /** Tell every other member that `from` stored `file`. */
  fileStored(from: Member, file: string): void {
    if (this.isMember(from)) this.fanOut({ kind: "file", from: from.name, file }, from);
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
      "hub.presenceAudience": this.presenceAudience.size,
      "hub.observers": this.observers.length,
      "hub.pendingLogins": this.gate.pendingCount,
      "logins.addresses": this.gate.attempts?.addresses ?? 0,
    };
  }

  private release(member: Member): void {
    this.registry.release(foldName(member.name), member);
    this.presenceAudience.delete(member);
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

  private toMailbox(from: Member, to: string, text: string): Answer<SendResult> {
    if (this.mailbox === undefined) return "user_unknown";
    const accepted = this.mailbox.accept(from.name, to, text);
    if (!isPending(accepted)) return this.mailed(from, accepted);
    return accepted.then((result) => this.mailed(from, result));
  }

  private mailed(from: Member, result: MailboxResult): SendResult {
    switch (result) {
      case "queued":
        this.stats.directSent(from.dialect, undefined);
        return "queued";
      case "full":
        return "mailbox_full";
      default:
        return "user_unknown";
    }
  }

  private fanOut(event: PublicEvent, except: Member): void {
    for (const observe of this.observers) {
      try {
        observe(event);
      } catch (err) {
        this.onError(err, undefined); // a log that failed must not cost anyone the message
      }
    }
    const presence = event.kind === "join" || event.kind === "leave";
    const failed = this.router.broadcast(event, except, presence ? this.presenceAudience : undefined);
    for (const m of failed) {
      if (event.kind === "lobby") this.stats.notDelivered(m.dialect);
      this.dropFailed(m);
    }
  }

  private memberThrew(member: Member, err: unknown): void {
    this.broken.add(member);
    this.onError(err, member);
  }

  /**
   * A member that did not take an event leaves now (so nothing more queues) and is
   * closed: a slow consumer (its queue is full), or a session whose deliver threw.
   */
  private dropFailed(member: Member): void {
    this.leave(member);
    try {
      member.disconnect(this.broken.has(member) ? "session_error" : "slow_consumer");
    } catch (err) {
      this.onError(err, member);
    }
  }
}
