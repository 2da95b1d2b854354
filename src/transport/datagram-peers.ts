/**
 * The peers of a datagram listener and what the transport does for each, whatever the
 * dialect, as connection.ts does for a TCP client (no socket here: udp-listener.ts owns
 * it and sends through DatagramOut):
 * - the table of admitted peers and their sessions, in least-recently-heard order, so
 *   that the watchdog finds the idle ones without scanning the rest (docs/udp.md: an
 *   address silent for the idle limit is logged out);
 * - the message rate of each admitted peer (message-rate.ts): a datagram over it is
 *   dropped before it is decoded, and the dialect hears of the first of each run only
 *   (overRate), so a flood is not answered datagram for datagram;
 * - the session boundary (session-guard.ts): a throw while handling a datagram, in a
 *   callback the dialect wrapped with `guarded`, or in a timer made with `every` ends at
 *   most that peer's session, never the process;
 * - the dialect's timers (`every`), stopped when the listener closes.
 */
import { isIPv6 } from "node:net";
import type { Logger } from "pino";
import type { RateLimit } from "../core/rate-limit.js";
import { DialectStats } from "../core/stats.js";
import { isIdle } from "./deadlines.js";
import type { DatagramDialect, DatagramHandler, DatagramLink, Peer } from "./datagram-session.js";
import { MessageRate } from "./message-rate.js";
import { SessionGuard, type Guarded } from "./session-guard.js";

/** Where datagrams go out (the listener's socket, with its limits). */
export interface DatagramOut {
  /** Send one datagram to `peer`, `admitted` or not; false when it was dropped. Never throws. */
  send(peer: Peer, datagram: Uint8Array, admitted: boolean): boolean;
}

export interface DatagramPeersOptions {
  /** An admitted peer silent this long is released and reported to the dialect. */
  readonly idleTimeoutMs: number;
  /** Datagrams an admitted peer may send (`perSecond` 0: no limit). */
  readonly rate: RateLimit;
  /** Where refusals of the rate are counted. */
  readonly stats?: DialectStats | undefined;
  readonly log: Logger;
}

/** No message rate: every datagram is taken. */
export const NO_RATE: RateLimit = Object.freeze({ perSecond: 0, burst: 1 });

interface Admitted<S> {
  readonly peer: Peer;
  readonly session: S;
  lastHeard: number;
  readonly rate: MessageRate;
}

export class DatagramPeers<F, S> implements DatagramLink<S> {
  /** Least recently heard first: a datagram moves its peer to the end. */
  private readonly peers = new Map<string, Admitted<S>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly stats: DialectStats;
  /** Throws while handling a datagram. */
  private readonly datagramGuard: SessionGuard;
  /** Throws in callbacks the dialect wrapped (promises and the like). */
  private readonly callbackGuard: SessionGuard;
  private handler: DatagramHandler<F, S> | undefined;

  constructor(
    private readonly dialect: DatagramDialect<F, S>,
    private readonly out: DatagramOut,
    private readonly options: DatagramPeersOptions,
  ) {
    this.stats = options.stats ?? new DialectStats(dialect.name);
    this.datagramGuard = new SessionGuard(options.log, dialect.name, "udp handler failed on a datagram; ending that session");
    this.callbackGuard = new SessionGuard(options.log, dialect.name, "udp session failed; logging it out");
  }

  /** Make the dialect's handler (once the socket is bound). */
  start(): void {
    this.handler = this.dialect.createHandler(this);
  }

  get size(): number {
    return this.peers.size;
  }

  isAdmitted(key: string): boolean {
    return this.peers.has(key);
  }

