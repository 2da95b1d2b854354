/**
 * A TCP listener for one stream dialect: accepts sockets, wraps each in a Connection,
 * and runs one watchdog timer for all of them (no timer per connection or message).
 * A connection from an address that already has its most (--max-connections-per-ip,
 * counted over every listener that shares `perAddress`) is closed at accept, before any
 * session exists, and logged.
 *
 * With `proxyProtocol`, every connection first passes the ProxyHeaderStage: the address
 * its header names is the one admitted, limited and logged.
 *
 * With `tls`, every admitted connection speaks TLS (tls-socket.ts): the Connection is
 * made over the TLS socket at once, so the handshake counts toward the login deadline
 * and the per-address limit like any login. The PROXY header, plaintext in front of the
 * TLS bytes, is read first.
 *
 * The web listener hands it the dialect's WebSockets too (`adopt`, websocket-listener.ts):
 * they are its connections like the others, under the same limits, watchdog, counts and
 * shutdown.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import type { DisconnectReason } from "../core/errors.js";
import type { TransportLimits } from "./limits.js";
import { DialectStats } from "../core/stats.js";
import { ConnectionsPerAddress, isPowerOfTen } from "./address-limits.js";
import { noRefusals, type ConnectionRefusals } from "./connection-refusals.js";
import type { ConnectionSocket } from "./connection-socket.js";
import { Connection, type ConnectionOrigin, type ConnectionServices } from "./connection.js";
import { startWatchdog } from "./deadlines.js";
import { awaitingHeaderLimit, ProxyHeaderStage } from "./proxy-protocol-stage.js";
import { SessionGuard } from "./session-guard.js";
import type { StreamDialect } from "./session.js";
import type { SecureContextSource } from "./tls-certificate.js";
import { serveTls } from "./tls-socket.js";

export interface TcpListenerOptions<F> {
  dialect: StreamDialect<F>;
  host: string;
  port: number;
  limits: Readonly<TransportLimits>;
  log: Logger;
  /** Connections per client address, shared by the process's listeners; default: this listener's own. */
  perAddress?: ConnectionsPerAddress | undefined;
  /** This dialect's counters (rate-limit hits, disconnects by reason); default: the listener's own. */
  stats?: DialectStats | undefined;
  /** Every connection starts with a PROXY protocol header (v1 or v2); default false. */
  proxyProtocol?: boolean | undefined;
  /** Every connection speaks TLS, each handshake with the context this gives when it starts; default: plain TCP. */
  tls?: SecureContextSource | undefined;
  /** The listener's name in its tables (`<name>.connections`); default the dialect's. Two listeners of one dialect need two. */
  name?: string | undefined;
}

export class TcpListener<F> {
  /** Connections closed at accept, by why (never counted in `disconnects`: they had no session). */
  readonly refused: ConnectionRefusals = noRefusals();
  private readonly server: Server;
  private readonly connections = new Set<Connection<F>>();
  private readonly services: ConnectionServices<F>;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly perAddress: ConnectionsPerAddress;
  private readonly proxyStage: ProxyHeaderStage | undefined;
  /** Set by stopAccepting: resolves once the server is closed and the last connection has ended. */
  private stopped: Promise<void> | undefined;
  private lastEnded: (() => void) | undefined;

