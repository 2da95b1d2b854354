/**
 * The user's side of the client: typed lines in, chat lines out.
 *
 * Every printed line is written as plain text and a newline, and nothing else, unless
 * the user has half a line typed: a test harness that matches received lines (issue 20)
 * must never find prompts or cursor codes between them. So there is no prompt by
 * default. On a terminal (stdin and stdout both TTYs) readline edits the typed line; a
 * line that arrives while the user has typed part of one is printed above it (the typed
 * line is erased, the line printed, the typed text redrawn): only then are cursor and
 * erase codes written. In `plain` mode (the lab client, whose reference client is a
 * plain program) readline does not touch the terminal at all: the kernel echoes and
 * edits, Ctrl+C is SIGINT and Ctrl+D ends the input, and nothing but lines is ever
 * written (an arriving line lands after half-typed text, as in the reference client).
 * Pipes and files get nothing but the lines themselves.
 *
 * When the output is a terminal, a client may also show a status line (the bcs client's
 * file-transfer progress): one line kept below the printed lines and above the prompt,
 * redrawn in place. Lines printed meanwhile go above it, so it never garbles them; when
 * the status is cleared it is erased, or kept as an ordinary printed line.
 */
import { clearLine, clearScreenDown, createInterface, cursorTo, moveCursor, type Interface } from "node:readline";
import { LineInput, type InputHandlers } from "./line-input.js";

/**
 * The streams a client runs on: typed lines come in on `input`, printed lines go out on
 * `output`, errors and notices on `error` (process.stderr when not given).
 */
export interface ClientIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  error?: NodeJS.WritableStream;
}

/** A Terminal on a client's streams (see the constructor for `prompt` and `plain`). */
export function terminalOn(io: ClientIO, prompt = "", plain = false): Terminal {
  return new Terminal(io.input, io.output, io.error ?? process.stderr, prompt, plain);
}

/** The session's exit code once it is over, with the terminal closed first. */
export async function closedWhenDone(done: Promise<number>, terminal: Terminal): Promise<number> {
  const code = await done;
  terminal.close();
  return code;
}

export interface Printer {
  /** One line to stdout (chat). */
  out(line: string): void;
  /** One line to stderr (errors, notices). */
  err(line: string): void;
}

export type { InputHandlers };

/** A line redrawn in place below everything printed (see the top of this file). */
export interface StatusLine {
  /** The terminal's width: a longer status is cut to fit, since it must stay one row. */
  readonly columns: number;
  /** Show `text` as the status line, replacing what it showed. */
  setStatus(text: string): void;
  /** Take the status line away; `finalLine`, if given, is printed in its place as an ordinary line. */
  clearStatus(finalLine?: string): void;
}

export class Terminal extends LineInput implements Printer, StatusLine {
  readonly interactive: boolean;
  /**
   * The output is a terminal that understands cursor movement, so a status line can be
   * drawn (not with TERM=dumb, e.g. an editor's shell buffer, which would show the codes).
   */
  readonly showsStatus: boolean;
  /** The status line's text while it is on screen. */
  private status: string | undefined;
  /** The status line was drawn above the prompt (two rows to erase), not alone (one). */
  private statusAbovePrompt = false;

  constructor(
    input: NodeJS.ReadableStream & { isTTY?: boolean },
    private readonly output: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly error: NodeJS.WritableStream,
    private readonly prompt = "",
    /** Leave editing and echo to the terminal's own line discipline (see the top). */
    private readonly plain = false,
  ) {
    super(input);
    this.interactive = !plain && input.isTTY === true && output.isTTY === true;
    this.showsStatus = output.isTTY === true && process.env["TERM"] !== "dumb";
  }

  get columns(): number {
    // 0 on a pseudo-terminal that was never given a size.
    return (this.output as { columns?: number }).columns || 80;
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
    this.readWith(rl, handlers);
    rl.on("line", (line) => {
      if (this.status !== undefined && this.statusAbovePrompt) this.keepStatusBelow(line);
      handlers.line(line);
      if (this.interactive && !this.closing && this.prompt !== "") rl.prompt();
    });
    if (this.interactive) {
      rl.on("SIGINT", () => handlers.interrupt());
      if (this.prompt !== "") rl.prompt();
    } else if (this.plain && this.input.isTTY === true) {
      this.interruptOnSigint(handlers);
    }
  }

