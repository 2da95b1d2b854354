/**
 * A stream session's replies in request order while some are still to come (a direct
 * message that a cluster's router has handed to another node, mail waiting to be
 * durable): the client may pipeline its requests, each is handled as it is read, and
 * each reply goes out in turn (docs/cluster.md#routing). Without this, every answer that
 * waits on the network would also hold back the reading of the next request: one round
 * trip per message, per connection.
 *
 * A reply with nothing still to come before it is written at once: a session whose
 * answers all come at once (a single process) allocates nothing here. At most `limit`
 * answers wait; past that the session reads no more until one comes.
 */
import type { OutFrame } from "../transport/outbound-queue.js";
import type { Conn } from "../transport/session.js";

/** Answers one connection may leave waiting before it is read no more. */
export const HELD_REPLIES_LIMIT = 64;

export class OrderedReplies {
  /** Replies not yet written: the frame when known, undefined when still to come. */
  private readonly held: (OutFrame | undefined)[] = [];
  /** The slot number of held[0]. */
  private first = 0;

  constructor(
    private readonly conn: Pick<Conn, "reply" | "pauseInput" | "resumeInput">,
    private readonly limit = HELD_REPLIES_LIMIT,
  ) {}

  /** A reply known now: written now, or after those still to come before it. */
  reply(frame: OutFrame): void {
    if (this.held.length === 0) this.conn.reply(frame);
    else this.held.push(frame);
  }

  /** A place, in request order, for a reply still to come; `fill` it once known. */
  hold(): number {
    const slot = this.first + this.held.length;
    this.held.push(undefined);
    if (this.held.length === this.limit) this.conn.pauseInput();
    return slot;
  }

  /** The reply for `slot`: written with every known one behind it once those before it are. */
  fill(slot: number, frame: OutFrame): void {
    const at = slot - this.first;
    if (at < 0 || at >= this.held.length || this.held[at] !== undefined) return;
    this.held[at] = frame;
    const wasFull = this.held.length >= this.limit;
    let written = 0;
    while (written < this.held.length && this.held[written] !== undefined) this.conn.reply(this.held[written++]!);
    if (written === 0) return;
    this.held.splice(0, written);
    this.first += written;
    if (wasFull && this.held.length < this.limit) this.conn.resumeInput();
  }
}
