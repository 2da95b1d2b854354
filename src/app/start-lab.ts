import { startBots } from "../bots/bots.js";
import { labDialect } from "../protocols/lab/index.js";
import { TcpListener } from "../transport/tcp-listener.js";
import type { AppContext, Endpoint, Started } from "./context.js";

export interface LabConfig extends Endpoint {
  /** Bots to log in (`echobot`, `delaybot`). */
  bots: readonly string[];
}

export async function startLab(ctx: AppContext, config: LabConfig): Promise<Started> {
  const tcp = new TcpListener({
    dialect: labDialect({ hub: ctx.hub, logins: ctx.logins }, ctx.hub.limits.maxFrameBytes),
    host: config.host,
    port: config.port,
    limits: ctx.hub.limits,
    log: ctx.log,
    perAddress: ctx.connections,
  });
  const bots = startBots(ctx.hub, config.bots, ctx.log);
  let a;
  try {
    a = await tcp.listen();
  } catch (err) {
    bots.stop();
    throw err;
  }
  return {
    listeners: [{ name: "lab", transport: "tcp", address: a.address, port: a.port }],
    close: async () => {
      bots.stop();
      await tcp.close();
    },
  };
}
