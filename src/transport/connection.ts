/**
 * One accepted connection bound to a dialect's codec and session: the Conn a session
 * talks to. Its socket is a ConnectionSocket (connection-socket.ts): a TCP socket, or a
 * WebSocket made to look like one (websocket-stream.ts). It wires the socket's events to the parts that do the work and owns only
 * what is the whole connection's:
 * - output: outbound-queue.ts (bounded, coalesced, split frames);
 * - input: input-gate.ts (pause/resume, the message rate), through the FrameReader;
 * - deadlines: deadlines.ts, checked by the listener's watchdog;
 * - the session boundary: session-guard.ts, around every call into session code;
 * - here: the close reason, closing (flush, then end) or destroying, and the
 *   connection's log lines.
 */
import type { Logger } from "pino";
import type { DisconnectReason } from "../core/errors.js";
import type { TransportLimits } from "./limits.js";
import type { DialectStats } from "../core/stats.js";
import type { ConnectionSocket } from "./connection-socket.js";
import { missedStreamDeadline } from "./deadlines.js";
import { FrameReader } from "./frame-reader.js";
import { InputGate, type GateOwner } from "./input-gate.js";
import { OutboundQueue, type OutFrame, type QueueOwner } from "./outbound-queue.js";
import type { SessionGuard } from "./session-guard.js";
import type { Conn, StreamDialect, StreamSession } from "./session.js";

export { OUTPUT_HIGH_WATER, SPLIT_PAUSE_MS } from "./outbound-queue.js";

/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** What a listener's connections share: one object per listener, none per connection. */
export interface ConnectionServices<F> {
  readonly dialect: StreamDialect<F>;
  /** The live limits (SIGHUP changes them in place). */
  readonly limits: Readonly<TransportLimits>;
  readonly log: Logger;
  /** Where rate-limit hits and close reasons are counted. */
  readonly stats: DialectStats;
  readonly guard: SessionGuard;
  /** The connection's socket has closed and its session has been told. */
  ended(connection: Connection<F>): void;
}

/** Where a connection comes from: its socket's peer, or the client its PROXY protocol header named. */
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
type OwnedSocket = ConnectionSocket & { [CONNECTION]: Connection<unknown> };
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

export class Connection<F> implements Conn, GateOwner, QueueOwner {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt: number;
  private readonly session: StreamSession<F>;
  private readonly input: InputGate<F>;
  private readonly output: OutboundQueue;
  private isLoggedIn = false;
  /** The name logged in with, for the logout line (a session may forget it first). */
  private loggedInAs = "";
  private closeReason: DisconnectReason | undefined;
  private ended = false;

  constructor(
    private readonly socket: ConnectionSocket,
    private readonly services: ConnectionServices<F>,
    origin?: ConnectionOrigin,
  ) {
    this.remoteAddress = origin?.address ?? socket.remoteAddress ?? "?";
    this.remotePort = origin?.port ?? socket.remotePort ?? 0;
    this.connectedAt = origin?.connectedAt ?? Date.now();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    // Output and input exist before the session: it may greet the client as it is made.
    this.input = new InputGate(this, socket);
    this.output = new OutboundQueue(socket, services.limits, this, this.input);
    const dialect = services.dialect;
    this.session = dialect.createSession(this);
    this.input.start(this.session, new FrameReader(dialect.createCodec(), this.input, services.limits.maxFrameBytes));
    (socket as OwnedSocket)[CONNECTION] = this as Connection<unknown>;
    socket.on("data", onSocketData);
    socket.on("drain", onSocketDrain);
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
    socket.on("end", onSocketEnd);
    if (this.log.isLevelEnabled("debug")) this.log.debug({ dialect: this.dialectName, remote: this.remote }, "connection");
  }

  private get log(): Logger {
    return this.services.log;
  }

  private get dialectName(): string {
    return this.services.dialect.name;
  }

  get limits(): Readonly<TransportLimits> {
    return this.services.limits;
  }

  get stats(): DialectStats {
    return this.services.stats;
  }

  get guard(): SessionGuard {
    return this.services.guard;
  }

