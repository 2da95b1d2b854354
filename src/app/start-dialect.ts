/**
 * Start one dialect of the registry: open it (its plug, and what it runs beside it), then
 * listen on its transport. `config` is where it listens and its own config.
 */
import type { Dialect, DialectServices, Endpoint, Opened } from "../protocols/dialect.js";
import type { WebSocketRoute } from "../transport/websocket-listener.js";
import type { AppContext, Started } from "./context.js";
import type { Limits } from "./limits.js";
import { listenTcp, listenUdp, type Listening } from "./listen.js";

/** A started dialect: its part of the server, and its say in SIGHUP, sweeps and leak checks. */
export interface StartedDialect extends Started {
  readonly name: string;
  readonly opened: Opened<Limits>;
  /** A stream dialect's: where the web listener hands its WebSockets. */
  readonly route?: WebSocketRoute | undefined;
}

export async function startDialect(ctx: AppContext, dialect: Dialect, services: DialectServices<object>, config: Endpoint): Promise<StartedDialect> {
  let opened: Opened<Limits>;
  let listen: () => Promise<Listening>;
  if (dialect.transport === "stream") {
    const o = await dialect.open(services, config);
    [opened, listen] = [o, () => listenTcp(ctx, o.plug, config)];
  } else {
    const o = await dialect.open(services, config);
    [opened, listen] = [o, () => listenUdp(ctx, o.plug, config, o.idleTimeoutMs, o.rate)];
  }
  // Counted from the start (after what it runs beside it: lab's bots count as `bot`
  // first), so /metrics and the status page list it at 0.
  ctx.hub.stats.dialect(dialect.name);
  let listening: Listening;
  try {
    listening = await listen();
  } catch (err) {
    opened.stop?.();
    await opened.close?.();
    throw err;
  }
  return {
    name: dialect.name,
    opened,
    route: listening.route,
    listeners: [listening.listener],
    ...(listening.stopAccepting && { stopAccepting: listening.stopAccepting }),
    ...(listening.connections && { connections: listening.connections }),
    close: async (cut) => {
      opened.stop?.();
      await listening.close(cut);
      await opened.close?.();
    },
    ...(opened.reopenLogs && { reopenLogs: opened.reopenLogs }),
  };
}
