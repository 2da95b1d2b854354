import { join } from "node:path";
import { FileStore } from "../files/file-store.js";
import { NO_CHAT_LOG, openChatLog } from "../log/chat-log.js";
import { bcsDialect } from "../protocols/bcs/index.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenTcp } from "./listen-tcp.js";

export interface BcsConfig extends Endpoint {
  /** The chat log: a file, `-` for stdout, or `off`. */
  chatLog: string;
  /** Uploaded files; default `<dataDir>/files`. */
  filesDir?: string | undefined;
}

export async function startBcs(ctx: AppContext, config: BcsConfig): Promise<Started> {
  const files = new FileStore(config.filesDir ?? join(ctx.dataDir, "files"));
  await files.init();
  const chatLog =
    config.chatLog === "off"
      ? NO_CHAT_LOG
      : openChatLog(config.chatLog, {
          logClientIps: ctx.logClientIps,
          onError: (err, file) => ctx.log.error({ err, file }, "writing the bcs chat log failed"),
        });
  const dialect = bcsDialect({ hub: ctx.hub, files, chatLog, log: ctx.log, limits: ctx.hub.limits, uploads: ctx.uploads });
  const tcp = await listenTcp(ctx, dialect, config);
  return {
    listeners: [tcp.listener],
    stopAccepting: tcp.stopAccepting,
    connections: tcp.connections,
    close: async (cut) => {
      await tcp.close(cut);
      await chatLog.flush();
    },
    reopenLogs: () => chatLog.reopen(),
  };
}
