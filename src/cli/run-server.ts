/** Starts a configured Switchboard, prints its listeners, and stops it on a signal. */
import { startSwitchboard, type SwitchboardConfig } from "../app/switchboard.js";
import { createOpsLog } from "../log/ops-log.js";

/** How long a stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 5000;

/** @param readyLine printed once every listener accepts connections. */
export async function runServer(config: SwitchboardConfig, readyLine = "ready"): Promise<void> {
  const log = createOpsLog();
  let running;
  try {
    running = await startSwitchboard(config, log);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`switchboard: cannot start: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  for (const l of running.listeners) {
    const host = l.address.includes(":") ? `[${l.address}]` : l.address;
    process.stdout.write(`listening ${l.name} ${l.transport} ${host}:${l.port}\n`);
  }
  process.stdout.write(readyLine + "\n");
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    running.close().then(
      () => {
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
