/**
 * A user logged in on another cluster node, as this node's registry lists it
 * (docs/cluster.md#names): enough for `find`, `members` and the user list (its name,
 * dialect and node). The hub never calls deliver or disconnect on a member with `node`
 * set (ports.ts): events for it go to its own node through the cluster's router, and only
 * its own node ends its connection. So deliver refuses and disconnect does nothing,
 * rather than pretending to reach a connection that is not here.
 */
import type { DisconnectReason } from "../core/errors.js";
import type { HubEvent } from "../core/events.js";
import type { Member } from "../core/ports.js";

export class RemoteMember implements Member {
  constructor(
    readonly name: string,
    readonly dialect: string,
    readonly node: string,
  ) {}

  deliver(_event: HubEvent): boolean {
    return false;
  }

  disconnect(_reason: DisconnectReason): void {}
}
