import { logChatLines, openGowingLogs } from "../protocols/gowing/logs.js";
import { gowingDialect } from "../protocols/gowing/index.js";
import { TcpListener } from "../transport/tcp-listener.js";
import type { AppContext, Endpoint, Started } from "./context.js";

export interface GowingConfig extends Endpoint {
  /**
   * Where connections.log and chat.log are written: a directory (created if needed),
   * `-` or absent for stdout, `off` for no logs.
   */
  logDir?: string | undefined;
}

export async function startGowing(ctx: AppContext, config: GowingConfig): Promise<Started> {
  const logs = openGowingLogs(config.logDir, ctx.log);
  const tcp = new TcpListener({
    dialect: gowingDialect({ hub: ctx.hub, logs, log: ctx.log, limits: ctx.hub.limits, logins: ctx.logins }),
    host: config.host,
    port: config.port,
    limits: ctx.hub.limits,
    log: ctx.log,
    perAddress: ctx.connections,
  });
  let a;
  try {
    a = await tcp.listen();
  } catch (err) {
    await logs.close();
    throw err;
  }
  const stopLogging = logChatLines(ctx.hub, logs);
  return {
    listeners: [{ name: "gowing", transport: "tcp", address: a.address, port: a.port }],
    close: async () => {
      await tcp.close(); // every session logs its end before this resolves
      stopLogging();
      await logs.close();
    },
  };
}
