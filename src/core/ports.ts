/**
 * The hub's ports: who holds which name, how events reach members, accounts, and the
 * mail kept for accounts that are offline. The in-process implementations live beside
 * this file (names, routing) and in src/store/ (accounts and mail over the Store); a
 * clustered deployment replaces them with networked ones without touching the hub or
 * any dialect, and each must pass the port's contract suite (test/core/ports/).
 *
 * A method whose answer may have to cross the network returns an Answer (answer.ts): a
 * plain value from a local implementation, a Promise from a networked one. The rest are
 * synchronous on purpose: they are asked on every message or every login, and a
 * networked implementation answers them from a local replica.
 */
import type { Answer } from "./answer.js";
import type { DisconnectReason } from "./errors.js";
import type { HubEvent } from "./events.js";

/** One logged-in user as the hub sees it: implemented by each dialect's session. */
export interface Member {
  /** Display name as the user chose it; set by the hub on join. */
  readonly name: string;
  /** The dialect, for presence by dialect (logs, metrics, status page). */
  readonly dialect: string;
  /**
   * False when this member shows no joins or leaves (lab, cs262, bots): the hub then
   * does not offer it those events, so a login costs nothing per such member online.
   */
  readonly wantsPresence?: boolean;
  /**
   * The cluster node this member is logged in on, when that is not this process (a
   * cluster's registry lists every node's members: docs/cluster.md). The hub never calls
   * such a member's deliver or disconnect and never drops it: its own node does.
   */
  readonly node?: string;
  /**
   * Queue `event` for this member. Must not block and must not throw. Returns false
   * when the member's bounded outbound queue is full: the hub then disconnects it as a
   * slow consumer instead of buffering without end.
   */
  deliver(event: HubEvent): boolean;
  /** End this member's connection (asynchronously); the session then calls hub.leave. */
  disconnect(reason: DisconnectReason): void;
}

export type MailboxResult = "queued" | "not_an_account" | "full";

/**
 * Who holds which name. Names are compared by their folded form (names.ts).
 *
 * `find`, `size` and `members` are synchronous: the hub asks them for every message and
 * every list, and a cluster node answers them from its local replica of the table
 * (which may lag a claim made elsewhere by a moment; `claim` is what decides).
 */
export interface NameRegistry {
  /**
   * Bind the folded name to `member` unless it is held: true when `member` now holds
   * it. Of two claims of one name, at once or not, exactly one wins until the winner
   * releases it. A networked registry answers once the claim is decided.
   */
  claim(folded: string, member: Member): Answer<boolean>;
  /** Unbind, only if `member` still holds the name. Fire-and-forget: it cannot fail for the caller. */
  release(folded: string, member: Member): void;
  find(folded: string): Member | undefined;
  readonly size: number;
  /** Every member, in join order. */
  members(): IterableIterator<Member>;
}

/**
 * Moves events to members. A member whose deliver throws broke its contract: the router
 * reports it to `onThrow` (given when it is made) and counts it as not delivered, and
 * goes on with the others, so one broken session never costs anyone else a message.
 */
export interface Router {
  /**
   * Deliver to every member but `except` (fire-and-forget); returns the members here
   * that did not take it (queue full, or deliver threw), whom the hub then drops.
   */
  broadcast(event: HubEvent, except: Member | undefined, audience?: Iterable<Member>): Member[];
  /**
   * Deliver to one member: true once the event is in its queue, false when it did not
   * take it. A networked router answers once the member's own node has queued it (lab's
   * SEND-OK waits for this answer).
   */
  unicast(member: Member, event: HubEvent): Answer<boolean>;
  /**
   * Called once by the hub that uses this router, for routers that also deliver events
   * coming from elsewhere (other cluster nodes) to members here.
   */
  attach?(host: RouterHost): void;
  /**
   * False while a broadcast cannot reach every member (a cluster node whose NATS
   * connection is down): the hub then refuses lobby messages rather than deliver them to
   * some and silently not to the others. Absent: always reachable.
   */
  reachable?(): boolean;
}

/** Called with a member whose deliver threw, and what it threw. */
export type MemberFailure = (member: Member, err: unknown) => void;

/**
 * What a router that receives events from elsewhere (a cluster's, from other nodes)
 * reports back to the hub about members here: one that did not take such an event (the
 * hub drops it as a slow consumer), one whose deliver threw.
 */
