/** What a stream dialect plugs into the TCP transport. */
import type { DisconnectReason } from "../core/errors.js";
import type { FrameSink } from "./frame-reader.js";
import type { OutFrame } from "./outbound-queue.js";
import type { StreamCodec } from "./stream-codec.js";

/** The connection as a session sees it: no socket, only what a session may do. */
export interface Conn {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly closed: boolean;
  /**
   * Queue one encoded frame (bytes, or text written as UTF-8); frames queued in one
   * event-loop turn leave in one write.
   * Returns false when the outbound queue limit is passed: the connection is then being
   * closed as a slow consumer and the frame is dropped.
   *
   * A frame queued while the connection's own input is being handled (onFrame, onBody,
   * onDecodeError, overRate) is a reply: it never counts toward the queue limit; instead,
   * while the unsent output is over a high-water mark, the connection's input is not read
   * (a pipelining client is slowed, never dropped). Only what others push (deliveries,
   * notices) can make a connection a slow consumer.
   */
  send(frame: OutFrame): boolean;
  /** `send` for a reply queued later (after a store write, a password hash): counted as a reply. */
  reply(frame: OutFrame): boolean;
  /**
   * Queue `frame` in two writes with a pause between them (nothing else is written in
   * between), so peers can test their reassembly of split frames (the lab's delaybot).
   */
  sendSplit(frame: OutFrame): boolean;
  /** Bytes queued or buffered for the socket and not yet handed to the kernel. */
  readonly pendingBytes: number;
  /** Call `callback` once everything queued so far has been handed to the kernel. */
  whenFlushed(callback: () => void): void;
  /** The user logged in: the login deadline no longer applies. */
  loggedIn(): void;
  /** Stop reading input (the session is busy); nothing received is lost. */
  pauseInput(): void;
  resumeInput(): void;
  /**
   * `callback` wrapped in this session's boundary, for everything that calls session
   * code from outside the transport's own calls (promise callbacks, stream events,
   * timers): a throw closes this connection with a logged reason, never the process.
   */
  guarded<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void;
  /** Flush what is queued, then close. */
  close(reason: DisconnectReason): void;
  /** Close at once, dropping queued output (for peers that do not read). */
  destroy(reason: DisconnectReason): void;
}

export interface StreamSession<F> extends FrameSink<F> {
  /** The user's name once logged in ("" before), for the operational log. */
  readonly name?: string;
  /** Items the session itself holds for the client (bcs's ack-paced queue), for the slow-consumer log. */
  readonly queuedFrames?: number;
  /** The connection ended, for whatever reason; called exactly once. */
  onClose(reason: DisconnectReason): void;
  /** Polled by the transport's watchdog: a reason to close now, if any. */
  checkDeadline?(now: number): DisconnectReason | undefined;
  /**
   * The message rate (--msg-rate, --msg-burst). Every frame counts one token unless this
   * says it is free (bcs acks: a client must be able to acknowledge whatever it is sent).
   */
  isRateFree?(frame: F): boolean;
  /**
   * A frame over the message rate. When present, the frame is handed here instead of to
   * onFrame, to be answered with the dialect's "rate limited" error and dropped (bcs,
   * cs262). When absent the frame is kept and handed to onFrame once the rate allows it
   * (lab, gowing: no error exists, the client is simply read more slowly). Either way the
   * transport then reads nothing more from the connection until a token is back, so a
   * flood costs the server at most about two frames per token.
   */
  overRate?(frame: F): void;
}

export interface StreamDialect<F> {
  readonly name: string;
  /** A codec for one new connection (a stateless codec may return one shared instance). */
  createCodec(): StreamCodec<F>;
  createSession(conn: Conn): StreamSession<F>;
  /**
   * The shortest deadline its sessions' checkDeadline enforces (bcs: the ack timeout),
   * if any, so that the watchdog checks often enough for it too.
   */
  sessionDeadlineMs?(): number;
}
