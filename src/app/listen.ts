/** Start one dialect's listener, by its transport, with the process's shared limits and services. */
import type { RateLimit } from "../core/rate-limit.js";
import type { DatagramDialect } from "../transport/datagram-session.js";
import type { StreamDialect } from "../transport/session.js";
import { TcpListener } from "../transport/tcp-listener.js";
import { UdpListener } from "../transport/udp-listener.js";
import type { WebSocketRoute } from "../transport/websocket-listener.js";
import type { AppContext, BoundListener, Endpoint } from "./context.js";

export interface Listening {
  readonly listener: BoundListener;
  /** TCP only: stop accepting, close connections with nobody logged in; resolves once the rest have gone. */
  stopAccepting?(): Promise<void>;
  /** TCP only: connections open now. */
  connections?(): number;
  /** TCP only: where the web listener hands this dialect's WebSockets (`/ws/<dialect>`). */
  readonly route?: WebSocketRoute;
  close(cut?: boolean): Promise<void>;
}

/** The name of a stream dialect's TLS listener: in its `listening` line, /readyz, /metrics and the status page. */
export const tlsListenerName = (dialect: string): string => `${dialect}-tls`;

/**
 * Listen for `dialect` on `at`: in plain TCP, or with `tls` over TLS with the process's
 * certificate, as the listener `<dialect>-tls`. Either way its users are the dialect's.
 */
export async function listenTcp<F>(ctx: AppContext, dialect: StreamDialect<F>, at: Endpoint, tls = false): Promise<Listening> {
  if (tls && ctx.tls === undefined) throw new Error(`${dialect.name}: a TLS listener needs the certificate (--tls-cert, --tls-key)`);
  const name = tls ? tlsListenerName(dialect.name) : dialect.name;
  const tcp = new TcpListener({
    dialect,
    host: at.host,
    port: at.port,
    limits: ctx.limits,
    log: ctx.log,
    perAddress: ctx.connections,
    stats: ctx.hub.stats.dialect(dialect.name),
    proxyProtocol: ctx.proxyProtocol,
    tls: tls ? ctx.tls : undefined,
    name,
  });
  const a = await tcp.listen();
  ctx.probes.push({
    name,
    transport: "tcp",
    ready: () => tcp.accepting,
    connections: () => tcp.connectionCount,
    queuedBytes: () => tcp.queuedBytes(),
    stopAccepting: () => tcp.stopAccepting(),
    tables: () => tcp.tableSizes(),
    refused: () => tcp.refused,
  });
  return {
    listener: { name, transport: "tcp", address: a.address, port: a.port },
    stopAccepting: () => {
      const gone = tcp.stopAccepting();
      tcp.closeAnonymous("server_shutdown");
      return gone;
    },
    connections: () => tcp.connectionCount,
    route: tcp,
    close: (cut) => tcp.close(cut),
  };
}

export async function listenUdp<F, S>(ctx: AppContext, dialect: DatagramDialect<F, S>, at: Endpoint, idleTimeoutMs: number, rate?: RateLimit): Promise<Listening> {
  const udp = new UdpListener({
    dialect,
    host: at.host,
    port: at.port,
    idleTimeoutMs,
    rate,
    stats: ctx.hub.stats.dialect(dialect.name),
    log: ctx.log,
    maxSendQueue: ctx.limits.queueFrames,
  });
  const a = await udp.listen();
  ctx.probes.push({
    name: dialect.name,
    transport: "udp",
    ready: () => udp.bound,
    connections: () => udp.admittedCount,
    queuedBytes: () => ({ total: udp.queuedBytes, largest: udp.queuedBytes }),
    tables: () => udp.tableSizes(),
  });
  return {
    listener: { name: dialect.name, transport: "udp", address: a.address, port: a.port },
    close: () => udp.close(),
  };
}
