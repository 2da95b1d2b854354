/**
 * One accepted TCP socket bound to a codec (through a FrameReader) and a dialect
 * session. Owns the outbound queue (bounded, coalesced), input pausing, the close
 * reason, and the per-connection deadlines checked by the watchdog.
 */
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { DisconnectReason } from "../core/errors.js";
import type { Limits } from "../core/limits.js";
import { scheduleFlush } from "./flush-scheduler.js";
import { FrameReader } from "./frame-reader.js";
import type { Conn, StreamDialect, StreamSession } from "./session.js";

/** Output up to this size is merged into one buffer; larger batches use writev. */
const MERGE_BELOW = 16 * 1024;
/** The pause inside a split frame (sendSplit): long enough to be two TCP segments. */
export const SPLIT_PAUSE_MS = 250;
/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

export class Connection<F> implements Conn {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt: number;
  private readonly reader: FrameReader<F>;
  private readonly session: StreamSession<F>;
  private out: Uint8Array[] = [];
  /** While a split frame pauses, later frames wait here (in order, counted in the limits). */
  private held: Uint8Array[] | undefined;
  private heldBytes = 0;
  private outBytes = 0;
  private flushQueued = false;
  /** Frames queued since the socket last had nothing buffered (see send). */
  private framesSinceDrain = 0;
  private flushWaiters: (() => void)[] = [];
  private isLoggedIn = false;
  private inputPaused = false;
  private closeReason: DisconnectReason | undefined;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    dialect: StreamDialect<F>,
    private readonly limits: Readonly<Limits>,
    private readonly log: Logger,
    private readonly onEnded: (c: Connection<F>) => void,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "?";
    this.remotePort = socket.remotePort ?? 0;
    this.connectedAt = Date.now();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    this.session = dialect.createSession(this);
    this.reader = new FrameReader(dialect.createCodec(), this.session, limits.maxFrameBytes);
    socket.on("data", (chunk: Buffer) => this.socketOnData(chunk));
    socket.on("drain", () => this.socketOnDrain());
    socket.on("error", (err: NodeJS.ErrnoException) => this.socketOnError(err));
    socket.on("close", () => this.socketOnClose());
    socket.on("end", () => this.socketOnEnd());
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  get pendingBytes(): number {
    return this.outBytes + this.heldBytes + this.socket.writableLength;
  }

  send(frame: Uint8Array): boolean {
    if (this.closeReason !== undefined) return false;
    if (this.held !== undefined) {
      this.held.push(frame);
      this.heldBytes += frame.length;
    } else {
      this.out.push(frame);
      this.outBytes += frame.length;
    }
    // Frames count against the limit only while the socket is backed up: a burst queued
    // in one turn for a reader that keeps up leaves in the next flush and is no debt.
    if (this.socket.writableLength > 0) this.framesSinceDrain++;
    if (this.framesSinceDrain > this.limits.queueFrames || this.pendingBytes > this.limits.queueBytes) {
      this.destroy("slow_consumer");
      return false;
    }
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
  }

  whenFlushed(callback: () => void): void {
    if (this.pendingBytes === 0) callback();
    else this.flushWaiters.push(callback);
  }

  loggedIn(): void {
    this.isLoggedIn = true;
  }

  pauseInput(): void {
    this.inputPaused = true;
    this.reader.pause();
    this.socket.pause();
  }

  resumeInput(): void {
    if (!this.inputPaused || this.closeReason !== undefined) return;
    this.inputPaused = false;
    this.guard(() => this.reader.resume());
    // The session may have paused again while handling what was buffered.
    if (!this.inputPaused) this.socket.resume();
  }

  close(reason: DisconnectReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
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
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Close at once, dropping queued output. */
  destroy(reason: DisconnectReason): void {
    if (this.closeReason === undefined) this.closeReason = reason;
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
    if (since !== 0 && !this.inputPaused && now - since > this.limits.stallTimeoutMs) {
      this.close("stalled_frame");
      return;
    }
    const reason = this.session.checkDeadline?.(now);
    if (reason) this.close(reason);
  }

  private socketOnData(chunk: Buffer): void {
    // A closing connection reads no more requests: what arrives is dropped, not buffered.
    if (this.closeReason !== undefined) return;
    this.guard(() => this.reader.push(chunk));
  }

  /** The session boundary: a throwing handler ends this connection, never the process. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.log.error({ err, remote: `${this.remoteAddress}:${this.remotePort}` }, "session failed; closing it");
      this.destroy("session_error");
    }
  }

  private drained(): void {
    this.framesSinceDrain = 0;
    if (this.flushWaiters.length > 0) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const w of waiters) w();
    }
  }

  private socketOnDrain(): void {
    if (this.pendingBytes === 0) this.drained();
  }

  private socketOnEnd(): void {
    // The peer finished sending; we close our side too (no half-open chat sessions).
    if (this.closeReason === undefined) this.close("client_closed");
  }

  private socketOnError(err: NodeJS.ErrnoException): void {
    if (this.closeReason === undefined) this.closeReason = "socket_error";
    this.log.debug({ code: err.code, remote: `${this.remoteAddress}:${this.remotePort}` }, "socket error");
  }

  private socketOnClose(): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason ??= "client_closed";
    this.flushWaiters = [];
    this.guard(() => this.session.onClose(this.closeReason!));
    this.onEnded(this);
  }
}
