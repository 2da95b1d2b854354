/**
 * The seeds' chat log: one timestamped line per registration, message, upload and
 * disconnect, to a file or stdout. Separate from the operational log (stderr), which
 * holds errors; nothing of that goes here. Writes are buffered and asynchronous
 * (pino's sonic-boom destination), so logging a message costs no system call on the hot path.
 */
import { pino } from "pino";

/** pino's buffered asynchronous file writer (pino's sonic-boom destination), used here for plain lines. */
type LineWriter = ReturnType<typeof pino.destination>;

export interface ChatLog {
  registered(name: string, dialect: string, remote: string): void;
  message(from: string, text: string): void;
  uploaded(from: string, file: string, size: number): void;
  disconnected(name: string, reason: string): void;
  flush(): Promise<void>;
}

/** Keep one event per line: newlines and other controls in user text are escaped. */
function oneLine(text: string): string {
  return /[\u0000-\u001f]/.test(text) ? text.replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`) : text;
}

class SonicChatLog implements ChatLog {
  constructor(private readonly out: LineWriter) {}

  registered(name: string, dialect: string, remote: string): void {
    this.line(`registered ${name} (${dialect}) from ${remote}`);
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
    return new Promise((resolve) => {
      try {
        this.out.flush(() => resolve());
      } catch {
        resolve(); // not open yet, or already closed: nothing to flush
      }
    });
  }

  private line(s: string): void {
    this.out.write(`${new Date().toISOString()} ${s}\n`);
  }
}

/** `-` or undefined: stdout; a path: that file, appended to. */
export function openChatLog(target: string | undefined): ChatLog {
  const out =
    target === undefined || target === "-"
      ? pino.destination({ fd: 1, sync: false })
      : pino.destination({ dest: target, append: true, mkdir: true, sync: false });
  return new SonicChatLog(out);
}

/** For entry points and tests that want no chat log. */
export const NO_CHAT_LOG: ChatLog = {
  registered() {},
  message() {},
  uploaded() {},
  disconnected() {},
  flush: () => Promise.resolve(),
};
