import { join } from "node:path";
import { LocalFileStore } from "../files/local-file-store.js";
import { openBcsChatLog } from "../log/bcs-chat-log.js";
import type { OpenChatLog } from "../log/chat-logs.js";
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
  const files = new LocalFileStore(config.filesDir ?? join(ctx.dataDir, "files"), ctx.hub.limits, ctx.uploads);
  await files.init();
  const dialect = bcsDialect({ hub: ctx.hub, files, log: ctx.log, limits: ctx.hub.limits, logins: ctx.logins });
  const chatLog: OpenChatLog | undefined =
    config.chatLog === "off"
      ? undefined
      : ctx.chatLogs.add(
          openBcsChatLog(config.chatLog, {
            dialect: dialect.name,
            logClientIps: ctx.logClientIps,
            onError: (err, file) => ctx.log.error({ err, file }, "writing the bcs chat log failed"),
          }),
        );
  let tcp;
  try {
    tcp = await listenTcp(ctx, dialect, config);
  } catch (err) {
    await chatLog?.close();
    throw err;
  }
  return {
    listeners: [tcp.listener],
    stopAccepting: tcp.stopAccepting,
    connections: tcp.connections,
    close: async (cut) => {
      await tcp.close(cut); // every session reports its end before this resolves
      await chatLog?.close();
    },
    reopenLogs: () => chatLog?.reopen() ?? Promise.resolve([]),
  };
}
