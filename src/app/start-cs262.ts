import { cs262Dialect } from "../protocols/cs262/index.js";
import type { Store } from "../store/store.js";
import { TcpListener } from "../transport/tcp-listener.js";
import type { AppContext, Endpoint, Started } from "./context.js";

/** The cs262 listener (seed 002). Its accounts and queues live in the process's Store. */
export type Cs262Config = Endpoint;

export async function startCs262(ctx: AppContext, config: Cs262Config, store: Store): Promise<Started> {
  const tcp = new TcpListener({
    dialect: cs262Dialect({ hub: ctx.hub, store, log: ctx.log, limits: ctx.hub.limits, logins: ctx.logins }),
    host: config.host,
    port: config.port,
    limits: ctx.hub.limits,
    log: ctx.log,
    perAddress: ctx.connections,
  });
  const a = await tcp.listen();
  return {
    listeners: [{ name: "cs262", transport: "tcp", address: a.address, port: a.port }],
    close: () => tcp.close(),
  };
}
