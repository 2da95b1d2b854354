/**
 * A UDP listener for one datagram dialect: one socket bound to host:port. Each datagram
 * is decoded by the dialect's codec and handed, with its source address, to the
 * dialect's handler. The listener owns what is the transport's in any dialect:
 * - the table of admitted peers and their sessions, in least-recently-heard order, so
 *   that one timer finds the idle ones without scanning the rest (docs/wire.md#unresponsive-clients: an
 *   address silent for the idle limit is logged out);
 * - the anti-reflection limits on replies to addresses not admitted (ReplyLimiter);
 * - the bound on the socket's user-space send queue, and send errors (never thrown).
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { isIP, isIPv6, type AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { DatagramDialect, DatagramHandler, DatagramLink, Peer } from "./datagram-session.js";
import { ReplyLimiter, UNVERIFIED_REPLY_LIMITS, type ReplyLimits } from "./reply-limiter.js";

/**
 * The socket's address lookup: an IP literal (every peer's address is one, from the
 * datagram that came in) is answered at once; anything else (a --host name at bind) goes
 * to dns.lookup. Node's own lookup answers even a literal on the next tick: two deferred
 * callbacks per datagram sent, about a tenth of the server's time in a udp fan-out
 * (bench fanout-udp). Same addresses, same datagrams, same order.
 */
function literalFirstLookup(
  hostname: string,
  options: number | LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  dnsLookup(hostname, typeof options === "number" ? { family: options } : options, callback);
}

export interface UdpListenerOptions<F, S> {
  dialect: DatagramDialect<F, S>;
  host: string;
  port: number;
  /** An admitted peer silent this long is released and reported to the dialect. */
  idleTimeoutMs: number;
  log: Logger;
  /** Replies to peers not admitted; default docs/udp.md#anti-abuse (5 a second, at most 64 bytes). */
  unverifiedReplies?: ReplyLimits;
  /**
   * Datagrams waiting in the socket's user-space queue (the kernel's buffer was full)
   * before further sends are dropped rather than buffered without end. Default 1000.
   */
  maxSendQueue?: number;
}

interface Admitted<S> {
  readonly peer: Peer;
  readonly session: S;
  lastHeard: number;
}

