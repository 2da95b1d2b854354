/**
 * Drive a command-line client as a subprocess: type lines, wait for what it prints (as
 * lines, or as raw text for prompts that end without a newline), wait for its exit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export type Stream = "out" | "err";

/** Every client started and not yet exited, for `killAll`. */
const running = new Set<ChildProcess>();

export class Interactive {
  readonly child: ChildProcess;
  /** stdout, line by line. */
  readonly out: string[] = [];
  /** stderr, line by line. */
  readonly err: string[] = [];
  /** stdout and stderr as raw text. */
  readonly text: Record<Stream, string> = { out: "", err: "" };
  /** The exit code, once the process has exited and all its output has been read. */
  readonly exited: Promise<number | null>;
  private read = 0;
  private ended = false;
  private waiters: (() => void)[] = [];

  /** For afterEach: kill whatever a failed test left running. */
  static killAll(): void {
    for (const child of running) child.kill("SIGKILL");
    running.clear();
  }

  constructor(script: string, args: string[], options: { cwd?: string } = {}) {
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    running.add(child);
    child.stdin!.on("error", () => undefined); // writing after it exited is not the test's failure
    for (const stream of ["out", "err"] as const) {
      const input = stream === "out" ? child.stdout! : child.stderr!;
      input.setEncoding("utf8");
      createInterface({ input }).on("line", (line) => {
        this[stream].push(line);
        this.wake();
      });
      input.on("data", (d: string) => {
        this.text[stream] += d;
        this.wake();
      });
    }
    this.exited = new Promise((resolve) =>
      child.on("close", (code) => {
        running.delete(child);
        this.ended = true;
        this.wake();
        resolve(code);
      }),
    );
  }

  /** stdout, line by line. */
  get lines(): string[] {
    return this.out;
  }

  /** Type each line, newline included. */
  type(...lines: string[]): void {
    for (const line of lines) this.child.stdin!.write(line + "\n");
  }

  endInput(): void {
    this.child.stdin!.end();
  }

  /** Wait for the next printed line matching `want` (skipping others); returns it. */
  expect(want: string | RegExp, ms = 5000): Promise<string> {
    return this.until(
      () => {
        while (this.read < this.out.length) {
          const line = this.out[this.read++]!;
          if (matches(want, line)) return line;
        }
        return undefined;
      },
      ms,
      `line ${String(want)} after what was read`,
    );
  }

  /** The lines printed since the last expect() match. */
  unread(): string[] {
    return this.out.slice(this.read);
  }

  /** The first line ever printed on `stream` that matches (equals a string); fails after `ms`. */
  waitFor(match: string | RegExp, ms = 8000, stream: Stream = "out"): Promise<string> {
    return this.until(() => this[stream].find((l) => matches(match, l)), ms, `${stream} line ${String(match)}`);
  }

  /** Resolves once the raw text of `stream` contains `match` (or matches it); fails after `ms`. */
  async waitForText(match: string | RegExp, ms = 8000, stream: Stream = "out"): Promise<void> {
    const found = (): boolean => (typeof match === "string" ? this.text[stream].includes(match) : match.test(this.text[stream]));
    await this.until(() => found() || undefined, ms, `${stream} ${String(match)}`);
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

  /** Everything printed so far, for failure messages. */
  dump(): string {
    return `stdout:\n${this.text.out}\nstderr:\n${this.text.err}`;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  /**
   * What `found` returns once it is not undefined, tried again whenever output arrives.
   * Fails after `ms`, or as soon as the output has ended without it (nothing can change).
   */
  private async until<R>(found: () => R | undefined, ms: number, what: string): Promise<R> {
    const deadline = Date.now() + ms;
    for (;;) {
      const result = found();
      if (result !== undefined) return result;
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) throw new Error(`no ${what} within ${ms} ms\n${this.dump()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const matches = (want: string | RegExp, line: string): boolean => (typeof want === "string" ? line === want : want.test(line));
