/**
 * The chat hub: names, presence, routing. It knows nothing of any wire: dialects call
 * it with names and text, and receive HubEvents through their Member.deliver.
 */
import { ClientEvents } from "./client-events.js";
import type { DisconnectReason, JoinResult, LobbyResult, SendResult } from "./errors.js";
import type { HubEvent, PublicEvent } from "./events.js";
import { DEFAULT_HUB_LIMITS, type HubLimits } from "./limits.js";
import { LocalNameRegistry } from "./local-registry.js";
import { LocalRouter } from "./local-router.js";
import { SERVER_NAME, foldName, isValidName } from "./names.js";
import type { Mailbox, Member, NameRegistry, Router } from "./ports.js";
import { ChatStats } from "./stats.js";

export interface HubOptions {
  limits?: Partial<HubLimits>;
  registry?: NameRegistry;
  router?: Router;
  /**
   * True when a folded name belongs to someone who is not online (a cs262 account):
   * only a join that proves ownership may take it.
   */
  isReserved?: (folded: string) => boolean;
  /** Takes direct messages for names that are offline; without one they fail as user_unknown. */
  mailbox?: Mailbox;
  /**
   * Told of code that threw while the hub called it: a member's deliver or disconnect
   * (the member is then dropped as `session_error`), an observer, or a durability
   * callback. For the operational log; the hub itself goes on.
   */
  onError?: (err: unknown, member: Member | undefined) => void;
  /** Where logins, messages and deliveries are counted; default a fresh one (see `stats`). */
  stats?: ChatStats;
}

export interface JoinOptions {
  /** The caller has authenticated as the owner of the reserved name. */
  ownsReservedName?: boolean;
}

export class Hub {
  /**
   * The hub's own copy, read through this reference by every dialect and the transport,
   * so setLimits (SIGHUP) reaches them all without a restart.
   */
  readonly limits: Readonly<HubLimits>;
  /** Counters by dialect, shared with the listeners; read by the metrics and the status page. */
  readonly stats: ChatStats;
  private readonly registry: NameRegistry;
  private readonly router: Router;
  private readonly isReserved: (folded: string) => boolean;
  private readonly mailbox: Mailbox | undefined;
  private readonly onError: (err: unknown, member: Member | undefined) => void;
  /** Members whose deliver threw: dropped as session_error rather than as slow consumers. */
  private readonly broken = new WeakSet<Member>();

  /** Watchers of every public event (the chat logs), whoever the recipients are. */
  private readonly observers: ((event: PublicEvent, by: Member) => void)[] = [];
  /** Comings and goings of clients, reported by the sessions for the chat logs (client-events.ts). */
  readonly clientEvents: ClientEvents;
  /** Members that show joins and leaves, in join order: the audience of those events. */
  private readonly presenceAudience = new Set<Member>();
  /** Set by dismissAll: the server is going down and takes no one new. */
  private closing = false;

  constructor(options: HubOptions = {}) {
    this.limits = { ...DEFAULT_HUB_LIMITS, ...options.limits };
    this.registry = options.registry ?? new LocalNameRegistry();
    this.onError = options.onError ?? (() => undefined);
    this.router = options.router ?? new LocalRouter(this.registry, (member, err) => this.memberThrew(member, err));
    this.isReserved = options.isReserved ?? (() => false);
    this.mailbox = options.mailbox;
    this.stats = options.stats ?? new ChatStats();
    this.clientEvents = new ClientEvents((err) => this.onError(err, undefined));
  }

  /** New values for the limits, in place: each applies from its next check (SIGHUP). */
  setLimits(next: Readonly<HubLimits>): void {
    Object.assign(this.limits as HubLimits, next);
  }

  /**
   * Call `observer` with every join, leave, lobby message and file notice (never a
   * direct message), as it is fanned out, and the member it comes from (the one joining,
   * leaving, sending, storing): a log may keep only what one dialect's users do. It must
   * not block or throw.
   */
  observe(observer: (event: PublicEvent, by: Member) => void): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /** Log `member` in under `name` and tell everyone else. The joiner gets no join event. */
  join(member: Member, name: string, options: JoinOptions = {}): JoinResult {
    if (!isValidName(name)) return "name_invalid";
    const folded = foldName(name);
    if (folded === SERVER_NAME) return "name_reserved";
    if (this.isMember(member)) return "already_joined";
    if (!options.ownsReservedName && this.isReserved(folded)) return "name_owned";
    if (this.registry.find(folded)) return "name_taken";
    const max = this.limits.maxUsers;
    if (this.closing || (max > 0 && this.registry.size >= max)) return "server_full";
    if (!this.registry.claim(folded, member)) return "name_taken";
    if (member.wantsPresence !== false) this.presenceAudience.add(member);
    this.stats.joined(member.dialect);
    this.fanOut({ kind: "join", name }, member);
    return "ok";
  }

  /** Idempotent: a member that is not (or no longer) joined is ignored. */
  leave(member: Member): void {
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
   * ("queued": answer the sender once `whenQueuedDurable` calls back).
   */
  direct(from: Member, to: string, text: string): SendResult {
    const problem = this.checkSend(from, text);
    if (problem) return problem;
    const target = this.registry.find(foldName(to));
    if (!target) return this.toMailbox(from, to, text);
    const event: HubEvent = { kind: "direct", from: from.name, text };
    if (this.router.unicast(target, event)) {
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
    return { "hub.members": this.registry.size, "hub.presenceAudience": this.presenceAudience.size, "hub.observers": this.observers.length };
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

  private toMailbox(from: Member, to: string, text: string): SendResult {
    switch (this.mailbox?.accept(from.name, to, text)) {
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
        observe(event, except);
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
