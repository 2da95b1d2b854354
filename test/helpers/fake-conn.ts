/**
 * A Conn for dialect session tests: no socket, the peer's bytes fed through a FrameReader
 * into the session the way src/transport/connection.ts feeds them, and what the session
 * does recorded. A subclass makes the session (with itself as its Conn) and says how a
 * sent frame is recorded; the options keep what differs between the dialects' tests.
 */
import type { DisconnectReason } from "../../src/core/errors.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import type { Conn, StreamSession } from "../../src/transport/session.js";
import type { StreamCodec } from "../../src/transport/stream-codec.js";

export interface RecordingConnOptions {
  /**
   * onClose comes on the turn after close() or destroy(), as the socket's 'close' event
   * does; without this, only when the test says the socket is gone (socketClosed).
   */
  readonly closesSoon?: boolean;
  /** whenFlushed calls back on the next turn, as a real flush would come, instead of at once. */
  readonly flushesLater?: boolean;
  /** A throw out of session code goes on to the test (failing it there) instead of into `thrown`. */
  readonly rethrows?: boolean;
  /** guarded() hands the callback back unwrapped, so a throw in it is not recorded in `thrown`. */
  readonly unguardedCallbacks?: boolean;
  /** How long settle() waits for the session to resume its input (default 3000 ms). */
  readonly settleTimeoutMs?: number;
}

export abstract class RecordingConn<F> implements Conn {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 40000;
  closeReason: DisconnectReason | undefined;
  isLoggedIn = false;
  /** The session paused input and has not resumed it. */
  inputPaused = false;
  /** Exceptions that escaped the session (Connection's guard would have caught them). */
  readonly thrown: unknown[] = [];
  /** Frames and decode errors the reader handed to the session. */
  framesRead = 0;
  decodeErrorsRead = 0;
  /** onClose has been called (once): the session is over. */
  sessionEnded = false;
  /** Resolves once onClose has been called. */
  readonly whenEnded: Promise<void>;
  private resolveEnded!: () => void;
  protected readonly reader: FrameReader<F>;
  /** Made by the subclass with this as its Conn. */
  abstract readonly session: StreamSession<F>;

  constructor(
    codec: StreamCodec<F>,
    maxFrameBytes: number,
    private readonly options: RecordingConnOptions = {},
  ) {
    this.whenEnded = new Promise((resolve) => (this.resolveEnded = resolve));
    // this.session is looked up per call: the subclass makes it after this constructor.
    this.reader = new FrameReader<F>(
      codec,
      {
        onFrame: (frame) => {
          this.framesRead++;
          this.session.onFrame(frame);
        },
        onBody: (chunk) => this.session.onBody(chunk),
        onBodyEnd: () => this.session.onBodyEnd(),
        onDecodeError: (error) => {
          this.decodeErrorsRead++;
          this.session.onDecodeError(error);
        },
      },
      maxFrameBytes,
    );
  }

  /** Record one frame the session sent (a copy it may keep). */
  protected abstract record(frame: Buffer): void;

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Nothing waits for a socket here: every frame is recorded as it is sent. */
  get pendingBytes(): number {
    return 0;
  }

  send(frame: Uint8Array): boolean {
    this.record(Buffer.from(frame));
    // As Connection.send: a frame sent once closing is dropped, and the session is told.
    return !this.closed;
  }

  /** Recorded as any frame: only the queue limit tells a reply from a push. */
  reply(frame: Uint8Array): boolean {
    return this.send(frame);
  }

  /** Recorded whole: the split only changes timing on a real socket. */
  sendSplit(frame: Uint8Array): boolean {
    return this.send(frame);
  }

  whenFlushed(callback: () => void): void {
    if (this.options.flushesLater) setImmediate(callback);
    else callback();
  }

  loggedIn(): void {
    this.isLoggedIn = true;
  }

  pauseInput(): void {
    this.inputPaused = true;
    this.reader.pause();
  }

  resumeInput(): void {
    if (!this.inputPaused || this.closed) return;
    this.inputPaused = false;
    this.guard(() => this.reader.resume());
  }

  guarded<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    if (this.options.unguardedCallbacks) return callback;
    return (...args: A) => this.guard(() => callback(...args));
  }

  close(reason: DisconnectReason): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.reader.pause();
    if (this.options.closesSoon) this.socketClosesSoon();
  }

  /** Nothing is queued here to drop, so destroying is closing. */
  destroy(reason: DisconnectReason): void {
    this.close(reason);
  }

  /** Bytes from the peer, as socketOnData hands them over: dropped once closing. */
  push(chunk: Buffer): void {
    if (!this.closed) this.guard(() => this.reader.push(chunk));
  }

  /** The socket is gone, as Connection's socketOnClose: onClose, once. */
  socketClosed(): void {
    if (this.sessionEnded) return;
    this.sessionEnded = true;
    this.closeReason ??= "client_closed";
    this.guard(() => this.session.onClose(this.closeReason!));
    this.resolveEnded();
  }

  /** The peer hangs up: the server closes its side too (socketOnEnd); resolves after onClose. */
  async end(): Promise<void> {
    this.close("client_closed");
    if (!this.options.closesSoon) this.socketClosed();
    await this.whenEnded;
  }

  /** Wait until input is no longer paused by the session (it answered what it read). */
  async settle(): Promise<void> {
    const timeoutMs = this.options.settleTimeoutMs ?? 3000;
    const deadline = Date.now() + timeoutMs;
    while (this.inputPaused && !this.closed) {
      if (Date.now() > deadline) throw new Error(`input stayed paused for ${timeoutMs} ms: something read was never answered`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Like the socket's 'close' event after a close: later, and once. */
  protected socketClosesSoon(): void {
    setImmediate(() => this.socketClosed());
  }

  /** The session boundary, as Connection's guard, but recording what it catches. */
  protected guard(work: () => void): void {
    if (this.options.rethrows) return work();
    try {
      work();
    } catch (err) {
      this.thrown.push(err);
    }
  }
}
