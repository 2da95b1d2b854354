/**
 * A TCP connection's output (README "Unresponsive clients"): frames queued in one
 * event-loop turn leave in one write (flush-scheduler.ts); what others push (deliveries,
 * notices) is bounded by --queue-frames and --queue-bytes, past which the client is a
 * slow consumer; replies to its own requests are not counted but, past
 * OUTPUT_HIGH_WATER, hold its input back until the socket has taken them. Also split
 * frames: one frame written in two parts with a pause between (sendSplit).
 */
import type { ConnectionSocket } from "./connection-socket.js";
import type { TransportLimits } from "./limits.js";
import { scheduleFlush, type Flushable } from "./flush-scheduler.js";

/**
 * One encoded frame: bytes, or text to be written as UTF-8. Text lets a line-based
 * dialect build its lines as strings: consecutive ones are joined as they are queued and
 * encoded once per flush, instead of one Buffer per line (bench lab-dm: a delivery and a
 * reply per message).
 */
export type OutFrame = Uint8Array | string;

/** The bytes of a frame (text: its UTF-8 encoding). */
const bytesOf = (frame: OutFrame): Uint8Array => (typeof frame === "string" ? Buffer.from(frame, "utf8") : frame);

/** Output up to this size is merged into one buffer; larger batches use writev. */
const MERGE_BELOW = 16 * 1024;
/** The pause inside a split frame (sendSplit): long enough to be two TCP segments. */
export const SPLIT_PAUSE_MS = 250;
/**
 * Unsent output past which a connection's input is no longer read (README "Unresponsive
 * clients"): a client that pipelines requests faster than it reads the answers is slowed
 * down, not dropped. Reading resumes once the socket has taken all but its own buffer
 * (`writableHighWaterMark`, 16 KiB): below that a write never waits for a 'drain' event,
 * so the flush itself sees the output low; above it, 'drain' is sure to come.
 */
export const OUTPUT_HIGH_WATER = 64 * 1024;

/** The input side, as the output holds it back (input-gate.ts). */
export interface OutputPressure {
  /** Input is held back because of the output. */
  readonly outputFull: boolean;
  /** The unsent output passed OUTPUT_HIGH_WATER: read no more requests. */
  stopForOutput(): void;
  /** The socket has taken (nearly) all of it: read on. */
  resumeForOutput(): void;
}

/** The connection, as its queue needs it. */
export interface QueueOwner {
  readonly closed: boolean;
  /** Pushed output passed --queue-frames or --queue-bytes: the client is a slow consumer. */
  overQueueLimit(): void;
  /** Run a flush waiter (session code) inside the session boundary. */
  runGuarded(work: () => void): void;
}

export class OutboundQueue implements Flushable {
  /** Queued output; text frames queued one after another are joined into one string. */
  private out: OutFrame[] = [];
  private outBytes = 0;
  /** Frames in `out` (joined text counts as the frames it joined). */
  private outFrames = 0;
  /** While a split frame pauses, later frames wait here (in order, counted in the limits). */
  private held: OutFrame[] | undefined;
  private heldBytes = 0;
  private flushQueued = false;
  /**
   * Frames and bytes pushed by others (deliveries, notices) queued since the socket last
   * had nothing buffered (see push); replies to this connection's own requests are not
   * counted: they stop its input instead (OUTPUT_HIGH_WATER).
   */
  private framesSinceDrain = 0;
  private bytesSinceDrain = 0;
  /** Made on the first whenFlushed: most connections never wait for one. */
  private flushWaiters: (() => void)[] | undefined;

  constructor(
    private readonly socket: ConnectionSocket,
    private readonly limits: Readonly<TransportLimits>,
    private readonly owner: QueueOwner,
    private readonly input: OutputPressure,
  ) {}

  /** Bytes queued or buffered for the socket and not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.outBytes + this.heldBytes + this.socket.writableLength;
  }

  /** Frames queued here and not yet written (the slow-consumer log line). */
  get frameCount(): number {
    return this.outFrames + (this.held?.length ?? 0);
  }

