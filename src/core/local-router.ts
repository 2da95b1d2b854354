import type { HubEvent } from "./events.js";
import type { Member, NameRegistry, Router } from "./ports.js";

const NONE: Member[] = [];

/** In-process Router: calls each member's deliver directly, no copies, no promises. */
export class LocalRouter implements Router {
  constructor(private readonly registry: NameRegistry) {}

  broadcast(event: HubEvent, except: Member | undefined): Member[] {
    let overflowed = NONE;
    for (const member of this.registry.members()) {
      if (member === except) continue;
      if (!member.deliver(event)) {
        if (overflowed === NONE) overflowed = [];
        overflowed.push(member);
      }
    }
    return overflowed;
  }

  unicast(member: Member, event: HubEvent): boolean {
    return member.deliver(event);
  }
}
