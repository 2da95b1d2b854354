import { openGowingLogs } from "../log/gowing-logs.js";
import { gowingDialect } from "../protocols/gowing/index.js";
import { eventLine } from "../protocols/gowing/render.js";
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
  const dialect = gowingDialect({ hub: ctx.hub, log: ctx.log, limits: ctx.hub.limits, logins: ctx.logins });
  // chat.log holds the lines a gowing client sees: the dialect's own rendering of the hub's events.
  const logs = openGowingLogs(config.logDir, {
    dialect: dialect.name,
    chatLine: eventLine,
    logClientIps: ctx.logClientIps,
    // A full disk must not take the chat down: report it and go on.
    onError: (err, file) => ctx.log.error({ err, file }, "writing a gowing log failed"),
  });
  let tcp;
  try {
    tcp = await listenTcp(ctx, dialect, config);
  } catch (err) {
    await logs?.close();
    throw err;
  }
  const open = logs && ctx.chatLogs.add(logs); // from here on: what happened before listening is not gowing's
  return {
    listeners: [tcp.listener],
    stopAccepting: tcp.stopAccepting,
    connections: tcp.connections,
    close: async (cut) => {
      await tcp.close(cut); // every session reports its end before this resolves
      await open?.close();
    },
    reopenLogs: () => open?.reopen() ?? Promise.resolve([]),
  };
}