export interface RouterHost {
  undelivered(member: Member): void;
  threw: MemberFailure;
}

/** A message kept for an account while it was offline. */
export interface QueuedMail {
  /**
   * Increases with every message queued for the account: the delivery order, and the
   * cursor of `Mailbox.page` and `Mailbox.remove`.
   */
  readonly id: number;
  /** The sender's display name. */
  readonly from: string;
  readonly text: string;
  /** Milliseconds since the epoch. */
  readonly sentAt: number;
}

/**
 * Where a direct message to a name that is not online may still go (docs/wire.md#who-sends-what: "except
 * that cs262 accounts get it queued"), and how its owner gets it later. The hub consults
 * it only for an offline target, so an online direct message never touches it.
 */
export interface Mailbox {
  /**
   * Keep `text` from `from` for `to`, who is not online: "queued", or "not_an_account"
   * when `to` cannot receive messages while offline (the send then fails as
   * `user_unknown`), or "full" when `to` already has the most messages kept it may have
   * (`mailbox_full`). Messages are kept in the order accepted. A local mailbox answers
   * at once and makes the message durable soon after (`whenDurable` tells when); a
   * networked one may answer once the message is kept.
   */
  accept(from: string, to: string, text: string): Answer<MailboxResult>;
  /**
   * Call `done` once every message accepted so far is durable, or with the error that
   * kept the last one from being stored. A dialect answers a queued send only then, so
   * that nothing it acknowledged can be lost (docs/wire.md#offline-mail).
   */
  whenDurable(done: (err?: Error) => void): void;
  /**
   * The messages kept for `account` with an id above `after` (0: from the first),
   * oldest first, at most `limit`. Reading removes nothing: the caller removes what it
   * has handed out (`remove`), so a crash before that hands them out again, never loses
   * them.
   */
  page(account: string, after: number, limit: number): Answer<readonly QueuedMail[]>;
  /** Remove the messages kept for `account` up to and including id `through`: they were handed out, once. */
  remove(account: string, through: number): Answer<void>;
}

/**
 * Which account names to list: all of them, a shell glob (`*`, `?`, `[...]`, as
 * Python's fnmatch), or a pattern in which only `*` is special. Every kind matches the
 * whole name, case-insensitively (docs/cs262.md#accounts).
 */
export type AccountPattern = { readonly kind: "all" } | { readonly kind: "glob" | "star"; readonly text: string };

/** How a password check ended: `name` is the account's display name, as created. */
export type Authentication =
  | { readonly outcome: "ok"; readonly name: string }
  | { readonly outcome: "unknown_account" | "password_required" | "wrong_password" };

/**
 * Accounts (cs262's, docs/cs262.md#accounts): a name that owns an account is reserved in every
 * dialect, and only a login to the account may take it. Passwords are optional; the
 * implementation keeps them as it sees fit (hashed, never in the clear) and may take
 * its time checking them (scrypt runs off the event loop).
 *
 * Names are passed as users typed them and compared folded; an account keeps the
 * display name it was created with. Expected outcomes (an existing account, a wrong
 * password) are answers; a rejection means the accounts could not be reached or kept.
 */
export interface Accounts {
  /**
   * True when `name` owns an account. Synchronous: the hub asks it on every join and
   * for every direct message to an offline name; a networked implementation answers
   * from its local replica. May lag a creation or deletion still in flight, which is
   * safe: an account is created and deleted only while its owner holds the name online.
   */
  isAccount(name: string): boolean;
  /**
   * Create the account unless one exists under that name in any case ("exists"), with
   * `password` when one is given. `stillWanted` is asked once the password is ready
   * (hashing takes a while), right before the account is written: false leaves
   * everything as it was ("abandoned"; the client went away meanwhile).
   */
  create(name: string, password: string | undefined, stillWanted?: () => boolean): Answer<"created" | "exists" | "abandoned">;
  /**
   * Check a login: an account made with a password needs it; one made without takes
   * any password, or none.
   */
  authenticate(name: string, password: string | undefined): Answer<Authentication>;
  /** Delete the account and every message kept for it: false when there was none. */
  delete(name: string): Answer<boolean>;
  /** Display names of the accounts matching `pattern`, in the order of their folded names, at most `limit`. */
  list(pattern: AccountPattern, limit: number): Answer<string[]>;
}
