/**
 * The user's side of the gowing client: typed lines in, chat lines out, and the prompt
 * `<name>> ` (seed 003: the name, `>`, one space). A variant of the shared Terminal
 * (../shared/terminal.ts) because the seed wants the prompt on pipes too and the prompt
 * changes (a name is asked for, then the chat prompt).
 *
 * On a terminal (stdin and stdout both TTYs) readline draws the prompt, and a line that
 * arrives while the user is typing is printed above it: the prompt line is cleared, the
 * line printed, and the prompt redrawn with the half-typed text kept.
 * With pipes the prompt is written as text too (the seed asks for it), and output reads
 * as a terminal would show it: a prompt that a line interrupts is ended by a newline,
 * the line printed, and the prompt written again.
 */
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import type { InputHandlers } from "../shared/terminal.js";

export type { InputHandlers };

export class Terminal {
  readonly interactive: boolean;
  private rl: Interface | undefined;
  private prompt = "";
  /** The prompt is shown and waits for a line. */
  private prompting = false;
  /** Pipes: the prompt was written and no newline has followed it yet. */
  private promptOnLine = false;
  private closing = false;

  constructor(
    private readonly input: NodeJS.ReadableStream & { isTTY?: boolean },
    private readonly output: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly error: NodeJS.WritableStream,
  ) {
    this.interactive = input.isTTY === true && output.isTTY === true;
  }

  start(handlers: InputHandlers): void {
    const rl = createInterface({
      input: this.input,
      output: this.interactive ? this.output : undefined,
      terminal: this.interactive,
      prompt: "", // nothing is drawn until showPrompt
      crlfDelay: Infinity,
    });
    this.rl = rl;
    rl.on("line", (line) => {
      this.prompting = false;
      if (this.promptOnLine) this.endPromptLine(); // as the terminal's echo of Enter would
      handlers.line(line);
    });
    rl.on("close", () => {
      this.rl = undefined;
      if (!this.closing) handlers.end();
    });
    if (this.interactive) rl.on("SIGINT", () => handlers.interrupt());
  }

  /** Show `prompt` and wait for a line. */
  showPrompt(prompt: string): void {
    if (this.closing) return;
    this.prompt = prompt;
    this.prompting = true;
    if (this.interactive) {
      this.rl?.setPrompt(prompt);
      this.rl?.prompt(true);
    } else if (!this.promptOnLine) {
      this.output.write(prompt);
      this.promptOnLine = true;
    }
  }

  /** One line to stdout (chat). */
  out(line: string): void {
    this.print(this.output, line);
  }

  /** One line to stderr (errors). */
  err(line: string): void {
    this.print(this.error, line);
  }

  pauseInput(): void {
    this.rl?.pause();
  }

  resumeInput(): void {
    this.rl?.resume();
  }

  /** Stop reading input for good; an open stdin pipe must not keep the process alive. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const rl = this.rl;
    this.rl = undefined;
    if (rl !== undefined) {
      if (this.interactive && this.prompting) {
        clearLine(this.output, 0);
        cursorTo(this.output, 0);
      }
      rl.close(); // also takes a TTY out of raw mode
    }
    if (this.promptOnLine) this.endPromptLine();
    this.prompting = false;
    const input = this.input as NodeJS.ReadableStream & { destroy?: () => void };
    input.destroy?.();
  }

  private print(stream: NodeJS.WritableStream, line: string): void {
    if (this.interactive) {
      if (!this.prompting || this.rl === undefined) return void stream.write(line + "\n");
      clearLine(this.output, 0);
      cursorTo(this.output, 0);
      stream.write(line + "\n");
      this.rl.prompt(true); // redraws the prompt and what was typed, cursor where it was
      // With TERM=dumb readline writes the prompt only: put the half-typed text back too.
      if (process.env["TERM"] === "dumb") this.output.write(this.rl.line);
      return;
    }
    if (this.promptOnLine) this.endPromptLine();
    stream.write(line + "\n");
    if (this.prompting && !this.closing) {
      this.output.write(this.prompt);
      this.promptOnLine = true;
    }
  }

  private endPromptLine(): void {
    this.output.write("\n");
    this.promptOnLine = false;
  }
}
