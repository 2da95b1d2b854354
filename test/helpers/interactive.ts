/** Drive a command-line client as a subprocess: type lines, wait for printed lines. */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export class Interactive {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private read = 0;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(script: string, args: string[]) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      this.lines.push(line);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on("data", () => undefined);
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => {
      for (const w of this.waiters.splice(0)) w();
      resolve(code);
    }));
  }

  type(line: string): void {
    this.child.stdin!.write(line + "\n");
  }

  endInput(): void {
    this.child.stdin!.end();
  }

  /** Wait for the next printed line matching `want` (skipping others); returns it. */
  async expect(want: string | RegExp, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.read < this.lines.length) {
        const line = this.lines[this.read++]!;
        if (typeof want === "string" ? line === want : want.test(line)) return line;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(`no line ${String(want)}; printed so far:\n${this.lines.join("\n")}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The lines printed since the last expect() match. */
  unread(): string[] {
    return this.lines.slice(this.read);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
