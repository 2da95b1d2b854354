import type { HubEvent } from "../../src/core/events.js";
import type { Member } from "../../src/core/ports.js";

/** A hub member that takes everything and shows nothing: someone else online. */
export class QuietMember implements Member {
  readonly dialect = "test";
  constructor(readonly name: string) {}
  deliver(_event: HubEvent): boolean {
    return true;
  }
  disconnect(): void {}
}
