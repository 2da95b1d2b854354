import { join } from "node:path";
import { LocalFileStore } from "../files/local-file-store.js";
import { openBcsChatLog } from "../log/bcs-chat-log.js";
import { bcsDialect } from "../protocols/bcs/index.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenWithChatLog } from "./listen-with-chat-log.js";

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
  const chatLog =
    config.chatLog === "off"
      ? undefined
      : openBcsChatLog(config.chatLog, {
          dialect: dialect.name,
          logClientIps: ctx.logClientIps,
          onError: (err, file) => ctx.log.error({ err, file }, "writing the bcs chat log failed"),
        });
  return listenWithChatLog(ctx, dialect, config, chatLog);
}
