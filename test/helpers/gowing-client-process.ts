/**
 * The gowing client as a child process for tests: piped stdin, stdout and stderr kept
 * as raw text (prompts end without a newline), waited on by substring or pattern.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "./server.js";

const running = new Set<ChildProcess>();

/** For afterEach: kill what a failed test left running. */
export function killGowingClients(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export class GowingClientProcess {
  out = "";
  err = "";
  readonly exited: Promise<number | null>;
  private notify: (() => void)[] = [];

  private constructor(readonly child: ChildProcess) {
    running.add(child);
    child.stdin!.on("error", () => undefined); // writing after it exited is not the test's failure
    child.stdout!.setEncoding("utf8").on("data", (d: string) => this.got("out", d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => this.got("err", d));
    this.exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        running.delete(child);
        resolve(code);
        this.wake();
      }),
    );
  }

  /** `switchboard client gowing <host> <name> --port <port>` with extra args appended. */
  static start(port: number, name: string, ...extra: string[]): GowingClientProcess {
    const args = [CLI("switchboard"), "client", "gowing", "127.0.0.1", name, "--port", String(port), ...extra];
    return new GowingClientProcess(spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] }));
  }

  /** Resolves once stdout (or stderr) contains `match`; fails after `ms`. */
  async waitFor(match: string | RegExp, ms = 8000, stream: "out" | "err" = "out"): Promise<void> {
    const found = (): boolean => (typeof match === "string" ? this[stream].includes(match) : match.test(this[stream]));
    const deadline = Date.now() + ms;
    while (!found()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${stream} ${String(match)} within ${ms} ms\n${this.dump()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.notify.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  type(line: string): void {
    this.child.stdin!.write(line + "\n");
  }

  endInput(): void {
    this.child.stdin!.end();
  }

  /** The exit code; fails if the process is still running after `ms`. */
  async exit(ms = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`client still running after ${ms} ms\n${this.dump()}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  dump(): string {
    return `stdout:\n${JSON.stringify(this.out)}\nstderr:\n${JSON.stringify(this.err)}`;
  }

  private got(stream: "out" | "err", text: string): void {
    this[stream] += text;
    this.wake();
  }

  private wake(): void {
    for (const n of this.notify.splice(0)) n();
  }
}
