/**
 * The client under test, as a process: on pipes (as a grader that feeds stdin drives
 * it) or on a pseudo-terminal (as a person or pexpect does; util-linux script(1) gives
 * it one). Its output is kept whole; cases wait for text in it with a limit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fail } from "../verdict.js";
import { DEFAULT_WAIT_MS, sleep } from "../probe/stream-probe.js";

export class ClientProcess {
  /** stdout and stderr as received, in order (on a terminal they are one stream anyway). */
  output = "";
  private readonly typed: string[] = [];
  private exitCode: number | null | undefined;
  /** How long a wait lasts when a call gives no limit (the run's --time-scale applied). */
  waitMs = DEFAULT_WAIT_MS;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly argv: readonly string[],
    readonly tty: boolean,
  ) {
    const keep = (d: Buffer) => (this.output += d.toString("utf8"));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.stdin?.on("error", () => undefined);
    this.exited = new Promise((resolve) =>
      // "close", not "exit": by then every byte the client wrote has been read.
      child.on("close", (code, signal) => {
        this.exitCode = code ?? (signal ? null : code);
        resolve(this.exitCode);
      }),
    );
    child.on("error", (err) => (this.output += `\n[could not start: ${err.message}]\n`));
  }

  static start(argv: readonly string[], tty: boolean, env: NodeJS.ProcessEnv = process.env): ClientProcess {
    if (argv.length === 0) throw new Error("no client command given");
    const child = tty
      ? spawn("script", ["-qfec", `exec ${argv.map(shellQuote).join(" ")}`, "/dev/null"], { env: { TERM: "xterm", ...env }, stdio: "pipe" })
      : spawn(argv[0]!, argv.slice(1), { env, stdio: "pipe" });
    return new ClientProcess(child, argv, tty);
  }

  /** Input as a person types it: a line ends with "\r" on a terminal and "\n" on a pipe. */
  typeLine(text: string): void {
    this.type(text + (this.tty ? "\r" : "\n"));
  }

  type(keys: string): void {
    this.typed.push(keys);
    this.child.stdin?.write(keys);
  }

  /** End of input (a pipe's EOF; Ctrl+D on a terminal). */
  endInput(): void {
    if (this.tty) this.type("\x04");
    else this.child.stdin?.end();
  }

  /** Where the output is now, for waitOutput's `from`. */
  mark(): number {
    return this.output.length;
  }

  /** The output since `from` with terminal line ends made plain. */
  since(from = 0): string {
    return this.output.slice(from).replaceAll("\r\n", "\n");
  }

  /** Wait until the output since `from` contains `want` (or matches it). */
  async waitOutput(want: string | RegExp, from = 0, ms = this.waitMs): Promise<string> {
    const expected = typeof want === "string" ? `output containing ${JSON.stringify(want)}` : `output matching ${want}`;
    const deadline = Date.now() + ms;
    for (;;) {
      const seen = this.since(from);
      if (typeof want === "string" ? seen.includes(want) : want.test(seen)) return seen;
      if (Date.now() > deadline || this.exitCode !== undefined) {
        const state = this.exitCode !== undefined ? `; the client exited (${this.exitCode})` : "";
        return fail({ sent: this.shownTyped(), expected, got: JSON.stringify(seen) + state });
      }
      await sleep(20);
    }
  }

  /** Wait until the output since `from` holds `line` as a whole line (on a terminal, typed input is echoed on lines of its own). */
  waitLine(line: string, from = 0, ms?: number): Promise<string> {
    return this.waitOutput(new RegExp(`(^|\\n)${escapeRegExp(line)}\\n`), from, ms);
  }

  /** The exit status once it exits within `ms`. */
  async exit(expected: string, ms = this.waitMs): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([this.exited, new Promise<"running">((r) => (timer = setTimeout(() => r("running"), ms)))]);
    clearTimeout(timer);
    if (code === "running") return fail({ sent: this.shownTyped(), expected, got: `still running after ${ms} ms; output ${JSON.stringify(this.since())}` });
    return code;
  }

  /**
   * The client exits within `ms`, with status `code` when one is given. `sent` is what
   * a failure report shows as sent (default: what was typed).
   */
  async expectExit(what: string, code?: number, options: { ms?: number; sent?: string } = {}): Promise<void> {
    const expected = code === undefined ? `the client to exit (${what})` : `the client to exit with status ${code} (${what})`;
    const got = await this.exit(expected, options.ms);
    if (code !== undefined && got !== code) fail({ sent: options.sent ?? this.shownTyped(), expected, got: `exit status ${got}; output ${JSON.stringify(this.since())}` });
  }

  shownTyped(): string {
    return this.typed.length === 0 ? "(no input)" : JSON.stringify(this.typed.join(""));
  }

  kill(): void {
    if (this.exitCode === undefined) this.child.kill("SIGKILL");
  }
}

/** `text` as a RegExp that matches exactly it. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function shellQuote(arg: string): string {
  return /^[\w./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