export function peerKey(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

export class UdpListener<F, S> implements DatagramLink<S> {
  private readonly socket: Socket;
  /** Least recently heard first: a datagram moves its peer to the end. */
  private readonly peers = new Map<string, Admitted<S>>();
  private readonly limiter: ReplyLimiter;
  private readonly maxSendQueue: number;
  private handler: DatagramHandler<F, S> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private dropped = 0;

  constructor(private readonly options: UdpListenerOptions<F, S>) {
    this.socket = createSocket({ type: isIPv6(options.host) ? "udp6" : "udp4", lookup: literalFirstLookup });
    this.limiter = new ReplyLimiter(options.unverifiedReplies ?? UNVERIFIED_REPLY_LIMITS);
    this.maxSendQueue = options.maxSendQueue ?? 1000;
  }

  get dialectName(): string {
    return this.options.dialect.name;
  }

  get admittedCount(): number {
    return this.peers.size;
  }

  /** Sizes of this listener's tables of clients: admitted peers, and addresses the reply limits track. */
  tableSizes(): Record<string, number> {
    return { "udp.peers": this.peers.size, "udp.replyLimited": this.limiter.tracked };
  }

  /** The socket is bound and not closed. Asked live by /readyz. */
  get bound(): boolean {
    return this.handler !== undefined && !this.closed;
  }

  /** Bytes waiting in the socket's user-space send queue (the kernel's buffer was full). */
  get queuedBytes(): number {
    return this.bound ? this.socket.getSendQueueSize() : 0;
  }

  /** Datagrams not sent because of a limit or an error, since the start. */
  get droppedCount(): number {
    return this.dropped;
  }

  async listen(): Promise<AddressInfo> {
    const socket = this.socket;
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    // A receive or send error must not take the process down; UDP simply goes on.
    socket.on("error", (err) => this.options.log.warn({ err, dialect: this.dialectName }, "udp socket error"));
    this.handler = this.options.dialect.createHandler(this);
    socket.on("message", (msg, rinfo) => this.socketOnMessage(msg, rinfo));
    // Often enough that an idle peer goes within a quarter of the limit after it passes.
    const every = Math.min(1000, Math.max(10, this.options.idleTimeoutMs / 4));
    this.watchdog = setInterval(() => this.sweep(Date.now()), every);
    this.watchdog.unref();
    return socket.address();
  }

  /** End every session, then close the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.watchdog);
    try {
      this.handler?.close();
    } catch (err) {
      this.options.log.error({ err, dialect: this.dialectName }, "closing the udp sessions failed");
    }
    this.closed = true;
    this.peers.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  // ---- DatagramLink -----------------------------------------------------------------

  admit(peer: Peer, session: S): void {
    this.peers.delete(peer.key);
    this.peers.set(peer.key, { peer, session, lastHeard: Date.now() });
  }

  release(peer: Peer): void {
    this.peers.delete(peer.key);
  }

  send(peer: Peer, datagram: Uint8Array): boolean {
    if (this.closed) return false;
    if (!this.peers.has(peer.key) && !this.limiter.allow(peer.key, datagram.length, Date.now())) {
      this.dropped++;
      return false;
    }
    if (this.socket.getSendQueueCount() >= this.maxSendQueue) {
      // The kernel is not taking datagrams: drop rather than buffer without end.
      this.dropped++;
      return false;
    }
    try {
      this.socket.send(datagram, peer.port, peer.address, this.sendDone);
      return true;
    } catch (err) {
      this.dropped++;
      this.options.log.debug({ err, remote: peer.key }, "udp send failed");
      return false;
    }
  }

  *sessions(): IterableIterator<S> {
    for (const a of this.peers.values()) yield a.session;
  }

  // ---- input ------------------------------------------------------------------------

  private socketOnMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const key = peerKey(rinfo.address, rinfo.port);
    const admitted = this.peers.get(key);
    let peer: Peer;
    if (admitted !== undefined) {
      // Any datagram is a sign of life (docs/udp.md#liveness): refresh and move to the end.
      admitted.lastHeard = Date.now();
      this.peers.delete(key);
      this.peers.set(key, admitted);
      peer = admitted.peer;
    } else {
      peer = { address: rinfo.address, port: rinfo.port, key };
    }
    try {
      const decoded = this.options.dialect.codec.decode(msg);
      this.handler!.onDatagram(decoded, peer, admitted?.session);
    } catch (err) {
      // The session boundary: a throwing handler ends that peer's session (as a TCP
      // connection is closed), never the process or anyone else's session.
      this.options.log.error({ err, dialect: this.dialectName, remote: key, reason: "session_error" }, "udp handler failed on a datagram; ending that session");
      if (admitted !== undefined) this.endSession(admitted);
    }
  }

  private endSession(a: Admitted<S>): void {
    this.peers.delete(a.peer.key);
    try {
      this.handler!.onSessionError(a.session, a.peer);
    } catch (err) {
      this.options.log.error({ err, dialect: this.dialectName, remote: a.peer.key }, "udp handler failed ending a session");
    }
  }

  /** Release peers silent past the idle limit (oldest first, stopping at the first live one). */
  private sweep(now: number): void {
    const idle = this.options.idleTimeoutMs;
    for (const [key, a] of this.peers) {
      if (now - a.lastHeard < idle) break;
      this.peers.delete(key);
      try {
        this.handler!.onIdle(a.session, a.peer);
      } catch (err) {
        this.options.log.error({ err, dialect: this.dialectName, remote: key }, "udp handler failed on an idle peer");
      }
    }
    this.limiter.expire(now);
  }

  /** One callback for every send (none allocated per datagram); errors are counted, not thrown. */
  private readonly sendDone = (err: Error | null): void => {
    if (err) {
      this.dropped++;
      this.options.log.debug({ err, dialect: this.dialectName }, "udp send failed");
    }
  };
}
