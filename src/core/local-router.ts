import type { HubEvent } from "./events.js";
import type { Member, MemberFailure, NameRegistry, Router } from "./ports.js";

const NONE: Member[] = [];

/** In-process Router: calls each member's deliver directly, no copies, no promises. */
export class LocalRouter implements Router {
  constructor(
    private readonly registry: NameRegistry,
    private readonly onThrow: MemberFailure = () => undefined,
  ) {}

  broadcast(event: HubEvent, except: Member | undefined, audience: Iterable<Member> = this.registry.members()): Member[] {
    let failed = NONE;
    for (const member of audience) {
      if (member === except) continue;
      if (!this.unicast(member, event)) {
        if (failed === NONE) failed = [];
        failed.push(member);
      }
    }
    return failed;
  }

  unicast(member: Member, event: HubEvent): boolean {
    // The session boundary on the hub's side: deliver runs the recipient's code on the
    // sender's stack; a throw there must end the recipient, never the sender or the fan-out.
    try {
      return member.deliver(event);
    } catch (err) {
      this.onThrow(member, err);
      return false;
    }
  }
}