  out(line: string): void {
    this.print(this.output, line);
  }

  err(line: string): void {
    this.print(this.error, line);
  }

  setStatus(text: string): void {
    if (!this.showsStatus || this.closing) return;
    this.eraseBottom();
    this.status = this.fitted(text);
    this.drawBottom();
  }

  clearStatus(finalLine?: string): void {
    if (this.status === undefined) return;
    this.eraseBottom();
    this.status = undefined;
    if (finalLine !== undefined) this.output.write(this.fitted(finalLine) + "\n");
    this.drawBottom();
  }

  /**
   * Ask `question` on the terminal and read the answer without showing it (a password):
   * the prompt is drawn as usual, the typed characters are not. Undefined when not
   * interactive or when input ends first. Readline echoes through its `_writeToOutput`,
   * which is wrapped for the one answer: any redraw shows the question alone.
   */
  askHidden(question: string): Promise<string | undefined> {
    const rl = this.rl as (Interface & { _writeToOutput?: (text: string) => void }) | undefined;
    if (rl === undefined || !this.interactive || rl._writeToOutput === undefined) return Promise.resolve(undefined);
    const echo = rl._writeToOutput;
    return new Promise((resolve) => {
      let answered = false;
      rl._writeToOutput = (text: string) => {
        if (text.startsWith(question)) echo.call(rl, question);
      };
      rl.once("close", () => {
        if (!answered) resolve(undefined);
      });
      rl.question(question, (answer) => {
        answered = true;
        rl._writeToOutput = echo;
        // Not kept where the up arrow would show it again.
        const history = (rl as { history?: string[] }).history;
        if (history?.[0] === answer) history.shift();
        this.output.write("\n"); // the Enter that was not echoed
        // No prompt: readline's redraw of an empty one would put codes between lines.
        if (this.prompt !== "") rl.prompt();
        resolve(answer);
      });
    });
  }

  protected leaving(): void {
    if (this.prompting || this.status !== undefined) this.eraseBottom();
    this.status = undefined;
  }

  private print(stream: NodeJS.WritableStream, line: string): void {
    if (!this.prompting && this.status === undefined) {
      stream.write(line + "\n");
      return;
    }
    this.eraseBottom();
    stream.write(line + "\n");
    this.drawBottom();
  }

  /** Cut to one row: the status line's redraw counts on it. */
  private fitted(text: string): string {
    return text.length < this.columns ? text : text.slice(0, Math.max(0, this.columns - 1));
  }

  /** Readline shows something to redraw: a terminal, reading, with a prompt or typed text. */
  private get prompting(): boolean {
    return this.reading && (this.prompt !== "" || this.rl!.line !== "");
  }

  /** Readline reads from a terminal: a status line goes above the row being typed. */
  private get reading(): boolean {
    return this.rl !== undefined && this.interactive;
  }

  /** Erase the status line and the prompt, whichever are shown; the cursor ends at column 0 of the first. */
  private eraseBottom(): void {
    const twoRows = this.status !== undefined && this.statusAbovePrompt;
    if (twoRows) moveCursor(this.output, 0, -1);
    clearLine(this.output, 0);
    cursorTo(this.output, 0);
    if (twoRows) clearScreenDown(this.output);
  }

  /** Draw the status line, if any, then the prompt and what was typed, if reading. */
  private drawBottom(): void {
    const reading = this.reading;
    if (this.status !== undefined) {
      this.output.write(reading ? this.status + "\n" : this.status);
      this.statusAbovePrompt = reading;
    }
    const rl = this.rl;
    if (rl === undefined || !this.prompting) return;
    rl.prompt(true); // redraws the prompt and what was typed, cursor where it was
    // With TERM=dumb readline writes the prompt only: put the half-typed text back too.
    if (process.env["TERM"] === "dumb") this.output.write(rl.line);
  }

  /**
   * Enter under a status line: readline has left the typed line on screen, below the
   * status, and moved to a new row. Move the typed line up, with the status back below it
   * (its row count is estimated from its length: wide characters may make it off by one).
   */
  private keepStatusBelow(typed: string): void {
    const rows = Math.max(1, Math.ceil((this.prompt.length + typed.length) / this.columns));
    moveCursor(this.output, 0, -(rows + 1));
    cursorTo(this.output, 0);
    clearScreenDown(this.output);
    this.output.write(this.prompt + typed + "\n");
    this.drawBottom();
  }
}
