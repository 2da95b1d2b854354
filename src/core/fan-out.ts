/**
 * The hub's events on their way out: each public event (a join, a leave, a lobby
 * message, a file notice) goes to the observers (a chat log) and to its audience
 * (everyone but its sender; joins and leaves only to members that show them), and a
 * member that did not take an event is dropped: a slow consumer (its queue is full), or
 * a session whose deliver threw, which must cost nobody else the message.
 */
import type { PublicEvent } from "./events.js";
import type { Member, Router } from "./ports.js";
import type { ChatStats } from "./stats.js";

export class FanOut {
  /** Watchers of every public event (the chat logs), whoever the recipients are. */
  private readonly observers: ((event: PublicEvent, by: Member) => void)[] = [];
  /** Members that show joins and leaves, in join order: the audience of those events. */
  private readonly presenceAudience = new Set<Member>();
  /** Members whose deliver threw: dropped as session_error rather than as slow consumers. */
  private readonly broken = new WeakSet<Member>();

  /** @param leave takes a member off the hub (hub.leave), before it is told to go. */
  constructor(
    private readonly router: Router,
    private readonly stats: ChatStats,
    private readonly onError: (err: unknown, member: Member | undefined) => void,
    private readonly leave: (member: Member) => void,
  ) {}

  /** See Hub.observe. */
  observe(observer: (event: PublicEvent, by: Member) => void): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /** `member` joined: it hears of joins and leaves from now on, unless it shows none. */
  joined(member: Member): void {
    if (member.wantsPresence !== false) this.presenceAudience.add(member);
  }

  left(member: Member): void {
    this.presenceAudience.delete(member);
  }

  /** `event` to the observers and to its audience, `except` its sender (the member it comes from). */
  publish(event: PublicEvent, except: Member): void {
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

  /** The router's report of a member whose deliver threw. */
  memberThrew(member: Member, err: unknown): void {
    this.broken.add(member);
    this.onError(err, member);
  }

  /**
   * A member that did not take an event leaves now (so nothing more queues) and is
   * closed: a slow consumer, or a session whose deliver threw.
   */
  dropFailed(member: Member): void {
    this.leave(member);
    try {
      member.disconnect(this.broken.has(member) ? "session_error" : "slow_consumer");
    } catch (err) {
      this.onError(err, member);
    }
  }

  /** Sizes of its tables, for the hub's leak check. */
  tableSizes(): Record<string, number> {
    return { "hub.presenceAudience": this.presenceAudience.size, "hub.observers": this.observers.length };
  }
}
