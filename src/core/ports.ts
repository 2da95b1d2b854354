/**
 * The hub's ports. The in-process implementations live beside this file; a clustered
 * deployment replaces NameRegistry and Router without touching the hub or any dialect.
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
   * Queue `event` for this member. Must not block and must not throw. Returns false
   * when the member's bounded outbound queue is full: the hub then disconnects it as a
   * slow consumer instead of buffering without end.
   */
  deliver(event: HubEvent): boolean;
  /** End this member's connection (asynchronously); the session then calls hub.leave. */
  disconnect(reason: DisconnectReason): void;
}

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

/** Moves events to members. */
export interface Router {
  /** Deliver to every member but `except`; returns the members whose queue overflowed. */
  broadcast(event: HubEvent, except: Member | undefined): Member[];
  /** Deliver to one member; false when its queue overflowed. */
  unicast(member: Member, event: HubEvent): boolean;
}
