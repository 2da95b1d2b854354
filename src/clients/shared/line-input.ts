/**
 * The typed-lines side of a client's terminal, whichever way it draws: readline over the
 * input, end of input told from our own closing, Ctrl+C as SIGINT where the terminal's
 * line discipline (not readline) has the keyboard, a pause for flow control of piped
 * input, and the stop for good when the client ends.
 */
import type { Interface } from "node:readline";

export interface InputHandlers {
  line(line: string): void;
  /** End of input: Ctrl+D on a terminal, EOF on a pipe. */
  end(): void;
  /** Ctrl+C on a terminal. */
  interrupt(): void;
}

export abstract class LineInput {
  protected rl: Interface | undefined;
  /** Set once we close readline ourselves, so that its `close` is not taken for EOF. */
  protected closing = false;
  /** Ctrl+C arriving as SIGINT, handled while reading. */
  private onSigint: (() => void) | undefined;

  protected constructor(protected readonly input: NodeJS.ReadableStream & { isTTY?: boolean }) {}

  /** Read with `rl`: its close is the end of input, unless we closed it (close()). */
  protected readWith(rl: Interface, handlers: InputHandlers): void {
    this.rl = rl;
    rl.on("close", () => {
      this.rl = undefined;
      if (!this.closing) handlers.end();
    });
  }

  /** Ctrl+C comes as SIGINT (readline is not in raw mode): take it as `handlers.interrupt` while reading. */
  protected interruptOnSigint(handlers: InputHandlers): void {
    this.onSigint = () => handlers.interrupt();
    process.on("SIGINT", this.onSigint);
  }

  /** Flow control for piped input: stop reading while many lines wait to be sent. */
  pauseInput(): void {
    this.rl?.pause();
  }

  resumeInput(): void {
    this.rl?.resume();
  }

  /**
   * Stop reading input for good (after /quit, or when the session is over), once the
   * terminal has tidied what it shows (`leaving`). The input is destroyed, not just
   * paused: an open stdin pipe would otherwise keep the process alive after /quit until
   * the writer closed it.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.leaving();
    if (this.onSigint !== undefined) process.off("SIGINT", this.onSigint);
    const rl = this.rl;
    this.rl = undefined;
    rl?.close(); // also takes a TTY out of raw mode
    (this.input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }

  /** Leave the screen tidy (no dangling prompt or status line) before input stops. */
  protected abstract leaving(): void;
}
