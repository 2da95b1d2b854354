/**
 * A log file that logrotate can move away: lines are appended through pino's buffered
 * asynchronous writer (sonic-boom), and `reopen()` (on SIGHUP) opens the path again, so
 * that lines from then on go to a new file while the moved one keeps what it had.
 *
 * A reopen that fails (the directory is gone, the disk is full) keeps writing to the old
 * file and says so; a write error is reported, never thrown: a log never stops the chat.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { pino } from "pino";

/** pino's buffered asynchronous file writer (sonic-boom). */
export type LineWriter = ReturnType<typeof pino.destination>;

/** What a reopen did, for the one line SIGHUP logs. */
export interface Reopened {
  readonly file: string;
  /** Why the file could not be reopened; the old one is still written then. */
  readonly error?: string;
}

export class LogFile {
  readonly out: LineWriter;
  private reopening = false;
  /** The error a reopen failed with: reported by reopen(), not as a write error. */
  private reopenError: Error | undefined;

  /**
   * Opens `path` for appending, creating its directory. The first open is checked
   * synchronously, so that a bad path stops the server at start, not at its first line.
   * @param onError told of write errors (not of a failed reopen: reopen() reports that).
   */
  constructor(
    readonly path: string,
    onError: (err: Error, path: string) => void,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, "a"));
    this.out = pino.destination({ dest: path, append: true, sync: false });
    this.out.on("error", (err: Error) => {
      // pino may emit an error twice (re-emitted by its EPIPE filter): the reopen's too.
      if (!this.reopening && err !== this.reopenError) onError(err, path);
    });
  }

  write(line: string): void {
    this.out.write(line);
  }

  /** Open the path again (logrotate moved the file); resolves once it is open, or failed. */
  reopen(): Promise<Reopened> {
    const out = this.out;
    return new Promise((resolve) => {
      const done = (error?: Error): void => {
        this.reopening = false;
        out.off("ready", opened);
        out.off("error", failed);
        resolve(error === undefined ? { file: this.path } : { file: this.path, error: error.message });
      };
      const opened = (): void => done();
      const failed = (err: Error): void => {
        this.reopenError = err;
        done(err);
      };
      this.reopening = true;
      out.once("ready", opened);
      out.once("error", failed);
      try {
        out.reopen();
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err))); // closed already
      }
    });
  }

  /** Write out what is buffered (the process is about to exit). */
  flush(): Promise<void> {
    return flushWriter(this.out);
  }

  /** Write out what is buffered and close the file. */
  close(): Promise<void> {
    const out = this.out;
    return new Promise((resolve) => {
      out.once("close", () => resolve());
      try {
        out.end();
      } catch {
        resolve(); // ended already
      }
    });
  }
}

/**
 * Resolves once `out` has written out everything given to it so far (never rejects).
 * sonic-boom's own flush(cb) calls back at once when it has no minimum write size,
 * before the bytes are written; its `drain` event comes when they are.
 */
export function flushWriter(out: LineWriter): Promise<void> {
  const pending = (out as unknown as { _len?: number })._len;
  if (pending === undefined || pending === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      out.off("error", done);
      resolve();
    };
    out.on("drain", done);
    out.on("error", done);
  });
}
