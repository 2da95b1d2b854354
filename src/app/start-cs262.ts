import { cs262Dialect } from "../protocols/cs262/index.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenTcp } from "./listen-tcp.js";

/** The cs262 listener (seed 002). Its accounts and queues are the hub's (over the process's Store). */
export type Cs262Config = Endpoint;

export async function startCs262(ctx: AppContext, config: Cs262Config): Promise<Started> {
  const tcp = await listenTcp(ctx, cs262Dialect({ hub: ctx.hub, log: ctx.log, limits: ctx.hub.limits }), config);
  return { listeners: [tcp.listener], stopAccepting: tcp.stopAccepting, connections: tcp.connections, close: tcp.close };
}
