/**
 * The seeds' chat log: one timestamped line per registration, message, upload and
 * disconnect, to a file or stdout. Separate from the operational log (stderr), which
 * holds errors; nothing of that goes here. Writes are buffered and asynchronous
 * (pino's sonic-boom destination), so logging a message costs no system call on the hot path.
 * A file is reopened on SIGHUP (logrotate); stdout is left as it is.
 */
import { flushWriter, LogFile, type LineWriter, type Reopened } from "./log-file.js";
import { standardStream } from "./standard-stream.js";

export interface ChatLog {
  /** `remote` is written as `-` when client addresses are left out (logClientIps: false). */
  registered(name: string, dialect: string, remote: string): void;
  message(from: string, text: string): void;
  uploaded(from: string, file: string, size: number): void;
  disconnected(name: string, reason: string): void;
  flush(): Promise<void>;
  /** Open the file again (SIGHUP): nothing for stdout. */
  reopen(): Promise<Reopened[]>;
}

export interface ChatLogOptions {
  /** False: `-` where the client's address would be. Default true. */
  logClientIps?: boolean | undefined;
  /** Told of write errors of a file (full disk); the chat goes on. */
  onError?: ((err: Error, path: string) => void) | undefined;
}

/** Keep one event per line: newlines and other controls in user text are escaped. */
function oneLine(text: string): string {
  return /[\u0000-\u001f]/.test(text) ? text.replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`) : text;
}

class SonicChatLog implements ChatLog {
  constructor(
    private readonly out: LineWriter,
    private readonly file: LogFile | undefined,
    private readonly logClientIps: boolean,
  ) {}

  registered(name: string, dialect: string, remote: string): void {
    this.line(`registered ${name} (${dialect}) from ${this.logClientIps ? remote : "-"}`);
  }
  message(from: string, text: string): void {
    this.line(`message ${from}: ${oneLine(text)}`);
  }
  uploaded(from: string, file: string, size: number): void {
    this.line(`upload ${from} stored ${oneLine(file)} (${size} bytes)`);
  }
  disconnected(name: string, reason: string): void {
    this.line(`disconnected ${name} (${reason})`);
  }
  flush(): Promise<void> {
    return flushWriter(this.out);
  }
  async reopen(): Promise<Reopened[]> {
    return this.file === undefined ? [] : [await this.file.reopen()];
  }

  private line(s: string): void {
    this.out.write(`${new Date().toISOString()} ${s}\n`);
  }
}

/** `-` or undefined: stdout; a path: that file, appended to (its directory created). */
export function openChatLog(target: string | undefined, options: ChatLogOptions = {}): ChatLog {
  const logClientIps = options.logClientIps !== false;
  if (target === undefined || target === "-") return new SonicChatLog(standardStream(1), undefined, logClientIps);
  const file = new LogFile(target, options.onError ?? (() => undefined));
  return new SonicChatLog(file.out, file, logClientIps);
}

/** For entry points and tests that want no chat log. */
export const NO_CHAT_LOG: ChatLog = {
  registered() {},
  message() {},
  uploaded() {},
  disconnected() {},
  flush: () => Promise.resolve(),
  reopen: () => Promise.resolve([]),
};
