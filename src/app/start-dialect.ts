/**
 * Start one dialect of the registry: open it (its plug, and what it runs beside it), then
 * listen on its transport. `config` is where it listens and its own config; a stream
 * dialect may also have a TLS listener beside its plain one, or instead of it
 * (TlsListenerConfig): one plug, so one set of sessions, limits and counters for both.
 */
import type { Dialect, DialectServices, Endpoint, Opened } from "../protocols/dialect.js";
import type { WebSocketRoute } from "../transport/websocket-listener.js";
import type { AppContext, Started, TlsListenerConfig } from "./context.js";
import type { Limits } from "./limits.js";
import { asListenFailure } from "./listen-failure.js";
import { listenTcp, listenUdp, tlsListenerName, type Listening } from "./listen.js";

/** A started dialect: its part of the server, and its say in SIGHUP, sweeps and leak checks. */
export interface StartedDialect extends Started {
  readonly name: string;
  readonly opened: Opened<Limits>;
  /** A stream dialect's: where the web listener hands its WebSockets. */
  readonly route?: WebSocketRoute | undefined;
}

export async function startDialect(ctx: AppContext, dialect: Dialect, services: DialectServices<object>, config: Endpoint & TlsListenerConfig): Promise<StartedDialect> {
  let opened: Opened<Limits>;
  /** Each listener: what the failure to bind it is called, and how to start it. */
  const listens: [name: string, at: Endpoint, listen: () => Promise<Listening>][] = [];
  if (dialect.transport === "stream") {
    const o = await dialect.open(services, config);
    opened = o;
    if (config.plain !== false) listens.push([dialect.name, config, () => listenTcp(ctx, o.plug, config)]);
    const tlsAt = config.tls;
    if (tlsAt) listens.push([tlsListenerName(dialect.name), tlsAt, () => listenTcp(ctx, o.plug, tlsAt, true)]);
  } else {
    if (config.tls || config.plain === false) throw new Error(`${dialect.name}: a datagram dialect has no TLS listener`);
    const o = await dialect.open(services, config);
    opened = o;
    listens.push([dialect.name, config, () => listenUdp(ctx, o.plug, config, o.idleTimeoutMs, o.rate)]);
  }
  // Counted from the start (after what it runs beside it: lab's bots count as `bot`
  // first), so /metrics and the status page list it at 0.
  ctx.hub.stats.dialect(dialect.name);
  const listening: Listening[] = [];
  try {
    for (const [name, at, listen] of listens) {
      try {
        listening.push(await listen());
      } catch (err) {
        throw asListenFailure(err, name, at);
      }
    }
  } catch (err) {
    opened.stop?.();
    await Promise.all(listening.map((l) => l.close(true)));
    await opened.close?.();
    throw err;
  }
  const stoppable = listening.filter((l) => l.stopAccepting !== undefined);
  const counted = listening.filter((l) => l.connections !== undefined);
  return {
    name: dialect.name,
    opened,
    route: listening.find((l) => l.route !== undefined)?.route,
    listeners: listening.map((l) => l.listener),
    ...(stoppable.length > 0 && { stopAccepting: async () => void (await Promise.all(stoppable.map((l) => l.stopAccepting!()))) }),
    ...(counted.length > 0 && { connections: () => counted.reduce((n, l) => n + l.connections!(), 0) }),
    close: async (cut) => {
      opened.stop?.();
      await Promise.all(listening.map((l) => l.close(cut)));
      await opened.close?.();
    },
    ...(opened.reopenLogs && { reopenLogs: opened.reopenLogs }),
  };
}
