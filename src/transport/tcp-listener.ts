/**
 * A TCP listener for one stream dialect: accepts sockets, wraps each in a Connection,
 * and runs one watchdog timer for all of them (no timer per connection or message).
 * A connection from an address that already has its most (--max-connections-per-ip,
 * counted over every listener that shares `perAddress`) is closed at accept, before any
 * session exists, and logged.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import type { DisconnectReason } from "../core/errors.js";
import type { Limits } from "../core/limits.js";
import { ConnectionsPerAddress } from "./address-limits.js";
import { Connection } from "./connection.js";
import type { StreamDialect } from "./session.js";

export interface TcpListenerOptions<F> {
  dialect: StreamDialect<F>;
  host: string;
  port: number;
  limits: Readonly<Limits>;
  log: Logger;
  /** Connections per client address, shared by the process's listeners; default: this listener's own. */
  perAddress?: ConnectionsPerAddress | undefined;
}

export class TcpListener<F> {
  private readonly server: Server;
  private readonly connections = new Set<Connection<F>>();
  private watchdog: NodeJS.Timeout | undefined;
  private readonly perAddress: ConnectionsPerAddress;
  /** Set by stopAccepting: resolves once the server is closed and the last connection has ended. */
  private stopped: Promise<void> | undefined;
  private lastEnded: (() => void) | undefined;

  constructor(private readonly options: TcpListenerOptions<F>) {
    this.perAddress = options.perAddress ?? new ConnectionsPerAddress(options.limits.maxConnectionsPerAddress);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    // Accept errors (EMFILE and the like) must not take the process down.
    this.server.on("error", (err) => options.log.error({ err, dialect: options.dialect.name }, "listener error"));
  }

  get dialectName(): string {
    return this.options.dialect.name;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const l = this.options.limits;
    // Check often enough that the shortest deadline is enforced within a quarter of itself.
    const every = Math.min(1000, Math.max(10, Math.min(l.loginTimeoutMs, l.stallTimeoutMs, l.ackTimeoutMs) / 4));
    this.watchdog = setInterval(() => this.checkDeadlines(), every);
    this.watchdog.unref();
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
    for (const c of this.connections) {
      if (cut) c.destroy("server_shutdown");
      else c.close("server_shutdown");
    }
    await closed;
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress;
    if (address === undefined) return void socket.destroy(); // already gone
    const refused = this.perAddress.admit(address);
    if (refused > 0) {
      socket.on("error", () => undefined);
      socket.destroy();
      // The first refusal of a run is logged, then every tenfold: a connect flood cannot flood the log.
      if (isPowerOfTen(refused)) {
        this.options.log.warn(
          { dialect: this.dialectName, remote: `${address}:${socket.remotePort}`, limit: this.perAddress.max, refused, reason: "too_many_connections" },
          "connection refused: too many from this address",
        );
      }
      return;
    }
    try {
      const conn = new Connection(socket, this.options.dialect, this.options.limits, this.options.log, (c) => {
        this.connections.delete(c);
        this.perAddress.close(address);
        if (this.connections.size === 0) this.lastEnded?.();
      });
      this.connections.add(conn);
    } catch (err) {
      // A session that throws while it is made (e.g. its greeting) costs this socket only.
      this.options.log.error({ err, dialect: this.dialectName, remote: `${address}:${socket.remotePort}`, reason: "session_error" }, "session failed to start; closing it");
      this.perAddress.close(address);
      socket.on("error", () => undefined);
      socket.destroy();
    }
  }

  private checkDeadlines(): void {
    const now = Date.now();
    for (const c of this.connections) c.checkDeadlines(now);
  }
}

function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}
