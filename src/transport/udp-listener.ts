/**
 * A UDP listener for one datagram dialect: one socket bound to host:port. Each datagram
 * goes, with its source address, to the peers table (datagram-peers.ts: admitted peers,
 * their message rate, the session boundary, idle release), which hands it to the
 * dialect. The listener owns the socket and what goes out through it:
 * - the anti-reflection limits on replies to addresses not admitted (ReplyLimiter);
 * - the bound on the socket's user-space send queue, and send errors (never thrown);
 * - the one watchdog timer (idle peers, the reply limiter's table).
 */
import { createSocket, type Socket } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { isIP, isIPv6, type AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { RateLimit } from "../core/rate-limit.js";
import type { DialectStats } from "../core/stats.js";
import { DatagramPeers, NO_RATE, type DatagramOut } from "./datagram-peers.js";
import type { DatagramDialect, Peer } from "./datagram-session.js";
import { startWatchdog } from "./deadlines.js";
import { ReplyLimiter, UNVERIFIED_REPLY_LIMITS, type ReplyLimits } from "./reply-limiter.js";

export { peerKey } from "./datagram-peers.js";

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
  /** Datagrams an admitted peer may send; default no limit. */
  rate?: RateLimit | undefined;
  /** This dialect's counters (rate-limit hits); default: the listener's own. */
  stats?: DialectStats | undefined;
  log: Logger;
  /** Replies to peers not admitted; default docs/udp.md#anti-abuse (5 a second, at most 64 bytes). */
  unverifiedReplies?: ReplyLimits;
  /**
   * Datagrams waiting in the socket's user-space queue (the kernel's buffer was full)
   * before further sends are dropped rather than buffered without end. Default 1000.
   */
  maxSendQueue?: number;
}

export class UdpListener<F, S> implements DatagramOut {
  private readonly socket: Socket;
  private readonly peers: DatagramPeers<F, S>;
  private readonly limiter: ReplyLimiter;
  private readonly maxSendQueue: number;
  private started = false;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private dropped = 0;

  constructor(private readonly options: UdpListenerOptions<F, S>) {
    this.socket = createSocket({ type: isIPv6(options.host) ? "udp6" : "udp4", lookup: literalFirstLookup });
    this.peers = new DatagramPeers(options.dialect, this, {
      idleTimeoutMs: options.idleTimeoutMs,
      rate: options.rate ?? NO_RATE,
      stats: options.stats,
      log: options.log,
    });
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
    return this.started && !this.closed;
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
    this.peers.start();
    this.started = true;
    socket.on("message", (msg, rinfo) => this.peers.receive(msg, rinfo.address, rinfo.port, Date.now()));
    this.watchdog = startWatchdog(this.options.idleTimeoutMs, (now) => {
      this.peers.sweep(now);
      this.limiter.expire(now);
    });
    return socket.address();
  }

  /** End every session, then close the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.watchdog);
    this.peers.close();
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  // ---- DatagramOut ------------------------------------------------------------------

  send(peer: Peer, datagram: Uint8Array, admitted: boolean): boolean {
    if (this.closed) return false;
    if (!admitted && !this.limiter.allow(peer.key, datagram.length, Date.now())) {
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

  /** One callback for every send (none allocated per datagram); errors are counted, not thrown. */
  private readonly sendDone = (err: Error | null): void => {
    if (err) {
      this.dropped++;
      this.options.log.debug({ err, dialect: this.dialectName }, "udp send failed");
    }
  };
}