  constructor(private readonly options: TcpListenerOptions<F>) {
    this.perAddress = options.perAddress ?? new ConnectionsPerAddress(options.limits.maxConnectionsPerAddress);
    const name = options.dialect.name;
    this.services = {
      dialect: options.dialect,
      limits: options.limits,
      log: options.log,
      stats: options.stats ?? new DialectStats(name),
      guard: new SessionGuard(options.log, name, "session failed; closing it"),
      ended: (c) => this.ended(c),
    };
    if (options.proxyProtocol) {
      this.proxyStage = new ProxyHeaderStage({
        dialect: name,
        log: options.log,
        refused: this.refused,
        deadlineMs: options.limits.loginTimeoutMs,
        maxPerAddress: awaitingHeaderLimit(options.limits.maxConnectionsPerAddress),
        onHeader: (socket, source, acceptedAt, rest) => this.admit(socket, source.address, source.port, acceptedAt, rest),
      });
    }
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get dialectName(): string {
    return this.options.dialect.name;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Sizes of this listener's tables of clients: connections, and those awaiting a PROXY header. */
  tableSizes(): Record<string, number> {
    const name = this.options.name ?? this.options.dialect.name;
    return {
      [`${name}.connections`]: this.connections.size,
      [`${name}.awaitingProxyHeader`]: this.proxyStage?.count ?? 0,
      [`${name}.awaitingProxyHeaderAddresses`]: this.proxyStage?.addresses ?? 0,
    };
  }

  /** Accepting connections: listening, and not (yet) stopped. Asked live by /readyz. */
  get accepting(): boolean {
    return this.server.listening;
  }

  /** Bytes queued for this listener's clients and not yet taken by the kernel: in all, and the most for one. */
  queuedBytes(): { total: number; largest: number } {
    let total = 0;
    let largest = 0;
    for (const c of this.connections) {
      const n = c.pendingBytes;
      total += n;
      if (n > largest) largest = n;
    }
    return { total, largest };
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        // Accept errors (EMFILE and the like) must not take the process down. A failed
        // listen is not logged here: listen() rejects, and the caller reports it.
        this.server.on("error", (err) => this.options.log.error({ err, dialect: this.options.dialect.name }, "listener error"));
        resolve();
      });
    });
    const l = this.options.limits;
    this.watchdog = startWatchdog(Math.min(l.loginTimeoutMs, l.stallTimeoutMs, this.options.dialect.sessionDeadlineMs?.() ?? Infinity), (now) => this.checkDeadlines(now));
    return this.server.address() as AddressInfo;
  }

  /** Stop accepting (the first step of a shutdown); open connections go on. Resolves once the last is gone. */
  stopAccepting(): Promise<void> {
    if (this.stopped === undefined) {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      // The server may report closed a tick before the last connection's end reaches us.
      const ended = new Promise<void>((resolve) => (this.connections.size === 0 ? resolve() : (this.lastEnded = resolve)));
      this.stopped = Promise.all([closed, ended]).then(() => undefined);
    }
    return this.stopped;
  }

  /** Close every connection with no user logged in (at shutdown: there is nobody to say goodbye to). */
  closeAnonymous(reason: DisconnectReason): void {
    for (const c of this.connections) if (c.user === "") c.close(reason);
  }

  /**
   * Stop accepting and close every connection, flushing what is queued to each, or at
   * once with `cut` (a shutdown's deadline passed); resolves when all sockets are gone.
   */
  async close(cut = false): Promise<void> {
    clearInterval(this.watchdog);
    const closed = this.stopAccepting();
    this.proxyStage?.close();
    for (const c of this.connections) {
      if (cut) c.destroy("server_shutdown");
      else c.close("server_shutdown");
    }
    await closed;
  }

  /**
   * A connection that came another way than this listener's port (a WebSocket on the web
   * listener): admitted, limited and closed like one of its own. Undefined when refused
   * (too many from its address, or no longer accepting): `socket` is then destroyed.
   */
  adopt(socket: ConnectionSocket, origin: ConnectionOrigin): Connection<F> | undefined {
    if (this.stopped !== undefined) {
      socket.on("error", () => undefined);
      socket.destroy();
      return undefined;
    }
    // Already through the web listener (and its TLS, if any): never wrapped again here.
    return this.admit(socket, origin.address, origin.port, origin.connectedAt, undefined, false);
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress;
    if (address === undefined) return void socket.destroy(); // already gone
    if (this.proxyStage) this.proxyStage.accept(socket, address);
    else this.admit(socket, address, socket.remotePort ?? 0, Date.now());
  }

  /**
   * Admit a connection from the client at `address`:`port` (the socket's peer, or the one
   * its PROXY header named), accepted at `acceptedAt`; `rest` are input bytes already read.
   * `ownSocket`: it came through this listener's port, a net.Socket that `tls` wraps.
   */
  private admit(socket: ConnectionSocket, address: string, port: number, acceptedAt: number, rest?: Buffer, ownSocket = true): Connection<F> | undefined {
    const refused = this.perAddress.admit(address);
    if (refused > 0) {
      this.refused.too_many_from_address++;
      socket.on("error", () => undefined);
      socket.destroy();
      // The first refusal of a run is logged, then every tenfold: a connect flood cannot flood the log.
      if (isPowerOfTen(refused)) {
        this.options.log.warn(
          { dialect: this.dialectName, remote: `${address}:${port}`, limit: this.perAddress.max, refused, reason: "too_many_connections" },
          "connection refused: too many from this address",
        );
      }
      return undefined;
    }
    try {
      const tls = ownSocket ? this.options.tls : undefined;
      // The bytes after a PROXY header are the dialect's, or with TLS the handshake's.
      const stream = tls ? serveTls(socket as Socket, tls.context, rest) : socket;
      // Always the address admitted (the socket's peer or the PROXY header's client): the
      // one ended() gives back to the per-address count.
      const conn = new Connection(stream, this.services, { address, port, connectedAt: acceptedAt });
      this.connections.add(conn);
      if (!tls && rest !== undefined && rest.length > 0) conn.pushInput(rest);
      return conn;
    } catch (err) {
      // A session that throws while it is made (e.g. its greeting) costs this socket only.
      this.options.log.error({ err, dialect: this.dialectName, remote: `${address}:${port}`, reason: "session_error" }, "session failed to start; closing it");
      this.perAddress.close(address);
      socket.on("error", () => undefined);
      socket.destroy();
      return undefined;
    }
  }

  /** A connection's socket closed: its address may connect again. */
  private ended(c: Connection<F>): void {
    this.connections.delete(c);
    this.perAddress.close(c.remoteAddress);
    if (this.connections.size === 0) this.lastEnded?.();
  }

  private checkDeadlines(now: number): void {
    this.proxyStage?.checkDeadlines(now);
    for (const c of this.connections) c.checkDeadlines(now);
  }
}
