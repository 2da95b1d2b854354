import { logChatLines, openGowingLogs } from "../protocols/gowing/logs.js";
import { gowingDialect } from "../protocols/gowing/index.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenTcp } from "./listen-tcp.js";

export interface GowingConfig extends Endpoint {
  /**
   * Where connections.log and chat.log are written: a directory (created if needed),
   * `-` or absent for stdout, `off` for no logs.
   */
  logDir?: string | undefined;
}

export async function startGowing(ctx: AppContext, config: GowingConfig): Promise<Started> {
  const logs = openGowingLogs(config.logDir, ctx.log, { logClientIps: ctx.logClientIps });
  let tcp;
  try {
    tcp = await listenTcp(ctx, gowingDialect({ hub: ctx.hub, logs, log: ctx.log, limits: ctx.hub.limits }), config);
  } catch (err) {
    await logs.close();
    throw err;
  }
  const stopLogging = logChatLines(ctx.hub, logs);
  return {
    listeners: [tcp.listener],
    stopAccepting: tcp.stopAccepting,
    connections: tcp.connections,
    close: async (cut) => {
      await tcp.close(cut); // every session logs its end before this resolves
      stopLogging();
      await logs.close();
    },
    reopenLogs: () => logs.reopen(),
  };
}
