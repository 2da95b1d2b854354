/**
 * A server process for signal and log tests: runServer (the code behind every server
 * command) with settings no command line offers yet (the shutdown deadline, the
 * operational log's options, a reload hook). Spawn it with `spawnRunServer`.
 *
 * argv[2] is a JSON RunServerSpec. The reload hook, when `reload` is given, sets the ops
 * log's level to `reload.level` (if any), then returns `reload.changed`, or throws
 * `reload.fail`.
 */
import type { SwitchboardConfig } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import type { LogLevel, OpsLogConfig } from "../../src/log/ops-log.js";
import { runServer } from "../../src/cli/run-server.js";

export interface RunServerSpec {
  config: Omit<SwitchboardConfig, "limits"> & { limits?: Partial<Limits> };
  shutdownDeadlineMs?: number;
  log?: OpsLogConfig;
  reload?: { level?: LogLevel; changed?: string[]; fail?: string };
}

const spec = JSON.parse(process.argv[2] ?? "{}") as RunServerSpec;
const reload = spec.reload;
await runServer({ ...spec.config, limits: { ...DEFAULT_LIMITS, ...spec.config.limits } }, "ready", {
  shutdownDeadlineMs: spec.shutdownDeadlineMs,
  log: spec.log,
  reload:
    reload &&
    (({ log }) => {
      if (reload.fail !== undefined) throw new Error(reload.fail);
      const changed = [...(reload.changed ?? [])];
      if (reload.level !== undefined && reload.level !== log.logger.level) {
        changed.push(`log level: ${log.logger.level} -> ${reload.level}`);
        log.logger.level = reload.level;
      }
      return changed;
    }),
});
