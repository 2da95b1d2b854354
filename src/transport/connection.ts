/**
 * One accepted TCP socket bound to a codec (through a FrameReader) and a dialect
 * session. Owns the outbound queue (bounded, coalesced), input pausing, the message rate
 * (one token-bucket check per frame, no timer unless the client is over it), the close
 * reason, and the per-connection deadlines checked by the watchdog.
 *
 * It is also the session boundary: every call into session code made by the transport
 * (socket data, resumed input, the watchdog, flush waiters, the rate's wake-up) and every
 * callback the session wraps with `guarded` runs inside `guard`, so a throw closes this
 * connection with a logged reason and never reaches the process.
 */
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { DisconnectReason } from "../core/errors.js";
import type { TransportLimits } from "./limits.js";
import { TokenBucket, type RateLimit } from "../core/rate-limit.js";
import { DialectStats } from "../core/stats.js";
import type { CodecError } from "./stream-codec.js";
import { scheduleFlush } from "./flush-scheduler.js";
import { FrameReader, type FrameSink } from "./frame-reader.js";
import type { Conn, StreamDialect, StreamSession } from "./session.js";

/** Output up to this size is merged into one buffer; larger batches use writev. */
const MERGE_BELOW = 16 * 1024;
/** The pause inside a split frame (sendSplit): long enough to be two TCP segments. */
export const SPLIT_PAUSE_MS = 250;
/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;
/**
 * Unsent output past which a connection's input is no longer read (README "Unresponsive
 * clients"): a client that pipelines requests faster than it reads the answers is slowed
 * down, not dropped. Reading resumes once the socket has taken all but its own buffer
 * (`writableHighWaterMark`, 16 KiB): below that a write never waits for a 'drain' event,
 * so the flush itself sees the output low; above it, 'drain' is sure to come.
 */
export const OUTPUT_HIGH_WATER = 64 * 1024;

/**
 * The message rate read through the live limits (src/app/switchboard.ts setLimits), so a new
 * --msg-rate reaches connections already open; one view per limits object.
 */
const rateViews = new WeakMap<Readonly<TransportLimits>, RateLimit>();
function messageRateOf(limits: Readonly<TransportLimits>): RateLimit {
  let view = rateViews.get(limits);
  if (view === undefined) {
    view = {
      get perSecond() {
        return limits.msgRate;
      },
      get burst() {
        return Math.max(1, limits.msgBurst);
      },
    };
    rateViews.set(limits, view);
  }
  return view;
}

/** Where a connection comes from when a PROXY protocol header said so (not the socket's peer). */
export interface ConnectionOrigin {
  readonly address: string;
  readonly port: number;
  /** When the socket was accepted: the login deadline counts from there. */
  readonly connectedAt: number;
}

/**
 * The socket's events reach their Connection through one set of shared handlers (the
 * socket is `this` when Node emits): no closures per connection (bench idle-lab, bytes
 * per idle connection).
 */
const CONNECTION = Symbol("connection");
type OwnedSocket = Socket & { [CONNECTION]: Connection<unknown> };
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[CONNECTION].socketOnData(chunk);
}
function onSocketDrain(this: OwnedSocket): void {
  this[CONNECTION].socketOnDrain();
}
function onSocketError(this: OwnedSocket, err: NodeJS.ErrnoException): void {
  this[CONNECTION].socketOnError(err);
}
function onSocketClose(this: OwnedSocket): void {
  this[CONNECTION].socketOnClose();
}
function onSocketEnd(this: OwnedSocket): void {
  this[CONNECTION].socketOnEnd();
}

