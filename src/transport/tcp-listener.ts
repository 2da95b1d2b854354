/**
 * A TCP listener for one stream dialect: accepts sockets, wraps each in a Connection,
 * and runs one watchdog timer for all of them (no timer per connection or message).
 */
import { createServer, type AddressInfo, type Server } from "node:net";
import type { Logger } from "pino";
import type { Limits } from "../core/limits.js";
import { Connection } from "./connection.js";
import type { StreamDialect } from "./session.js";

export interface TcpListenerOptions<F> {
  dialect: StreamDialect<F>;
  host: string;
  port: number;
  limits: Readonly<Limits>;
  log: Logger;
}

export class TcpListener<F> {
  private readonly server: Server;
  private readonly connections = new Set<Connection<F>>();
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly options: TcpListenerOptions<F>) {
    this.server = createServer({ noDelay: true }, (socket) => {
      const conn = new Connection(socket, options.dialect, options.limits, options.log, (c) => this.connections.delete(c));
      this.connections.add(conn);
    });
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

  /** Stop accepting and close every connection; resolves when all sockets are gone. */
  async close(): Promise<void> {
    clearInterval(this.watchdog);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.close("server_shutdown");
    await closed;
  }

  private checkDeadlines(): void {
    const now = Date.now();
    for (const c of this.connections) c.checkDeadlines(now);
  }
}