  /** Queue one frame; false when it made the client a slow consumer (owner.overQueueLimit was called). */
  push(frame: OutFrame, isReply: boolean): boolean {
    // Text counts its length, not its UTF-8 bytes: measuring those would flatten the
    // line's rope (7% of bench lab-dm's time). What is counted here leaves at the next
    // flush, within the turn, after which the socket's buffer counts exact bytes; so at
    // worst a burst of non-ASCII text is found over a limit one turn later.
    const size = frame.length;
    if (this.held !== undefined) {
      this.held.push(frame);
      this.heldBytes += size;
    } else {
      const out = this.out;
      const last = out.length - 1;
      // A rope, not a copy: V8 joins the text once, when the flush encodes it.
      if (typeof frame === "string" && last >= 0 && typeof out[last] === "string") out[last] += frame;
      else out.push(frame);
      this.outBytes += size;
      this.outFrames++;
    }
    if (!isReply) {
      // Frames count against the limit only while the socket is backed up: a burst queued
      // in one turn for a reader that keeps up leaves in the next flush and is no debt.
      // Bytes always count: no burst may queue more than --queue-bytes. What is pushed and
      // still unsent is at most both what was pushed since the last drain and what is
      // unsent now, so a reader that keeps up under a steady stream (its socket never
      // quite empty) is not charged for bytes it has long since read.
      if (this.socket.writableLength > 0) this.framesSinceDrain++;
      this.bytesSinceDrain += size;
      const pushedUnsent = Math.min(this.bytesSinceDrain, this.pendingBytes);
      if (this.framesSinceDrain > this.limits.queueFrames || pushedUnsent > this.limits.queueBytes) {
        this.owner.overQueueLimit();
        return false;
      }
    }
    if (!this.input.outputFull && this.pendingBytes > OUTPUT_HIGH_WATER) this.input.stopForOutput();
    this.scheduleFlush();
    return true;
  }

  /**
   * `frame` in two writes with a pause between them; nothing else is written in between
   * (what is queued meanwhile waits behind the second part).
   */
  pushSplit(whole: OutFrame, isReply: boolean): boolean {
    const frame = bytesOf(whole);
    const half = Math.max(1, frame.length >> 1);
    if (!this.push(frame.subarray(0, half), isReply)) return false;
    if (this.held !== undefined) {
      // Already pausing: the rest simply waits in order behind the first part.
      return this.push(frame.subarray(half), isReply);
    }
    this.held = [frame.subarray(half)];
    this.heldBytes = frame.length - half;
    this.framesSinceDrain++;
    setTimeout(() => this.releaseHeld(), SPLIT_PAUSE_MS).unref();
    return true;
  }

  /** Call `callback` once everything queued so far has been handed to the kernel. */
  whenFlushed(callback: () => void): void {
    if (this.pendingBytes === 0) callback();
    else (this.flushWaiters ??= []).push(callback);
  }

  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (out.length === 0 || this.socket.destroyed) return;
    this.out = [];
    const bytes = this.outBytes;
    this.outBytes = 0;
    this.outFrames = 0;
    if (out.length === 1) {
      // Text goes to the socket as it is: Node encodes it straight into the write, no Buffer in between.
      this.socket.write(out[0]!);
    } else if (bytes <= MERGE_BELOW) {
      // No total given: `bytes` counted text by its length, and UTF-8 may be longer.
      this.socket.write(Buffer.concat(out.map(bytesOf)));
    } else {
      this.socket.cork();
      for (const b of out) this.socket.write(bytesOf(b));
      this.socket.uncork();
    }
    this.afterWrite();
  }

  /** The connection is closing: a split frame's pause is cut short (what was promised is still written), then all is flushed. */
  flushAll(): void {
    if (this.held !== undefined) {
      for (const f of this.held) this.out.push(f);
      this.outBytes += this.heldBytes;
      this.outFrames += this.held.length;
      this.held = undefined;
      this.heldBytes = 0;
    }
    this.flush();
  }

  /** The connection is destroyed: what is queued is dropped. */
  drop(): void {
    this.out = [];
    this.outBytes = 0;
    this.outFrames = 0;
    this.held = undefined;
    this.heldBytes = 0;
  }

  /** The socket closed: nobody waits for a flush any more. */
  forgetWaiters(): void {
    this.flushWaiters = undefined;
  }

  /** The socket's 'drain' event. */
  socketDrained(): void {
    this.afterWrite();
  }

  private afterWrite(): void {
    if (this.pendingBytes === 0) this.drained();
    // Called after a flush or a 'drain' while input is stopped for output.
    else if (this.input.outputFull && this.pendingBytes <= this.socket.writableHighWaterMark) this.input.resumeForOutput();
  }

  private drained(): void {
    this.framesSinceDrain = 0;
    this.bytesSinceDrain = 0;
    if (this.input.outputFull) this.input.resumeForOutput();
    const waiters = this.flushWaiters;
    if (waiters !== undefined && waiters.length > 0) {
      this.flushWaiters = [];
      for (const w of waiters) this.owner.runGuarded(w); // session code, called from the flush or a drain event
    }
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (held === undefined || this.owner.closed) return;
    for (const f of held) this.out.push(f);
    this.outBytes += this.heldBytes;
    this.outFrames += held.length;
    this.heldBytes = 0;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      scheduleFlush(this);
    }
  }
}
