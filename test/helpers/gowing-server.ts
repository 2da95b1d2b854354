/** In-process servers for gowing tests: gowing alone, or with bcs on the same hub. */
import { join } from "node:path";
import { startSwitchboard, type RunningSwitchboard } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { silentLog } from "../../src/log/ops-log.js";
import { tempDir, withOwnServer } from "./server.js";

export interface GowingTestServer {
  readonly running: RunningSwitchboard;
  readonly gowingPort: number;
  /** Set when started `withBcs`. */
  readonly bcsPort: number;
  close(): Promise<void>;
}

export async function startGowing(
  options: { limits?: Partial<Limits>; withBcs?: boolean; logDir?: string } = {},
): Promise<GowingTestServer> {
  const dataDir = tempDir();
  const running = await startSwitchboard(
    {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      dataDir,
      gowing: { host: "127.0.0.1", port: 0, logDir: options.logDir ?? "off" },
      bcs: options.withBcs ? { host: "127.0.0.1", port: 0, chatLog: "off", filesDir: join(dataDir, "files") } : undefined,
    },
    silentLog,
  );
  const port = (name: string) => running.listeners.find((l) => l.name === name)?.port ?? 0;
  return { running, gowingPort: port("gowing"), bcsPort: port("bcs"), close: () => running.close() };
}

/** A test body with a server of its own, closed afterwards whatever happens. */
export function withGowing(
  options: Parameters<typeof startGowing>[0],
  test: (server: GowingTestServer) => Promise<void>,
): () => Promise<void> {
  return withOwnServer(() => startGowing(options), test);
}
