/** Start servers for tests: in-process (fast, inspectable) or as a real process. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startSwitchboard, type RunningSwitchboard, type SwitchboardConfig } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { silentLog } from "../../src/log/ops-log.js";

export const REPO_ROOT = new URL("../../../", import.meta.url).pathname;
export const CLI = (name: "switchboard" | "bcs-server" | "bcs-client") => join(REPO_ROOT, "dist/src/cli", `${name}.js`);

export function tempDir(prefix = "sb-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServer {
  readonly running: RunningSwitchboard;
  readonly bcsPort: number;
  readonly filesDir: string;
  close(): Promise<void>;
}

export interface TestHub {
  readonly running: RunningSwitchboard;
  /** Listener name -> port. */
  readonly ports: Record<string, number>;
  close(): Promise<void>;
}

/** Every given dialect in this process on free loopback ports, on one hub. */
export async function startHub(
  parts: Omit<SwitchboardConfig, "limits" | "dataDir">,
  limits: Partial<Limits> = {},
): Promise<TestHub> {
  const running = await startSwitchboard({ limits: { ...DEFAULT_LIMITS, ...limits }, dataDir: tempDir(), ...parts }, silentLog);
  const ports: Record<string, number> = {};
  for (const l of running.listeners) ports[l.name] = l.port;
  return { running, ports, close: () => running.close() };
}

/** A test body with a server of its own (from `start`), closed afterwards whatever happens. */
export function withOwnServer<S extends { close(): Promise<void> }>(start: () => Promise<S>, test: (server: S) => Promise<void>): () => Promise<void> {
  return async () => {
    const server = await start();
    try {
      await test(server);
    } finally {
      await server.close();
    }
  };
}

/** The endpoint of an in-process listener: loopback, a free port. */
export const ANY_PORT = { host: "127.0.0.1", port: 0 } as const;

/** A bcs server in this process on a free loopback port. */
export async function startBcs(limits: Partial<Limits> = {}, chatLog = "off"): Promise<TestServer> {
  const dataDir = tempDir();
  const filesDir = join(dataDir, "files");
  const running = await startSwitchboard(
    {
      limits: { ...DEFAULT_LIMITS, ...limits },
      dataDir,
      bcs: { host: "127.0.0.1", port: 0, chatLog, filesDir },
    },
    silentLog,
  );
  const bcsPort = running.listeners.find((l) => l.name === "bcs")!.port;
  return { running, bcsPort, filesDir, close: () => running.close() };
}

export interface SpawnedServer {
  readonly child: ChildProcess;
  /** Listener name -> port, from the `listening <name> <transport> <addr>:<port>` lines. */
  readonly ports: Record<string, number>;
  readonly stdoutLines: string[];
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

/** Run a server entry point as its own process and wait for its `ready` line. */
export function spawnServer(
  script: string,
  args: string[],
  cwd = REPO_ROOT,
  readyTimeoutMs = 10_000,
  readyLine = "ready",
  env: NodeJS.ProcessEnv = process.env,
): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const ports: Record<string, number> = {};
  const stdoutLines: string[] = [];
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server not ready within ${readyTimeoutMs} ms; stderr: ${err}`));
    }, readyTimeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before ready; stderr: ${err}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      stdoutLines.push(line);
      const m = /^listening (\S+) (tcp|udp) (\S+):(\d+)$/.exec(line);
      if (m) ports[m[1]!] = Number(m[4]);
      if (line === readyLine) {
        clearTimeout(timer);
        resolve({
          child,
          ports,
          stdoutLines,
          stderr: () => err,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
  });
}

/** Every listener `switchboard serve` has, in the order it starts them. */
export const SERVE_LISTENERS = ["lab", "gowing", "bcs", "cs262", "udp", "web", "http"] as const;

/**
 * Arguments for `switchboard serve` with only the given listeners on (each on the given
 * port, "0" for a free one) and every other one off, so a test is not disturbed by
 * listeners it does not test (nor by their default ports being taken).
 */
export function serveOnly(ports: Partial<Record<(typeof SERVE_LISTENERS)[number], string>>): string[] {
  return ["serve", ...SERVE_LISTENERS.flatMap((name) => [`--${name}-port`, ports[name] ?? "off"])];
}
