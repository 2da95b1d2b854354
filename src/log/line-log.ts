/**
 * The one writer of the chat logs (the bcs chat log, gowing's connections.log and
 * chat.log): one event a line, each starting with its ISO-8601 UTC time, to a file or to
 * stdout. Writes are buffered and asynchronous (pino's sonic-boom destination), so a
 * line costs no system call on the hot path. A file is reopened on SIGHUP (logrotate);
 * stdout is left as it is.
 */
import { flushWriter, LogFile, type LineWriter, type Reopened } from "./log-file.js";
import { standardStream } from "./standard-stream.js";

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g;

function escapeControl(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** Keep one event per line: newlines and other control characters are written as `\xNN`. */
export function oneLine(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROL_ALL, escapeControl) : text;
}

export class LineLog {
  private closed = false;

  private constructor(
    private readonly out: LineWriter,
    /** The file behind `out`; none for stdout. */
    private readonly file: LogFile | undefined,
  ) {}

  /**
   * `-` or undefined: stdout; a path: that file, appended to (its directory created).
   * A file is opened at once, so that a bad path stops the server at start, not at its
   * first line; `onError` is told of later write errors (a full disk): the chat goes on.
   */
  static open(target: string | undefined, onError: (err: Error, path: string) => void): LineLog {
    if (target === undefined || target === "-") return new LineLog(standardStream(1), undefined);
    const file = new LogFile(target, onError);
    return new LineLog(file.out, file);
  }

  /** Write `text` as one line after the time; control characters in it are escaped (oneLine). */
  line(text: string): void {
    this.out.write(`${new Date().toISOString()} ${oneLine(text)}\n`);
  }

  /** Write out what is buffered. */
  flush(): Promise<void> {
    return flushWriter(this.out);
  }

  /** Write out what is buffered and close the file (stdout is only flushed). Once. */
  async close(): Promise<void> {
    if (this.file === undefined) return this.flush();
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }

  /** Open the file again at its path (logrotate moved it); nothing for stdout. */
  async reopen(): Promise<Reopened[]> {
    return this.file === undefined ? [] : [await this.file.reopen()];
  }
}
