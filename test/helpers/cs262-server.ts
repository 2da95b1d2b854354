/** An in-process server with cs262 (and bcs beside it, for interop) on free loopback ports. */
import { startSwitchboard, type RunningSwitchboard } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { silentLog } from "../../src/log/ops-log.js";
import type { StoreKind } from "../../src/store/open-store.js";
import { tempDir } from "./server.js";

export interface Cs262TestServer {
  readonly running: RunningSwitchboard;
  readonly cs262Port: number;
  readonly bcsPort: number;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startCs262(options: { limits?: Partial<Limits>; store?: StoreKind; dataDir?: string } = {}): Promise<Cs262TestServer> {
  const dataDir = options.dataDir ?? tempDir("sb-cs262-");
  const running = await startSwitchboard(
    {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      dataDir,
      store: options.store ?? "sqlite",
      cs262: { host: "127.0.0.1", port: 0 },
      bcs: { host: "127.0.0.1", port: 0, chatLog: "off" },
    },
    silentLog,
  );
  const port = (name: string): number => running.listeners.find((l) => l.name === name)!.port;
  return { running, cs262Port: port("cs262"), bcsPort: port("bcs"), dataDir, close: () => running.close() };
}
