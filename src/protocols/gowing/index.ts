import { join } from "node:path";
import { text } from "../../config/kinds.js";
import { setting } from "../../config/settings.js";
import type { StreamDialect } from "../../transport/session.js";
import { sharedCodec } from "../../transport/stream-codec.js";
import { streamDialect, type Endpoint } from "../dialect.js";
import { GowingCodec } from "./codec.js";
import type { GowingFrame } from "./frames.js";
import { openGowingLogs } from "../../log/gowing-logs.js";
import { eventLine } from "./render.js";
import { GowingSession, type GowingContext } from "./session.js";

export type { GowingContext } from "./session.js";

/** The gowing dialect (seed 003) as the TCP transport plugs it in. */
export function gowingDialect(ctx: GowingContext): StreamDialect<GowingFrame> {
  return { name: "gowing", createCodec: sharedCodec(ctx.limits, (max) => new GowingCodec(max)), createSession: (conn) => new GowingSession(conn, ctx) };
}

export interface GowingConfig extends Endpoint {
  /**
   * Where connections.log and chat.log are written: a directory (created if needed),
   * `-` or absent for stdout, `off` for no logs.
   */
  logDir?: string | undefined;
}

/** Where `serve` writes gowing's logs by default, under the data directory. */
export const DEFAULT_GOWING_LOG_DIR = "logs/gowing";

/** The gowing dialect as the registry lists it: it also writes connections.log and chat.log. */
export const gowing = streamDialect({
  name: "gowing",
  transport: "stream",
  defaultPort: 9000,
  settings: {
    // Files by default, not stdout: on a terminal, two chat logs would interleave with the
    // listening lines and the operational log (issue 15 point 7). The per-dialect `server`
    // commands keep the seeds' stdout default.
    "gowing-log-dir": setting({
      kind: text("<dir|-|off>"),
      default: undefined,
      defaultText: `<data-dir>/${DEFAULT_GOWING_LOG_DIR}`,
      example: "/var/log/switchboard/gowing",
      help: "gowing connections.log and chat.log: a directory (reopened on SIGHUP), - for stdout, off for none",
      section: "logs",
    }),
  },
  limits: {},
  configOf: (s) => ({ logDir: s["gowing-log-dir"] ?? join(s["data-dir"], DEFAULT_GOWING_LOG_DIR) }),
  async open(services, config: GowingConfig) {
    const logs = openGowingLogs(config.logDir, {
      dialect: "gowing",
      // chat.log holds the lines a gowing client sees: the dialect's own rendering of the hub's events.
      chatLine: eventLine,
      logClientIps: services.logClientIps,
      // A full disk must not take the chat down: report it and go on.
      onError: (err, file) => services.log.error({ err, file }, "writing a gowing log failed"),
    });
    // Written from the hub's events (src/log/chat-logs.ts), not by the sessions.
    const open = logs && services.chatLogs.add(logs);
    return {
      plug: gowingDialect({ hub: services.hub, log: services.log, limits: services.limits }),
      // After the listener closed: every session has logged its end.
      close: async () => open?.close(),
      reopenLogs: () => open?.reopen() ?? Promise.resolve([]),
    };
  },
});
