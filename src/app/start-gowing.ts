import { openGowingLogs } from "../log/gowing-logs.js";
import { gowingDialect } from "../protocols/gowing/index.js";
import { eventLine } from "../protocols/gowing/render.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenWithChatLog } from "./listen-with-chat-log.js";

export interface GowingConfig extends Endpoint {
  /**
   * Where connections.log and chat.log are written: a directory (created if needed),
   * `-` or absent for stdout, `off` for no logs.
   */
  logDir?: string | undefined;
}

export async function startGowing(ctx: AppContext, config: GowingConfig): Promise<Started> {
  const dialect = gowingDialect({ hub: ctx.hub, log: ctx.log, limits: ctx.hub.limits, logins: ctx.logins });
  const logs = openGowingLogs(config.logDir, {
    dialect: dialect.name,
    // chat.log holds the lines a gowing client sees: the dialect's own rendering of the hub's events.
    chatLine: eventLine,
    logClientIps: ctx.logClientIps,
    // A full disk must not take the chat down: report it and go on.
    onError: (err, file) => ctx.log.error({ err, file }, "writing a gowing log failed"),
  });
  return listenWithChatLog(ctx, dialect, config, logs);
}