/** The connection is its reader's FrameSink (onFrame goes through the message rate). */
export class Connection<F> implements Conn, FrameSink<F> {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt: number;
  private readonly reader: FrameReader<F>;
  private readonly session: StreamSession<F>;
  private readonly dialectName: string;
  private out: Uint8Array[] = [];
  /** While a split frame pauses, later frames wait here (in order, counted in the limits). */
  private held: Uint8Array[] | undefined;
  private heldBytes = 0;
  private outBytes = 0;
  private flushQueued = false;
  /**
   * Frames and bytes pushed by others (deliveries, notices) queued since the socket last
   * had nothing buffered (see queue); replies to this connection's own requests are not
   * counted: they stop its input instead (OUTPUT_HIGH_WATER).
   */
  private framesSinceDrain = 0;
  private bytesSinceDrain = 0;
  /** True while the connection's own input is handled: what it queues then are replies. */
  private replying = false;
  /** Input stopped because the output passed OUTPUT_HIGH_WATER. */
  private outputFull = false;
  private flushWaiters: (() => void)[] = [];
  private isLoggedIn = false;
  /** The name logged in with, for the logout line (a session may forget it first). */
  private loggedInAs = "";
  /** The session paused input (pauseInput). */
  private inputPaused = false;
  /**
   * The message rate; made with the first frame read while --msg-rate is on (also when
   * SIGHUP turned it on after this connection was made), full at first.
   */
  private bucket: TokenBucket | undefined;
  /** Set while input waits for the rate (or a retryLater); it ends the wait. */
  private waitTimer: NodeJS.Timeout | undefined;
  /** A frame read but not yet handed to the session (slowed reading, retryLater). */
  private heldFrame: { frame: F } | undefined;
  /** True while the session's onFrame runs: only then may it ask for retryLater. */
  private inOnFrame = false;
  /** The wait retryLater asked for during this onFrame; 0 for none. */
  private retryMs = 0;
  private closeReason: DisconnectReason | undefined;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    dialect: StreamDialect<F>,
    private readonly limits: Readonly<TransportLimits>,
    private readonly log: Logger,
    private readonly onEnded: (c: Connection<F>) => void,
    /** Where rate-limit hits and the close reason are counted. */
    private readonly stats: DialectStats = new DialectStats(dialect.name),
    origin?: ConnectionOrigin,
  ) {
    this.remoteAddress = origin?.address ?? socket.remoteAddress ?? "?";
    this.remotePort = origin?.port ?? socket.remotePort ?? 0;
    this.connectedAt = origin?.connectedAt ?? Date.now();
    this.dialectName = dialect.name;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    this.session = dialect.createSession(this);
    this.reader = new FrameReader(dialect.createCodec(), this, limits.maxFrameBytes);
    (socket as OwnedSocket)[CONNECTION] = this as Connection<unknown>;
    socket.on("data", onSocketData);
    socket.on("drain", onSocketDrain);
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
    socket.on("end", onSocketEnd);
    if (this.log.isLevelEnabled("debug")) this.log.debug({ dialect: this.dialectName, remote: this.remote }, "connection");
  }

  private get remote(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** The session's user, "" while none is logged in. */
  get user(): string {
    return this.session.name ?? "";
  }

  get pendingBytes(): number {
    return this.outBytes + this.heldBytes + this.socket.writableLength;
  }

  /** Replies are frames queued while this connection's own input is handled (see reply). */
  send(frame: Uint8Array): boolean {
    return this.queue(frame, this.replying);
  }

  reply(frame: Uint8Array): boolean {
    return this.queue(frame, true);
  }

  private queue(frame: Uint8Array, isReply: boolean): boolean {
    if (this.closeReason !== undefined) return false;
    if (this.held !== undefined) {
      this.held.push(frame);
      this.heldBytes += frame.length;
    } else {
      this.out.push(frame);
      this.outBytes += frame.length;
    }
    if (!isReply) {
      // Frames count against the limit only while the socket is backed up: a burst queued
      // in one turn for a reader that keeps up leaves in the next flush and is no debt.
      // Bytes always count: no burst may queue more than --queue-bytes. What is pushed and
      // still unsent is at most both what was pushed since the last drain and what is
      // unsent now, so a reader that keeps up under a steady stream (its socket never
      // quite empty) is not charged for bytes it has long since read.
      if (this.socket.writableLength > 0) this.framesSinceDrain++;
      this.bytesSinceDrain += frame.length;
      const pushedUnsent = Math.min(this.bytesSinceDrain, this.pendingBytes);
      if (this.framesSinceDrain > this.limits.queueFrames || pushedUnsent > this.limits.queueBytes) {
        this.destroy("slow_consumer");
        return false;
      }
    }
    if (!this.outputFull && this.pendingBytes > OUTPUT_HIGH_WATER) this.stopInputForOutput();
    if (!this.flushQueued) {
      this.flushQueued = true;
      scheduleFlush(this);
    }
    return true;
  }

  sendSplit(frame: Uint8Array): boolean {
    const half = Math.max(1, frame.length >> 1);
    if (!this.send(frame.subarray(0, half))) return false;
    if (this.held !== undefined) {
      // Already pausing: the rest simply waits in order behind the first part.
      return this.send(frame.subarray(half));
    }
    this.held = [frame.subarray(half)];
    this.heldBytes = frame.length - half;
    this.framesSinceDrain++;
    setTimeout(() => this.releaseHeld(), SPLIT_PAUSE_MS).unref();
    return true;
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (held === undefined || this.closeReason !== undefined) return;
    for (const f of held) this.out.push(f);
    this.outBytes += this.heldBytes;
    this.heldBytes = 0;
    if (!this.flushQueued) {
      this.flushQueued = true;
      scheduleFlush(this);
    }
  }

  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (out.length === 0 || this.socket.destroyed) return;
    this.out = [];
    const bytes = this.outBytes;
    this.outBytes = 0;
    if (out.length === 1) {
      this.socket.write(out[0]!);
    } else if (bytes <= MERGE_BELOW) {
      this.socket.write(Buffer.concat(out, bytes));
    } else {
      this.socket.cork();
      for (const b of out) this.socket.write(b);
      this.socket.uncork();
    }
    if (this.pendingBytes === 0) this.drained();
    else if (this.outputFull) this.resumeIfOutputLow();
  }

  whenFlushed(callback: () => void): void {
    if (this.pendingBytes === 0) callback();
    else this.flushWaiters.push(callback);
  }

  loggedIn(): void {
    this.isLoggedIn = true;
    this.loggedInAs = this.session.name ?? "";
    // debug, not info: a line per login made a 10,000-login storm 30% slower (bench idle-lab).
    if (this.log.isLevelEnabled("debug")) this.log.debug({ dialect: this.dialectName, user: this.loggedInAs, remote: this.remote }, "login");
  }

  pauseInput(): void {
    this.inputPaused = true;
    this.reader.pause();
    this.socket.pause();
  }

  resumeInput(): void {
    if (!this.inputPaused || this.closeReason !== undefined) return;
    this.inputPaused = false;
    this.continueInput();
  }

  retryLater(ms: number): void {
    if (this.inOnFrame) this.retryMs = Math.max(1, ms);
  }

  guarded<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    return (...args: A) => this.guard(() => callback(...args));
  }

  close(reason: DisconnectReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.stopWaiting();
    this.reader.pause();
    if (this.held !== undefined) {
      // A split frame's pause is cut short: what was promised is still written.
      for (const f of this.held) this.out.push(f);
      this.outBytes += this.heldBytes;
      this.held = undefined;
      this.heldBytes = 0;
    }
    this.flush();
    this.socket.end();
    // Read on (and drop, see socketOnData) what still comes, so that the peer's end is
    // seen even if input was paused or held back by the rate.
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Close at once, dropping queued output. */
  destroy(reason: DisconnectReason): void {
    if (this.closeReason === undefined) {
      this.closeReason = reason;
      if (reason === "slow_consumer") this.logSlowConsumer();
    }
    this.stopWaiting();
    this.out = [];
    this.outBytes = 0;
    this.held = undefined;
    this.heldBytes = 0;
    this.socket.destroy();
  }

  /** Watchdog check: login deadline, stalled frame, and the session's own deadlines. */
  checkDeadlines(now: number): void {
    if (this.closeReason !== undefined) return;
    if (!this.isLoggedIn && now - this.connectedAt > this.limits.loginTimeoutMs) {
      this.close("login_timeout");
      return;
    }
    const since = this.reader.partialSince;
    // Not while the server itself holds input back: the wait is ours, not the client's stall.
    if (since !== 0 && this.reading && now - since > this.limits.stallTimeoutMs) {
      this.close("stalled_frame");
      return;
    }
    this.guard(() => {
      const reason = this.session.checkDeadline?.(now);
      if (reason) this.close(reason);
    });
  }

  /** Neither the session, the rate nor unsent output holds input back. */
  private get reading(): boolean {
    return !this.inputPaused && !this.outputFull && this.waitTimer === undefined && this.heldFrame === undefined;
  }

  /** Too much unsent output: read no more requests until the socket has taken it. */
  private stopInputForOutput(): void {
    this.outputFull = true;
    this.reader.pause();
    this.socket.pause();
  }

  /** Called after a flush or a 'drain' while input is stopped for output. */
  private resumeIfOutputLow(): void {
    if (this.pendingBytes > this.socket.writableHighWaterMark) return;
    this.outputFull = false;
    this.continueInput();
  }

  /** Warn level: a dropped user is worth an operator's look (issue 20); /metrics counts them too. */
  private logSlowConsumer(): void {
    this.log.warn(
      {
        dialect: this.dialectName,
        user: this.session.name || undefined,
        remote: this.remote,
        queuedFrames: this.session.queuedFrames ?? this.out.length + (this.held?.length ?? 0),
        queuedBytes: this.pendingBytes,
      },
      "slow consumer disconnected",
    );
  }

  // ---- FrameSink: the session's, with the message rate in front of onFrame. One
  // bucket check per frame; a timer only while the client is over the rate.

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

  private frameIn(frame: F): void {
    if (this.limits.msgRate > 0 && this.session.isRateFree?.(frame) !== true) {
      const now = Date.now();
      const bucket = (this.bucket ??= new TokenBucket(messageRateOf(this.limits), now));
      if (!bucket.take(now)) {
        this.stats.rateLimited.msg_rate++;
        if (this.session.overRate !== undefined) this.session.overRate(frame);
        else this.heldFrame = { frame };
        this.waitForInput(bucket.waitMs(now));
        return;
      }
    }
    this.inOnFrame = true;
    try {
      this.session.onFrame(frame);
    } finally {
      this.inOnFrame = false;
      const retryMs = this.retryMs;
      if (retryMs > 0) {
        this.retryMs = 0;
        if (this.closeReason === undefined) {
          this.heldFrame = { frame };
          this.waitForInput(retryMs);
        }
      }
    }
  }

  /** Read nothing for `ms`; then hand over the held frame, if any, and read on. */
  private waitForInput(ms: number): void {
    if (this.closeReason !== undefined) return;
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

  private stopWaiting(): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.heldFrame = undefined;
  }

  /** Go on reading if nothing holds input back: the held frame first, then what is buffered. */
  private continueInput(): void {
    if (this.closeReason !== undefined || this.inputPaused || this.outputFull || this.waitTimer !== undefined) return;
    const held = this.heldFrame;
    if (held !== undefined) {
      this.heldFrame = undefined;
      this.handleInput(() => this.frameIn(held.frame)); // takes the token now, or waits again
      if (this.closeReason !== undefined || !this.reading) return;
    }
    this.handleInput(() => this.reader.resume());
    // The session or the rate may have held input again while handling what was buffered.
    if (this.closeReason === undefined && this.reading) this.socket.resume();
  }

  /** Input read before this connection existed (what followed a PROXY header), as if just received. */
  pushInput(chunk: Buffer): void {
    this.socketOnData(chunk);
  }

  /** @internal the socket handlers above */
  socketOnData(chunk: Buffer): void {
    // A closing connection reads no more requests: what arrives is dropped, not buffered.
    if (this.closeReason !== undefined) return;
    this.handleInput(() => this.reader.push(chunk));
  }

  /** Guarded, with what the session queues meanwhile counted as replies (send). */
  private handleInput(work: () => void): void {
    this.replying = true;
    try {
      this.guard(work);
    } finally {
      this.replying = false;
    }
  }

  /** The session boundary: a throwing handler ends this connection, never the process. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      const user = this.session.name || undefined;
      this.log.error(
        { err, dialect: this.dialectName, remote: `${this.remoteAddress}:${this.remotePort}`, user, reason: "session_error" },
        "session failed; closing it",
      );
      this.destroy("session_error");
    }
  }

  private drained(): void {
    this.framesSinceDrain = 0;
    this.bytesSinceDrain = 0;
    if (this.outputFull) {
      this.outputFull = false;
      this.continueInput();
    }
    if (this.flushWaiters.length > 0) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const w of waiters) this.guard(w); // session code, called from the flush or a drain event
    }
  }

  /** @internal the socket handlers above */
  socketOnDrain(): void {
    if (this.pendingBytes === 0) this.drained();
    else if (this.outputFull) this.resumeIfOutputLow();
  }

  /** @internal the socket handlers above */
  socketOnEnd(): void {
    // The peer finished sending; we close our side too (no half-open chat sessions).
    if (this.closeReason === undefined) this.close("client_closed");
  }

  /** @internal the socket handlers above */
  socketOnError(err: NodeJS.ErrnoException): void {
    if (this.closeReason === undefined) this.closeReason = "socket_error";
    this.log.debug({ code: err.code, remote: `${this.remoteAddress}:${this.remotePort}` }, "socket error");
  }

  /** @internal the socket handlers above */
  socketOnClose(): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason ??= "client_closed";
    this.stats.disconnects[this.closeReason]++;
    this.stopWaiting();
    this.flushWaiters = [];
    this.guard(() => this.session.onClose(this.closeReason!));
    this.onEnded(this);
    // debug, as logins: the chat logs and /metrics already count them.
    if (this.log.isLevelEnabled("debug")) {
      this.log.debug({ dialect: this.dialectName, user: this.loggedInAs || undefined, remote: this.remote, reason: this.closeReason }, this.isLoggedIn ? "logout" : "connection closed");
    }
  }
}
