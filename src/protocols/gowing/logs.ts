/**
 * The gowing server's logs, as the instructor's specification asks (seed 003, "The
 * server must record..."; docs/gowing.md#logs), in two files as it suggests:
 *
 * - connections.log: each connection with its IP and port, each name it requests with
 *   the disposition (accepted / rejected: name in use / rejected: invalid / rejected:
 *   server full), and its end.
 * - chat.log: the discussion as a gowing client that is none of the users sees it: join
 *   and leave notices, `[X] text` lines, upload notices; never private messages.
 *
 * Every line starts with an ISO-8601 UTC time. Control characters from users are written
 * as `\xNN`, so one event is one line. Writes are buffered and asynchronous (pino's
 * sonic-boom destination), so logging costs no system call on the hot path. The files
 * are reopened on SIGHUP (logrotate). With client addresses left out (logClientIps:
 * false) connections.log has `-` where the IP was; the line keeps its shape.
 */
import { join } from "node:path";
import type { Hub } from "../../core/hub.js";
import { flushWriter, LogFile, type LineWriter, type Reopened } from "../../log/log-file.js";
import { standardStream } from "../../log/standard-stream.js";
import type { Logger } from "../../log/ops-log.js";
import { eventLine } from "./render.js";

export interface GowingLogs {
  connected(ip: string, port: number): void;
  /** A JOIN: the name requested (or, when it was too long to read, its size in bytes). */
  requested(ip: string, port: number, name: string | number, disposition: string): void;
  disconnected(ip: string, port: number, name: string | undefined, reason: string): void;
  /** One chat line as a gowing client shows it. */
  chat(line: string): void;
  /** Write out what is buffered (and close the files). */
  close(): Promise<void>;
  /** Open the files again (SIGHUP); nothing for stdout. */
  reopen(): Promise<Reopened[]>;
}

/** Requested names are quoted and cut to this many characters in the log. */
const MAX_LOGGED_NAME = 64;

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g;

function escapeControl(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** Keep one event per line. */
export function oneLine(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROL_ALL, escapeControl) : text;
}

/** A requested name as the log shows it: quoted, escaped, cut. */
export function quotedName(name: string): string {
  const cut = name.length > MAX_LOGGED_NAME ? name.slice(0, MAX_LOGGED_NAME) : name;
  const body = oneLine(cut.replace(/[\\"]/g, (c) => `\\${c}`));
  return cut.length < name.length ? `"${body}"... (${name.length} characters)` : `"${body}"`;
}

class WriterLogs implements GowingLogs {
  private closed = false;

  constructor(
    private readonly connections: LineWriter,
    private readonly chatLines: LineWriter,
    /** The files, closed on close() and reopened on reopen(); none for stdout, which is only flushed. */
    private readonly files: readonly LogFile[],
    private readonly logClientIps: boolean,
  ) {}

  connected(ip: string, port: number): void {
    this.line(this.connections, `${this.ip(ip)} port ${port} connected`);
  }

  requested(ip: string, port: number, name: string | number, disposition: string): void {
    const what = typeof name === "number" ? `a name of ${name} bytes` : `name ${quotedName(name)}`;
    this.line(this.connections, `${this.ip(ip)} port ${port} requests ${what}: ${disposition}`);
  }

  disconnected(ip: string, port: number, name: string | undefined, reason: string): void {
    this.line(this.connections, `${this.ip(ip)} port ${port} disconnected${name === undefined ? "" : ` (${name})`}: ${reason}`);
  }

  chat(line: string): void {
    this.line(this.chatLines, oneLine(line));
  }

  async close(): Promise<void> {
    if (this.files.length === 0) return flushWriter(this.connections);
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.files.map((f) => f.close()));
  }

  reopen(): Promise<Reopened[]> {
    return Promise.all(this.files.map((f) => f.reopen()));
  }

  /** The port stays: it tells one connection's lines from another's, and names no one. */
  private ip(ip: string): string {
    return this.logClientIps ? ip : "-";
  }

  private line(out: LineWriter, s: string): void {
    out.write(`${new Date().toISOString()} ${s}\n`);
  }
}

export interface GowingLogOptions {
  /** False: `-` where a client's IP would be. Default true. */
  logClientIps?: boolean | undefined;
}

/**
 * `off`: no logs; `-` or undefined: both on stdout; anything else: a directory holding
 * connections.log and chat.log (created if needed, appended to). Opening is checked
 * synchronously so that a bad directory stops the server at start, not at its first line.
 */
export function openGowingLogs(target: string | undefined, log: Logger, options: GowingLogOptions = {}): GowingLogs {
  if (target === "off") return NO_GOWING_LOGS;
  const logClientIps = options.logClientIps !== false;
  if (target === undefined || target === "-") {
    const stdout = standardStream(1);
    return new WriterLogs(stdout, stdout, [], logClientIps);
  }
  // A full disk must not take the chat down: report it and go on.
  const failed = (err: Error, path: string): void => log.error({ err, file: path }, "writing a gowing log failed");
  const connections = new LogFile(join(target, "connections.log"), failed);
  let chat: LogFile;
  try {
    chat = new LogFile(join(target, "chat.log"), failed);
  } catch (err) {
    void connections.close();
    throw err;
  }
  return new WriterLogs(connections.out, chat.out, [connections, chat], logClientIps);
}

/** For entry points and tests that want no logs. */
export const NO_GOWING_LOGS: GowingLogs = {
  connected() {},
  requested() {},
  disconnected() {},
  chat() {},
  close: () => Promise.resolve(),
  reopen: () => Promise.resolve([]),
};

/**
 * Record in `logs` every line a gowing client would see, from users of every dialect
 * (seed 003: the chat "as if the server were a client"), private messages excepted.
 * Returns the function that stops it.
 */
export function logChatLines(hub: Hub, logs: GowingLogs): () => void {
  return hub.observe((event) => logs.chat(eventLine(event)));
}
