import { join } from "node:path";
import { count, duration, size, text } from "../../config/kinds.js";
import { limitSetting, setting } from "../../config/settings.js";
import { UploadQuota } from "../../files/upload-quota.js";
import { openBcsChatLog } from "../../log/bcs-chat-log.js";
import type { StreamDialect } from "../../transport/session.js";
import { sharedCodec } from "../../transport/stream-codec.js";
import { streamDialect, type Endpoint } from "../dialect.js";
import { BcsCodec } from "./codec.js";
import type { BcsFrame } from "./frames.js";
import { DEFAULT_BCS_LIMITS } from "./limits.js";
import { BcsSession, type BcsContext } from "./session.js";

export type { BcsContext } from "./session.js";
export { DEFAULT_BCS_LIMITS, type BcsLimits } from "./limits.js";

/** The bcs dialect (seed 000) as the TCP transport plugs it in. */
export function bcsDialect(ctx: BcsContext): StreamDialect<BcsFrame> {
  return {
    name: "bcs",
    createCodec: sharedCodec(ctx.limits, (max) => new BcsCodec(max)),
    createSession: (conn) => new BcsSession(conn, ctx),
    sessionDeadlineMs: () => ctx.limits.ackTimeoutMs,
  };
}

export interface BcsConfig extends Endpoint {
  /** The chat log: a file, `-` for stdout, or `off`. */
  chatLog: string;
  /** Uploaded files; default `<dataDir>/files`. */
  filesDir?: string | undefined;
}

/** Where `serve` writes the bcs chat log by default, under the data directory. */
export const DEFAULT_BCS_CHAT_LOG = "logs/bcs.log";

const L = DEFAULT_BCS_LIMITS;

/** The bcs dialect as the registry lists it: it also keeps the uploaded files and the chat log. */
export const bcs = streamDialect({
  name: "bcs",
  transport: "stream",
  defaultPort: 9001,
  settings: {
    "files-dir": setting({ kind: text("<dir>"), default: undefined, defaultText: "<data-dir>/files", example: "/var/lib/switchboard/files", help: "where bcs uploads are stored", section: "data" }),
    // Files by default, not stdout (see gowing-log-dir).
    "bcs-log": setting({
      kind: text("<file|-|off>"),
      default: undefined,
      defaultText: `<data-dir>/${DEFAULT_BCS_CHAT_LOG}`,
      example: "/var/log/switchboard/bcs.log",
      help: "the bcs chat log: a file (reopened on SIGHUP), - for stdout, off for none",
      section: "logs",
    }),
    "ack-timeout": limitSetting("ackTimeoutMs", { kind: duration, default: L.ackTimeoutMs, help: "close a bcs client whose deliver stays unacknowledged this long" }),
    "max-file-size": limitSetting("maxFileBytes", { kind: size({ max: 0xffffffff }), default: L.maxFileBytes, help: "largest bcs upload (a bcs file length is 32 bits)" }),
    "upload-bytes-per-hour": limitSetting("uploadBytesPerHour", { kind: size({ zeroMeansNone: true }), default: L.uploadBytesPerHour, help: "bytes one bcs user may upload per hour; 0: no limit" }),
    "uploads-per-minute": limitSetting("uploadsPerMinute", { kind: count(), default: L.uploadsPerMinute, help: "uploads one bcs user may start per minute; 0: no limit" }),
  },
  limits: DEFAULT_BCS_LIMITS,
  configOf: (s) => ({ chatLog: s["bcs-log"] ?? join(s["data-dir"], DEFAULT_BCS_CHAT_LOG), filesDir: s["files-dir"] }),
  async open(services, config: BcsConfig) {
    const limits = services.limits;
    const uploads = new UploadQuota(limits);
    // Which FileStore keeps the files is the process's choice (a directory here, an object
    // store in a cluster): the session only sees the port.
    const files = await services.openFileStore(config.filesDir ?? join(services.dataDir, "files"), limits, uploads);
    // Written from the hub's events (src/log/chat-logs.ts), not by the sessions.
    const chatLog =
      config.chatLog === "off"
        ? undefined
        : services.chatLogs.add(
            openBcsChatLog(config.chatLog, {
              dialect: "bcs",
              logClientIps: services.logClientIps,
              onError: (err, file) => services.log.error({ err, file }, "writing the bcs chat log failed"),
            }),
          );
    return {
      plug: bcsDialect({ hub: services.hub, files, log: services.log, limits }),
      // After the listener closed: every session has reported its end.
      close: async () => chatLog?.close(),
      reopenLogs: () => chatLog?.reopen() ?? Promise.resolve([]),
      setLimits: (next) => uploads.retune(next),
      sweep: (now) => uploads.sweep(now),
      tables: () => ({ "uploads.users": uploads.users }),
    };
  },
});
