/**
 * What a datagram dialect plugs into the UDP transport. There is no connection: a peer
 * is its source address:port, and the transport keeps the table of peers the dialect
 * has admitted (e.g. registered), with the session the dialect bound to each, and does
 * for them what it does for a TCP connection: the message rate, the session boundary,
 * the idle deadline and the timers.
 */
import type { DatagramCodec, DecodedDatagram } from "./datagram-codec.js";

export interface Peer {
  readonly address: string;
  readonly port: number;
  /** `address:port` (`[v6]:port`): the peer's identity. */
  readonly key: string;
}

/** The listener as a dialect sees it: no socket, only what a dialect may do. */
export interface DatagramLink<S> {
  /**
   * The peer proved itself (registered): from now on its datagrams come with `session`,
   * replies to it are not limited, and it is released when silent for the idle limit.
   * Replaces an earlier session of the same peer.
   */
  admit(peer: Peer, session: S): void;
  /** Forget the peer (it logged out). Idempotent. */
  release(peer: Peer): void;
  /**
   * Send one datagram. Never throws. To a peer not admitted the anti-reflection limits
   * apply (ReplyLimiter). False when the datagram was dropped: over those limits, the
   * socket's send queue full, or the listener closed. UDP is lossy anyway: a dialect
   * never waits for, or retries, a send.
   */
  send(peer: Peer, datagram: Uint8Array): boolean;
  /** Sessions of every admitted peer, least recently heard from first. */
  sessions(): IterableIterator<S>;
  readonly admittedCount: number;
  /**
   * `callback` wrapped in `session`'s boundary, for calls from outside the transport's
   * own (promise callbacks): a throw is logged and ends that session (onSessionError),
   * never the process.
   */
  guarded<A extends unknown[]>(peer: Peer, session: S, callback: (...args: A) => void): (...args: A) => void;
  /**
   * Call `tick` every `intervalMs` until the listener closes. A throw is logged
   * (`<what> failed`) and the timer goes on.
   */
  every(intervalMs: number, what: string, tick: () => void): void;
}

export interface DatagramHandler<F, S> {
  /**
   * One datagram from `from`, decoded (or not). `session` is what the dialect bound to
   * that address with `admit`, if anything. Any datagram counts as a sign of life.
   */
  onDatagram(decoded: DecodedDatagram<F>, from: Peer, session: S | undefined): void;
  /**
   * The first datagram of a run from an admitted peer over its message rate. The
   * transport drops it, and the rest of the run unseen; answer it if the dialect has
   * words for that.
   */
  overRate?(session: S, peer: Peer): void;
  /** An admitted peer sent nothing for the idle limit; the transport already released it. */
  onIdle(session: S, peer: Peer): void;
  /**
   * The handler threw while handling a datagram of this admitted peer, or in a callback
   * wrapped with `guarded` (already logged by the transport; the peer is released): end
   * its session, as a TCP connection is closed when its session throws. Must not throw.
   */
  onSessionError(session: S, peer: Peer): void;
  /** The listener is closing: end every session. Sends still work during this call. */
  close(): void;
  /** The user `session` is logged in as, for the operational log's lines about it. */
  userOf?(session: S): string | undefined;
}

export interface DatagramDialect<F, S> {
  readonly name: string;
  readonly codec: DatagramCodec<F>;
  /** Called once, when the socket is bound. */
  createHandler(link: DatagramLink<S>): DatagramHandler<F, S>;
}
