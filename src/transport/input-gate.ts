/**
 * A TCP connection's input: the socket's bytes go through the FrameReader to the
 * session, and this gate decides when they may. Input is held back, losing nothing
 * (the bytes wait in the reader or the kernel), while any of these holds:
 * - the session paused it (pauseInput: it is busy, e.g. waiting for the store);
 * - the unsent output is over OUTPUT_HIGH_WATER (outbound-queue.ts);
 * - the client is over its message rate (--msg-rate): one bucket check per frame, and
 *   a timer only while it is over.
 * What the session queues while it handles this input counts as replies (`replying`).
 */
import type { ConnectionSocket } from "./connection-socket.js";
import type { TransportLimits } from "./limits.js";
import type { DialectStats } from "../core/stats.js";
import type { FrameReader, FrameSink } from "./frame-reader.js";
import { liveMessageRate, MessageRate } from "./message-rate.js";
import type { OutputPressure } from "./outbound-queue.js";
import type { Guarded, SessionGuard } from "./session-guard.js";
import type { StreamSession } from "./session.js";
import type { CodecError } from "./stream-codec.js";

/** The connection, as its input gate needs it. */
export interface GateOwner extends Guarded {
  readonly closed: boolean;
  readonly limits: Readonly<TransportLimits>;
  /** Where refusals of the message rate are counted. */
  readonly stats: DialectStats;
  readonly guard: SessionGuard;
}

export class InputGate<F> implements FrameSink<F>, OutputPressure {
  /** Set by start, before any byte is read. */
  private session!: StreamSession<F>;
  private reader!: FrameReader<F>;
  /** True while the connection's own input is handled: what it queues then are replies. */
  replying = false;
  /** Input stopped because the output passed OUTPUT_HIGH_WATER. */
  outputFull = false;
  /** The session paused input (pauseInput). */
  private sessionPaused = false;
  /**
   * The message rate; made with the first frame read while --msg-rate is on (also when
   * SIGHUP turned it on after this connection was made), full at first.
   */
  private rate: MessageRate | undefined;
  /** Set while input waits for the rate; it ends the wait. */
  private waitTimer: NodeJS.Timeout | undefined;
  /** A frame read but not yet handed to the session (over the rate, without overRate). */
  private heldFrame: { frame: F } | undefined;

  constructor(
    private readonly owner: GateOwner,
    private readonly socket: ConnectionSocket,
  ) {}

  /** The session and its reader (whose sink is this gate), once the session exists. */
  start(session: StreamSession<F>, reader: FrameReader<F>): void {
    this.session = session;
    this.reader = reader;
  }

  /** Bytes from the socket. Guarded, with what the session queues meanwhile counted as replies. */
  received(chunk: Buffer): void {
    this.replying = true;
    try {
      this.reader.push(chunk);
    } catch (err) {
      // Caught here rather than through guard.run: no closure per chunk.
      this.owner.guard.failed(this.owner, err);
    } finally {
      this.replying = false;
    }
  }

  /** When the frame now incomplete began, or 0: none, or the server itself holds input back (the wait is ours, not the client's stall). */
  get stalledSince(): number {
    return this.reading ? this.reader.partialSince : 0;
  }

  pause(): void {
    this.sessionPaused = true;
    this.reader.pause();
    this.socket.pause();
  }

  resume(): void {
    if (!this.sessionPaused || this.owner.closed) return;
    this.sessionPaused = false;
    this.continueInput();
  }

  /** The connection is closing: nothing more is handed to the session, and no wait is pending. */
  stop(): void {
    this.stopWaiting();
    this.reader.pause();
  }

  /** Forget any wait and held frame (the connection is destroyed or gone). */
  stopWaiting(): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.heldFrame = undefined;
  }

  // ---- OutputPressure

  stopForOutput(): void {
    this.outputFull = true;
    this.reader.pause();
    this.socket.pause();
  }

  resumeForOutput(): void {
    this.outputFull = false;
    this.continueInput();
  }

  // ---- FrameSink: the session's, with the message rate in front of onFrame.

  onFrame(frame: F): void {
    this.frameIn(frame);
  }

  onBody(chunk: Buffer): void {
    this.session.onBody(chunk);
  }

  onBodyEnd(): void {
    this.session.onBodyEnd();
  }

  onDecodeError(error: CodecError): void {
    this.session.onDecodeError(error);
  }

  /** Neither the session, the rate nor unsent output holds input back. */
  private get reading(): boolean {
    return !this.sessionPaused && !this.outputFull && this.waitTimer === undefined && this.heldFrame === undefined;
  }

  private frameIn(frame: F): void {
    const limits = this.owner.limits;
    if (limits.msgRate > 0 && this.session.isRateFree?.(frame) !== true) {
      const now = Date.now();
      const rate = (this.rate ??= new MessageRate(liveMessageRate(limits), now, this.owner.stats));
      if (!rate.admit(now)) {
        if (this.session.overRate !== undefined) this.session.overRate(frame);
        else this.heldFrame = { frame };
        this.waitForInput(rate.waitMs(now));
        return;
      }
    }
    this.session.onFrame(frame);
  }

  /** Read nothing for `ms`; then hand over the held frame, if any, and read on. */
  private waitForInput(ms: number): void {
    if (this.owner.closed) return;
    this.reader.pause();
    this.socket.pause();
    clearTimeout(this.waitTimer);
    // One more millisecond: timers and Date.now() are different clocks, and a wake a hair
    // early would find the token not quite there and wait (and answer) once more.
    this.waitTimer = setTimeout(() => {
      this.waitTimer = undefined;
      this.continueInput();
    }, ms + 1);
  }

  /** Go on reading if nothing holds input back: the held frame first, then what is buffered. */
  private continueInput(): void {
    if (this.owner.closed || this.sessionPaused || this.outputFull || this.waitTimer !== undefined) return;
    const held = this.heldFrame;
    if (held !== undefined) {
      this.heldFrame = undefined;
      this.handleInput(() => this.frameIn(held.frame)); // takes the token now, or waits again
      if (this.owner.closed || !this.reading) return;
    }
    this.handleInput(() => this.reader.resume());
    // The session or the rate may have held input again while handling what was buffered.
    if (!this.owner.closed && this.reading) this.socket.resume();
  }

  /** Guarded, with what the session queues meanwhile counted as replies. */
  private handleInput(work: () => void): void {
    this.replying = true;
    try {
      this.owner.guard.run(this.owner, work);
    } finally {
      this.replying = false;
    }
  }
}
