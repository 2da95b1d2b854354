/** For tests of signals and logs against real server processes. */
import { join } from "node:path";
import type { RunServerSpec } from "./run-server-process.js";
import { REPO_ROOT, spawnServer, type SpawnedServer } from "./server.js";

export type { RunServerSpec };

/** A process running runServer with `spec` (see run-server-process.ts), once it is ready. */
export function spawnRunServer(spec: RunServerSpec): Promise<SpawnedServer> {
  return spawnServer(join(REPO_ROOT, "dist/test/helpers/run-server-process.js"), [JSON.stringify(spec)]);
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from the signal to the exit. */
  readonly ms: number;
}

/** Send `signal` and wait for the exit (rejects after `ms`, killing the process). */
export function signalAndWait(server: SpawnedServer, signal: NodeJS.Signals, ms = 20_000): Promise<Exit> {
  const child = server.child;
  const sent = Date.now();
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return reject(new Error("the server had already exited"));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no exit within ${ms} ms of ${signal}; stderr: ${server.stderr()}`));
    }, ms);
    child.once("exit", (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, ms: Date.now() - sent });
    });
    child.kill(signal);
  });
}

/** Wait until the server's stderr matches `pattern`; returns the first matching line. */
export async function stderrLine(server: SpawnedServer, pattern: RegExp, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const line = server.stderr().split("\n").find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > until) throw new Error(`no stderr line matching ${pattern} within ${ms} ms; stderr: ${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every stderr line, parsed as JSON (fails on a line that is not). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
}

/** Poll `read` until `check` holds for its result (rejects after `ms`, saying `what` when given). */
export async function eventually<T>(read: () => T, check: (value: T) => boolean, ms = 5000, what?: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (check(value)) return value;
    if (Date.now() > until) throw new Error(`${what ?? "condition"} not met within ${ms} ms; last value: ${String(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `attempt` again every 50 ms until it resolves true (rejections count as not yet), for up to `ms`. */
export async function untilTrue(attempt: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  let last: unknown = false;
  while (Date.now() < until) {
    try {
      last = await attempt();
      if (last === true) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not true within ${ms} ms; last: ${String(last)}`);
}

/** `attempt` again every 200 ms until it resolves (a NATS leader being elected meanwhile), for up to `ms`; then its last rejection. */
export async function retry<T>(attempt: () => Promise<T> | T, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
