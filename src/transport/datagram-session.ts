/**
 * What a datagram dialect plugs into the UDP transport. There is no connection: a peer
 * is its source address:port, and the transport keeps the table of peers the dialect
 * has admitted (e.g. registered), with the session the dialect bound to each.
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
}

export interface DatagramHandler<F, S> {
  /**
   * One datagram from `from`, decoded (or not). `session` is what the dialect bound to
   * that address with `admit`, if anything. Any datagram counts as a sign of life.
   */
  onDatagram(decoded: DecodedDatagram<F>, from: Peer, session: S | undefined): void;
  /** An admitted peer sent nothing for the idle limit; the transport already released it. */
  onIdle(session: S, peer: Peer): void;
  /**
   * The handler threw while handling a datagram of this admitted peer (already logged by
   * the transport): end its session, as a TCP connection is closed when its session
   * throws. Must not throw.
   */
  onSessionError(session: S, peer: Peer): void;
  /** The listener is closing: end every session. Sends still work during this call. */
  close(): void;
}

export interface DatagramDialect<F, S> {
  readonly name: string;
  readonly codec: DatagramCodec<F>;
  /** Called once, when the socket is bound. */
  createHandler(link: DatagramLink<S>): DatagramHandler<F, S>;
}
