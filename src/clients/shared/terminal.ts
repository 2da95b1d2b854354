/**
 * The user's side of the client: typed lines in, chat lines out.
 *
 * On a terminal (stdin and stdout both TTYs) there is a prompt (`> ` unless the
 * client's seed prescribes another, possibly empty one), and a line that
 * arrives while the user is typing is printed above the prompt: the prompt line is
 * cleared, the line printed, and the prompt redrawn with the half-typed text kept.
 * Otherwise (pipes, files) there is no prompt and nothing but the lines themselves.
 */
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";

export interface Printer {
  /** One line to stdout (chat). */
  out(line: string): void;
  /** One line to stderr (errors, notices). */
  err(line: string): void;
}

export interface InputHandlers {
  line(line: string): void;
  /** End of input: Ctrl+D on a terminal, EOF on a pipe. */
  end(): void;
  /** Ctrl+C on a terminal. */
  interrupt(): void;
}

export class Terminal implements Printer {
  readonly interactive: boolean;
  private rl: Interface | undefined;
  /** Set once we close readline ourselves, so that its `close` is not taken for EOF. */
  private closing = false;

  constructor(
    private readonly input: NodeJS.ReadableStream & { isTTY?: boolean },
    private readonly output: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly error: NodeJS.WritableStream,
    private readonly prompt = "> ",
  ) {
    this.interactive = input.isTTY === true && output.isTTY === true;
  }

  /** Begin reading lines (after registering, so nothing is typed into a refused session). */
  start(handlers: InputHandlers): void {
    const rl = createInterface({
      input: this.input,
      output: this.interactive ? this.output : undefined,
      terminal: this.interactive,
      prompt: this.prompt,
      crlfDelay: Infinity,
    });
    this.rl = rl;
    rl.on("line", (line) => {
      handlers.line(line);
      if (this.interactive && !this.closing) rl.prompt();
    });
    rl.on("close", () => {
      this.rl = undefined;
      if (!this.closing) handlers.end();
    });
    if (this.interactive) {
      rl.on("SIGINT", () => handlers.interrupt());
      rl.prompt();
    }
  }

  out(line: string): void {
    this.print(this.output, line);
  }

  err(line: string): void {
    this.print(this.error, line);
  }

  /** Flow control for piped input: stop reading while many lines wait to be sent. */
  pauseInput(): void {
    this.rl?.pause();
  }

  resumeInput(): void {
    this.rl?.resume();
  }

  /**
   * Stop reading input for good (after /quit, or when the session is over). The input is
   * destroyed, not just paused: an open stdin pipe would otherwise keep the process alive
   * after /quit until the writer closed it.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const rl = this.rl;
    this.rl = undefined;
    if (rl !== undefined) {
      if (this.interactive) {
        // Leave the terminal without a dangling prompt.
        clearLine(this.output, 0);
        cursorTo(this.output, 0);
      }
      rl.close(); // also takes a TTY out of raw mode
    }
    const input = this.input as NodeJS.ReadableStream & { destroy?: () => void };
    input.destroy?.();
  }

  private print(stream: NodeJS.WritableStream, line: string): void {
    const rl = this.rl;
    if (rl === undefined || !this.interactive) {
      stream.write(line + "\n");
      return;
    }
    clearLine(this.output, 0);
    cursorTo(this.output, 0);
    stream.write(line + "\n");
    rl.prompt(true); // redraws the prompt and what was typed, cursor where it was
    // With TERM=dumb readline writes the prompt only: put the half-typed text back too.
    if (process.env["TERM"] === "dumb") this.output.write(rl.line);
  }
}
