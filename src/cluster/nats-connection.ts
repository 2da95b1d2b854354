/**
 * The node's one connection to NATS (the official client, @nats-io/transport-node):
 * every cluster port shares it. It reconnects for ever, through every server it was
 * given or has heard of, and says so in the operational log; `connected` is what
 * /readyz reads (docs/cluster.md#operations).
 */
import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log/ops-log.js";

export interface NatsOptions {
  /** `nats://host:4222` or `tls://host:4222`, one or more. */
  readonly servers: readonly string[];
  /** This node's name, shown to the NATS server (its monitoring lists connections by name). */
  readonly node: string;
  /** A NATS credentials file (JWT and NKey seed), as `nsc` writes them. */
  readonly credsFile?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** A CA file to check the NATS servers' certificates against (for `tls://` servers with a private CA). */
  readonly caFile?: string | undefined;
}

export class NatsLink {
  private up = true;
  private closing = false;
  private readonly watching: Promise<void>;

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    this.watching = this.watch();
  }

  /** Connect, or reject when no server answers within `timeoutMs` (the node then does not start). */
  static async open(options: NatsOptions, log: Logger, timeoutMs = 10_000): Promise<NatsLink> {
    const connection: ConnectionOptions = {
      servers: [...options.servers],
      name: `switchboard ${options.node}`,
      timeout: timeoutMs,
      // A node without NATS keeps serving what it can (docs/cluster.md#failures) and comes back by itself.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      // A server that vanished without closing the socket is noticed within about 10 s.
      pingInterval: 5000,
      maxPingOut: 2,
    };
    if (options.user !== undefined) connection.user = options.user;
    if (options.password !== undefined) connection.pass = options.password;
    if (options.credsFile !== undefined) connection.authenticator = credsAuthenticator(readFileSync(options.credsFile));
    if (options.caFile !== undefined) connection.tls = { caFile: options.caFile };
    let nc: NatsConnection;
    try {
      nc = await connect(connection);
    } catch (err) {
      // The operator's to fix: say which servers, and what NATS said.
      throw new Error(`cannot reach NATS at ${options.servers.join(", ")}: ${(err as Error).message}`, { cause: err });
    }
    log.info({ server: nc.getServer(), node: options.node }, "connected to NATS");
    return new NatsLink(nc, log);
  }

  /** False from a disconnect until the reconnect. */
  get connected(): boolean {
    return this.up && !this.closing;
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case "disconnect":
          this.up = false;
          if (!this.closing) this.log.warn({ server: s.server }, "NATS connection lost; reconnecting");
          break;
        case "reconnect":
          this.up = true;
          this.log.info({ server: s.server }, "NATS connection back");
          break;
        case "error":
          this.log.warn({ err: s.error }, "NATS error");
          break;
        case "slowConsumer":
          this.log.warn({ subject: s.sub.getSubject(), pending: s.pending }, "NATS subscription falling behind");
          break;
        default:
          break;
      }
    }
  }

  /** Flush what is still to go out and close (after every port is closed). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => undefined); // already closed or cut off: nothing left to flush
    }
    await this.watching.catch(() => undefined);
  }
}
