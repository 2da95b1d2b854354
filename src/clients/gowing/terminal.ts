/**
 * The user's side of the gowing client: typed lines in, chat lines out, and the prompt
 * `<name>> ` (seed 003: the name, `>`, one space). A variant of the shared Terminal
 * (../shared/terminal.ts) because the seed wants the prompt on pipes too and the prompt
 * changes (a name is asked for, then the chat prompt).
 *
 * Terminal and pipe alike, the output is plain text: lines and the prompt, never cursor
 * movement or erase sequences, so that a harness matching received lines (issue 20)
 * reads exactly the lines. A prompt that a received line interrupts is ended by a
 * newline first, and written again only after the received line's own newline, once
 * no further line has come for PROMPT_SETTLE_MS: a burst of lines arrives as just those
 * lines, with one prompt after the last.
 *
 * On a terminal the line discipline (cooked mode) echoes and edits what is typed, not
 * readline: a line arriving mid-typing leaves the typed part above it on screen, and
 * Enter still sends the whole line (Ctrl+R reprints it on Linux). Ctrl+C arrives as
 * SIGINT, Ctrl+D at the start of a line as the end of input.
 */
import { createInterface } from "node:readline";
import { LineInput, type InputHandlers } from "../shared/line-input.js";

export type { InputHandlers };

/** Quiet time after a received line before the prompt is written again. */
const PROMPT_SETTLE_MS = 50;

export class Terminal extends LineInput {
  readonly interactive: boolean;
  private prompt = "";
  /** The prompt is shown and waits for a line. */
  private prompting = false;
  /** The prompt was written and no newline has followed it yet. */
  private promptOnLine = false;
  /** The prompt is due again once received lines settle. */
  private promptTimer: NodeJS.Timeout | undefined;

  constructor(
    input: NodeJS.ReadableStream & { isTTY?: boolean },
    private readonly output: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly error: NodeJS.WritableStream,
  ) {
    super(input);
    this.interactive = input.isTTY === true && output.isTTY === true;
  }

  start(handlers: InputHandlers): void {
    // terminal: false even on a TTY: no raw mode, no redraws (see the top of this file).
    const rl = createInterface({ input: this.input, terminal: false, crlfDelay: Infinity });
    this.readWith(rl, handlers);
    rl.on("line", (line) => {
      this.prompting = false;
      // On a terminal the echo of Enter ended the prompt's line; on a pipe, as if it had.
      if (this.promptOnLine) {
        if (this.interactive) this.promptOnLine = false;
        else this.endPromptLine();
      }
      handlers.line(line);
    });
    if (this.interactive) this.interruptOnSigint(handlers);
  }

  /** Show `prompt` and wait for a line. */
  showPrompt(prompt: string): void {
    if (this.closing) return;
    this.prompt = prompt;
    this.prompting = true;
    this.writePrompt();
  }

  /** One line to stdout (chat). */
  out(line: string): void {
    this.print(this.output, line);
  }

  /** One line to stderr (errors). */
  err(line: string): void {
    this.print(this.error, line);
  }

  protected leaving(): void {
    clearTimeout(this.promptTimer);
    if (this.promptOnLine) this.endPromptLine();
    this.prompting = false;
  }

  private print(stream: NodeJS.WritableStream, line: string): void {
    if (this.promptOnLine) this.endPromptLine();
    stream.write(line + "\n");
    if (!this.prompting || this.closing) return;
    clearTimeout(this.promptTimer);
    this.promptTimer = setTimeout(() => this.writePrompt(), PROMPT_SETTLE_MS);
    this.promptTimer.unref();
  }

  private writePrompt(): void {
    clearTimeout(this.promptTimer);
    if (this.promptOnLine || !this.prompting || this.closing) return;
    this.output.write(this.prompt);
    this.promptOnLine = true;
  }

  private endPromptLine(): void {
    this.output.write("\n");
    this.promptOnLine = false;
  }
}
