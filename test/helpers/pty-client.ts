/**
 * A client program on a pseudo-terminal (util-linux script(1)), read as raw bytes: what a
 * line-matching grader (pexpect and the like) would see, echo of typed keys included.
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawnOnTerminal } from "./terminal.js";
import { screenOf } from "./terminal-screen.js";

export class PtyClient {
  /** Everything the terminal showed so far, as written (CR LF line ends, escape codes). */
  raw = "";
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8").on("data", (d: string) => (this.raw += d));
    child.stdin.on("error", () => undefined);
    this.exited = new Promise((resolve) => child.on("exit", resolve));
  }

  static start(argv: readonly string[], options: { cwd?: string } = {}): PtyClient {
    return new PtyClient(spawnOnTerminal(argv, { cwd: options.cwd, env: { ...process.env, TERM: "xterm" } }));
  }

  /** Keys as typed: Enter is "\r", Ctrl+C "\x03", Ctrl+D "\x04". */
  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Resolves once the bytes shown since `from` contain `text`. */
  async waitText(text: string, from = 0, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.raw.includes(text, from)) {
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${JSON.stringify(text)}; it showed ${JSON.stringify(this.raw.slice(from))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * The bytes shown since `from`, once `last` is among them and a little time has passed
   * (so that a redraw written after it would be caught too).
   */
  async shownSince(from: number, last: string): Promise<string> {
    await this.waitText(last, from);
    await new Promise((r) => setTimeout(r, 150));
    return this.raw.slice(from);
  }

  /** The rows on screen now (escape codes replayed). */
  screen(): string[] {
    return screenOf(this.raw);
  }

  /** The first row on screen that `match` accepts, once there is one. */
  async waitRow(match: (row: string) => boolean, what: string, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const row = this.screen().find(match);
      if (row !== undefined) return row;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}:\n${this.screen().join("\n")}\n${JSON.stringify(this.raw)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async exit(ms = 10_000): Promise<number | null | string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((r) => (timer = setTimeout(() => r(`still running after ${ms} ms`), ms)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/** `lines` as a terminal shows them: each followed by CR LF, nothing else. */
export const onTerminal = (lines: readonly string[]): string => lines.map((l) => l + "\r\n").join("");
