import { startBots } from "../bots/bots.js";
import { labDialect } from "../protocols/lab/index.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenTcp } from "./listen-tcp.js";

export interface LabConfig extends Endpoint {
  /** Bots to log in (`echobot`, `delaybot`). */
  bots: readonly string[];
}

export async function startLab(ctx: AppContext, config: LabConfig): Promise<Started> {
  const bots = startBots(ctx.hub, config.bots, ctx.log);
  let tcp;
  try {
    tcp = await listenTcp(ctx, labDialect({ hub: ctx.hub }, ctx.hub.limits), config);
  } catch (err) {
    bots.stop();
    throw err;
  }
  return {
    listeners: [tcp.listener],
    stopAccepting: tcp.stopAccepting,
    connections: tcp.connections,
    close: async (cut) => {
      bots.stop();
      await tcp.close(cut);
    },
  };
}