  /** One datagram from `address`:`port`, received at `now`. Never throws. */
  receive(datagram: Buffer, address: string, port: number, now: number): void {
    const key = peerKey(address, port);
    const admitted = this.peers.get(key);
    let peer: Peer;
    if (admitted !== undefined) {
      // Any datagram is a sign of life (docs/udp.md), even one over the rate: refresh
      // and move to the end.
      admitted.lastHeard = now;
      this.peers.delete(key);
      this.peers.set(key, admitted);
      peer = admitted.peer;
    } else {
      peer = { address, port, key };
    }
    try {
      if (admitted !== undefined && !admitted.rate.admit(now)) {
        if (admitted.rate.refusedInARow === 1) this.handler!.overRate?.(admitted.session, peer);
        return;
      }
      const decoded = this.dialect.codec.decode(datagram);
      this.handler!.onDatagram(decoded, peer, admitted?.session);
    } catch (err) {
      // Ends that peer's session (as a TCP connection is closed), never anyone else's.
      this.datagramGuard.failed(new PeerBoundary(this, peer, admitted?.session, undefined), err);
    }
  }

  /** Release peers silent past the idle limit (oldest first, stopping at the first live one). */
  sweep(now: number): void {
    const idle = this.options.idleTimeoutMs;
    for (const [key, a] of this.peers) {
      if (!isIdle(now, a.lastHeard, idle)) break;
      this.peers.delete(key);
      try {
        this.handler!.onIdle(a.session, a.peer);
      } catch (err) {
        this.options.log.error({ err, dialect: this.dialect.name, remote: key }, "udp handler failed on an idle peer");
      }
    }
  }

  /** The listener is closing: stop the dialect's timers and end every session (sends still work meanwhile). */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    try {
      this.handler?.close();
    } catch (err) {
      this.options.log.error({ err, dialect: this.dialect.name }, "closing the udp sessions failed");
    }
    this.peers.clear();
  }

  // ---- DatagramLink -----------------------------------------------------------------

  get admittedCount(): number {
    return this.peers.size;
  }

  admit(peer: Peer, session: S): void {
    const now = Date.now();
    this.peers.delete(peer.key);
    this.peers.set(peer.key, { peer, session, lastHeard: now, rate: new MessageRate(this.options.rate, now, this.stats) });
  }

  release(peer: Peer): void {
    this.peers.delete(peer.key);
  }

  send(peer: Peer, datagram: Uint8Array): boolean {
    return this.out.send(peer, datagram, this.peers.has(peer.key));
  }

  *sessions(): IterableIterator<S> {
    for (const a of this.peers.values()) yield a.session;
  }

  guarded<A extends unknown[]>(peer: Peer, session: S, callback: (...args: A) => void): (...args: A) => void {
    return this.callbackGuard.wrap(new PeerBoundary(this, peer, session, this.handler?.userOf?.(session)), callback);
  }

  every(intervalMs: number, what: string, tick: () => void): void {
    const timer = setInterval(() => {
      // A timer is outside every session: a throw here must not reach the process.
      try {
        tick();
      } catch (err) {
        this.options.log.error({ err, dialect: this.dialect.name }, `${what} failed`);
      }
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** @internal PeerBoundary: the session of `peer` threw; it ends (if it is still the peer's). */
  endSession(peer: Peer, session: S): void {
    if (this.peers.get(peer.key)?.session === session) this.peers.delete(peer.key);
    try {
      this.handler!.onSessionError(session, peer);
    } catch (err) {
      this.options.log.error({ err, dialect: this.dialect.name, remote: peer.key }, "udp handler failed ending a session");
    }
  }
}

/** A peer as the session guard sees it; made only when it is needed (a throw, a wrapped callback). */
class PeerBoundary<S> implements Guarded {
  constructor(
    private readonly peers: { endSession(peer: Peer, session: S): void },
    private readonly peer: Peer,
    /** Undefined for an address with no session: a throw then costs only that datagram. */
    private readonly session: S | undefined,
    readonly guardedUser: string | undefined,
  ) {}

  get remote(): string {
    return this.peer.key;
  }

  sessionFailed(): void {
    if (this.session !== undefined) this.peers.endSession(this.peer, this.session);
  }
}

export function peerKey(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}
