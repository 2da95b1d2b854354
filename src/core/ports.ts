/**
 * The hub's ports. The in-process implementations live beside this file; a clustered
 * deployment replaces NameRegistry and Router without touching the hub or any dialect.
 * The Mailbox is implemented over the durable store (src/store/mailbox.ts).
 */
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
   * Queue `event` for this member. Must not block and must not throw. Returns false
   * when the member's bounded outbound queue is full: the hub then disconnects it as a
   * slow consumer instead of buffering without end.
   */
  deliver(event: HubEvent): boolean;
  /** End this member's connection (asynchronously); the session then calls hub.leave. */
  disconnect(reason: DisconnectReason): void;
}

export type MailboxResult = "queued" | "not_an_account" | "full";

/** Who holds which name. Names are compared by their folded form. */
export interface NameRegistry {
  /** Bind `name` to `member` unless the folded name is taken. */
  claim(folded: string, member: Member): boolean;
  /** Unbind, only if `member` still holds the name. */
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
  /** Deliver to every member but `except`; returns the members that did not take it (queue full, or deliver threw). */
  broadcast(event: HubEvent, except: Member | undefined, audience?: Iterable<Member>): Member[];
  /** Deliver to one member; false when it did not take it. */
  unicast(member: Member, event: HubEvent): boolean;
}

/** Called with a member whose deliver threw, and what it threw. */
export type MemberFailure = (member: Member, err: unknown) => void;

/**
 * Where a direct message to a name that is not online may still go (docs/wire.md#who-sends-what: "except
 * that cs262 accounts get it queued"). The hub consults it only for an offline target,
 * so an online direct message never touches it.
 */
export interface Mailbox {
  /**
   * Keep `text` from `from` for `to`, who is not online: "queued", or "not_an_account"
   * when `to` cannot receive messages while offline (the send then fails as
   * `user_unknown`), or "full" when `to` already has the most messages kept it may have
   * (`mailbox_full`). Must not block on I/O: the message is accepted in order now and
   * made durable soon after; `whenDurable` tells when.
   */
  accept(from: string, to: string, text: string): MailboxResult;
  /**
   * Call `done` once every message accepted so far is durable, or with the error that
   * kept the last one from being stored. A dialect answers a queued send only then, so
   * that nothing it acknowledged can be lost (docs/wire.md#offline-mail).
   */
  whenDurable(done: (err?: Error) => void): void;
}
