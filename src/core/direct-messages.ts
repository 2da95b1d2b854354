/**
 * Direct messages, once the hub has checked them: to the one member online under the
 * target's name (through the Router), or, when nobody is, to the Mailbox, which keeps
 * it for an offline account ("queued") or refuses it. Each answer is a plain value from
 * local ports, and pending from networked ones; nothing here allocates a promise for a
 * plain one.
 */
import { isPending, type Answer } from "./answer.js";
import type { SendResult } from "./errors.js";
import type { HubEvent } from "./events.js";
import type { FanOut } from "./fan-out.js";
import { foldName } from "./names.js";
import type { Mailbox, MailboxResult, Member, NameRegistry, Router } from "./ports.js";
import type { ChatStats } from "./stats.js";

export class DirectMessages {
  constructor(
    private readonly registry: NameRegistry,
    private readonly router: Router,
    private readonly mailbox: Mailbox | undefined,
    private readonly fanOut: FanOut,
    private readonly stats: ChatStats,
    private readonly onError: (err: unknown, member: Member | undefined) => void,
  ) {}

  /** See Hub.direct; `from` is a member and `text` a valid message. */
  send(from: Member, to: string, text: string): Answer<SendResult> {
    const target = this.registry.find(foldName(to));
    if (!target) return this.toMailbox(from, to, text);
    const event: HubEvent = { kind: "direct", from: from.name, text };
    // A local router delivers now, inside hub.direct: a split delivery (the delaybot's)
    // is marked around that call, so the recipient's session must see it here.
    const delivered = this.router.unicast(target, event);
    if (!isPending(delivered)) return this.delivered(from, target, delivered);
    return delivered.then((taken) => this.delivered(from, target, taken));
  }

  /** See Hub.whenQueuedDurable. */
  whenDurable(done: (err?: Error) => void): void {
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

  private delivered(from: Member, target: Member, taken: boolean): SendResult {
    if (taken) {
      this.stats.directSent(from.dialect, target.dialect);
      return "ok";
    }
    // A member on another node that did not take it is dropped there, by its own node.
    if (target.node === undefined) this.fanOut.dropFailed(target);
    return "recipient_overflow";
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
}