  /** `address:port`, for log lines. */
  get remote(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Why it is closing or has closed; undefined while open (a WebSocket picks its close code by it). */
  get disconnectReason(): DisconnectReason | undefined {
    return this.closeReason;
  }

  /** The session's user, "" while none is logged in. */
  get user(): string {
    return this.session.name ?? "";
  }

  get guardedUser(): string | undefined {
    return this.session.name || undefined;
  }

  get pendingBytes(): number {
    return this.output.pendingBytes;
  }

  // ---- Conn -------------------------------------------------------------------------

  /** Replies are frames queued while this connection's own input is handled (see reply). */
  send(frame: OutFrame): boolean {
    if (this.closeReason !== undefined) return false;
    return this.output.push(frame, this.input.replying);
  }

  reply(frame: OutFrame): boolean {
    if (this.closeReason !== undefined) return false;
    return this.output.push(frame, true);
  }

  sendSplit(frame: OutFrame): boolean {
    if (this.closeReason !== undefined) return false;
    return this.output.pushSplit(frame, this.input.replying);
  }

  whenFlushed(callback: () => void): void {
    this.output.whenFlushed(callback);
  }

  loggedIn(): void {
    this.isLoggedIn = true;
    this.loggedInAs = this.session.name ?? "";
    // debug, not info: a line per login made a 10,000-login storm 30% slower (bench idle-lab).
    if (this.log.isLevelEnabled("debug")) this.log.debug({ dialect: this.dialectName, user: this.loggedInAs, remote: this.remote }, "login");
  }

  pauseInput(): void {
    this.input.pause();
  }

  resumeInput(): void {
    this.input.resume();
  }

  guarded<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    return this.guard.wrap(this, callback);
  }

  close(reason: DisconnectReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.input.stop();
    this.output.flushAll();
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
    this.input.stopWaiting();
    this.output.drop();
    this.socket.destroy();
  }

  // ---- for the listener, the gate and the queue ---------------------------------------

  /** Input read before this connection existed (what followed a PROXY header), as if just received. */
  pushInput(chunk: Buffer): void {
    this.socketOnData(chunk);
  }

  /** Watchdog check: login deadline, stalled frame, and the session's own deadlines. */
  checkDeadlines(now: number): void {
    if (this.closeReason !== undefined) return;
    const missed = missedStreamDeadline(this.services.limits, now, this.isLoggedIn, this.connectedAt, this.input.stalledSince);
    if (missed !== undefined) return this.close(missed);
    this.guard.run(this, () => {
      const reason = this.session.checkDeadline?.(now);
      if (reason) this.close(reason);
    });
  }

  /** @internal QueueOwner */
  overQueueLimit(): void {
    this.destroy("slow_consumer");
  }

  /** @internal QueueOwner */
  runGuarded(work: () => void): void {
    this.guard.run(this, work);
  }

  /** @internal Guarded: the session threw. */
  sessionFailed(): void {
    this.destroy("session_error");
  }

  /** Warn level: a dropped user is worth an operator's look (issue 20); /metrics counts them too. */
  private logSlowConsumer(): void {
    this.log.warn(
      {
        dialect: this.dialectName,
        user: this.session.name || undefined,
        remote: this.remote,
        queuedFrames: this.session.queuedFrames ?? this.output.frameCount,
        queuedBytes: this.output.pendingBytes,
      },
      "slow consumer disconnected",
    );
  }

  // ---- the socket's events (the handlers above) ----------------------------------------

  /** @internal */
  socketOnData(chunk: Buffer): void {
    // A closing connection reads no more requests: what arrives is dropped, not buffered.
    if (this.closeReason !== undefined) return;
    this.input.received(chunk);
  }

  /** @internal */
  socketOnDrain(): void {
    this.output.socketDrained();
  }

  /** @internal */
  socketOnEnd(): void {
    // The peer finished sending; we close our side too (no half-open chat sessions).
    if (this.closeReason === undefined) this.close("client_closed");
  }

  /** @internal */
  socketOnError(err: NodeJS.ErrnoException): void {
    if (this.closeReason === undefined) this.closeReason = "socket_error";
    this.log.debug({ code: err.code, remote: this.remote }, "socket error");
  }

  /** @internal */
  socketOnClose(): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason ??= "client_closed";
    this.stats.disconnects[this.closeReason]++;
    this.input.stopWaiting();
    this.output.forgetWaiters();
    this.guard.run(this, () => this.session.onClose(this.closeReason!));
    this.services.ended(this);
    // debug, as logins: the chat logs and /metrics already count them.
    if (this.log.isLevelEnabled("debug")) {
      this.log.debug({ dialect: this.dialectName, user: this.loggedInAs || undefined, remote: this.remote, reason: this.closeReason }, this.isLoggedIn ? "logout" : "connection closed");
    }
  }
}
