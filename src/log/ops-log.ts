/** The operational log: structured (pino), on stderr, errors and lifecycle only. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createOpsLog(level = process.env["SWITCHBOARD_LOG_LEVEL"] ?? "info"): Logger {
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: false }));
}

export const silentLog: Logger = pino({ level: "silent" });
