import { join } from "node:path";
import { FileStore } from "../files/file-store.js";
import { UploadQuota } from "../files/upload-quota.js";
import { NO_CHAT_LOG, openChatLog } from "../log/chat-log.js";
import { bcsDialect } from "../protocols/bcs/index.js";
import { TcpListener } from "../transport/tcp-listener.js";
import type { AppContext, Endpoint, Started } from "./context.js";

export interface BcsConfig extends Endpoint {
  /** The chat log: a file, `-` for stdout, or `off`. */
  chatLog: string;
  /** Uploaded files; default `<dataDir>/files`. */
  filesDir?: string | undefined;
}

export async function startBcs(ctx: AppContext, config: BcsConfig): Promise<Started> {
  const files = new FileStore(config.filesDir ?? join(ctx.dataDir, "files"));
  await files.init();
  const chatLog = config.chatLog === "off" ? NO_CHAT_LOG : openChatLog(config.chatLog);
  const tcp = new TcpListener({
    dialect: bcsDialect({ hub: ctx.hub, files, chatLog, log: ctx.log, limits: ctx.hub.limits, logins: ctx.logins, uploads: new UploadQuota(ctx.hub.limits) }),
    host: config.host,
    port: config.port,
    limits: ctx.hub.limits,
    log: ctx.log,
    perAddress: ctx.connections,
  });
  const a = await tcp.listen();
  return {
    listeners: [{ name: "bcs", transport: "tcp", address: a.address, port: a.port }],
    close: async () => {
      await tcp.close();
      await chatLog.flush();
    },
  };
}
