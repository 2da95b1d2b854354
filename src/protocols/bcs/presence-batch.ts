/**
 * Presence notices queued for one bcs client, coalesced (docs/bcs.md "Presence"): while
 * a notice waits behind the client's ack pacing, later joins and leaves are folded into
 * it, so a login storm costs each bcs user one queued deliver, not one per login.
 *
 * A join and a leave of the same name while both wait cancel out (the client never saw
 * that user, and the user is gone again); so do a leave and a rejoin. Only the first
 * TRACKED names of each kind are kept one by one (for the text and for cancelling): the
 * rest are counted, so a batch costs a bounded amount of memory whatever joins.
 */
import { SERVER_NAME } from "../../core/names.js";
import { encodeDeliver } from "./codec.js";

const TRACKED = 64;

class NameSet {
  readonly names = new Set<string>();
  /** Names beyond TRACKED: counted, not kept. */
  extra = 0;

  get size(): number {
    return this.names.size + this.extra;
  }

  add(name: string): void {
    if (this.names.size < TRACKED) this.names.add(name);
    else this.extra++;
  }

  /** Take `name` out if it is kept here; false when it is not (it may be counted in `extra`). */
  cancel(name: string): boolean {
    return this.names.delete(name);
  }

  /** `X has connected`, `X and Y have connected`, `X, Y and 40 others have connected`. */
  describe(verb: string): string {
    const n = this.size;
    const [a, b] = this.names;
    if (a === undefined) return `${n} users have ${verb}`;
    if (n === 1) return `${a} has ${verb}`;
    if (b === undefined) return `${a} and ${n - 1} ${n === 2 ? "other" : "others"} have ${verb}`;
    if (n === 2) return `${a} and ${b} have ${verb}`;
    return `${a}, ${b} and ${n - 2} ${n === 3 ? "other" : "others"} have ${verb}`;
  }
}

export class PresenceBatch {
  private readonly joined = new NameSet();
  private readonly left = new NameSet();

  join(name: string): void {
    if (!this.left.cancel(name)) this.joined.add(name);
  }

  leave(name: string): void {
    if (!this.joined.cancel(name)) this.left.add(name);
  }

  /** Everything in it cancelled out: nothing to send. */
  get empty(): boolean {
    return this.joined.size === 0 && this.left.size === 0;
  }

  /** One deliver from `server`; one name alone reads exactly as an unbatched notice. */
  render(): Buffer {
    const parts: string[] = [];
    if (this.joined.size > 0) parts.push(this.joined.describe("connected"));
    if (this.left.size > 0) parts.push(this.left.describe("disconnected"));
    return encodeDeliver(SERVER_NAME, parts.join("; "));
  }
}
