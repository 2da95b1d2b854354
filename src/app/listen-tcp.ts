/** Start one stream dialect's TCP listener with the process's shared limits and services. */
import type { StreamDialect } from "../transport/session.js";
import { TcpListener } from "../transport/tcp-listener.js";
import type { AppContext, BoundListener, Endpoint } from "./context.js";

export interface ListeningTcp {
  readonly listener: BoundListener;
  stopAccepting(): Promise<void>;
  connections(): number;
  close(cut?: boolean): Promise<void>;
}

export async function listenTcp<F>(ctx: AppContext, dialect: StreamDialect<F>, at: Endpoint): Promise<ListeningTcp> {
  const tcp = new TcpListener({
    dialect,
    host: at.host,
    port: at.port,
    limits: ctx.hub.limits,
    log: ctx.log,
    perAddress: ctx.connections,
    stats: ctx.hub.stats.dialect(dialect.name),
    proxyProtocol: ctx.proxyProtocol,
  });
  const a = await tcp.listen();
  ctx.probes.push({
    name: dialect.name,
    transport: "tcp",
    ready: () => tcp.accepting,
    connections: () => tcp.connectionCount,
    queuedBytes: () => tcp.queuedBytes(),
    stopAccepting: () => tcp.stopAccepting(),
    tables: () => tcp.tableSizes(),
    refused: () => tcp.refused,
  });
  return {
    listener: { name: dialect.name, transport: "tcp", address: a.address, port: a.port },
    stopAccepting: () => {
      const gone = tcp.stopAccepting();
      tcp.closeAnonymous("server_shutdown");
      return gone;
    },
    connections: () => tcp.connectionCount,
    close: (cut) => tcp.close(cut),
  };
}
