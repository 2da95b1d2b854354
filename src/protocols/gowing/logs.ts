/**
 * The gowing server's logs, as the instructor's specification asks (seed 003, "The
 * server must record..."; WIRE.md 5), in two files as it suggests:
 *
 * - connections.log: each connection with its IP and port, each name it requests with
 *   the disposition (accepted / rejected: name in use / rejected: invalid / rejected:
 *   server full), and its end.
 * - chat.log: the discussion as a gowing client that is none of the users sees it: join
 *   and leave notices, `[X] text` lines, upload notices; never private messages.
 *
 * Every line starts with an ISO-8601 UTC time. Control characters from users are written
 * as `\xNN`, so one event is one line. Writes are buffered and asynchronous (pino's
 * sonic-boom destination), so logging costs no system call on the hot path.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import type { Hub } from "../../core/hub.js";
import type { Logger } from "../../log/ops-log.js";
import { eventLine } from "./render.js";

type LineWriter = ReturnType<typeof pino.destination>;

export interface GowingLogs {
  connected(ip: string, port: number): void;
  /** A JOIN: the name requested (or, when it was too long to read, its size in bytes). */
  requested(ip: string, port: number, name: string | number, disposition: string): void;
  disconnected(ip: string, port: number, name: string | undefined, reason: string): void;
  /** One chat line as a gowing client shows it. */
  chat(line: string): void;
  /** Write out what is buffered (and close the files). */
  close(): Promise<void>;
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
    /** Files are closed on close(); stdout is only flushed. */
    private readonly ownsFiles: boolean,
  ) {}

  connected(ip: string, port: number): void {
    this.line(this.connections, `${ip} port ${port} connected`);
  }

  requested(ip: string, port: number, name: string | number, disposition: string): void {
    const what = typeof name === "number" ? `a name of ${name} bytes` : `name ${quotedName(name)}`;
    this.line(this.connections, `${ip} port ${port} requests ${what}: ${disposition}`);
  }

  disconnected(ip: string, port: number, name: string | undefined, reason: string): void {
    this.line(this.connections, `${ip} port ${port} disconnected${name === undefined ? "" : ` (${name})`}: ${reason}`);
  }

  chat(line: string): void {
    this.line(this.chatLines, oneLine(line));
  }

  async close(): Promise<void> {
    if (!this.ownsFiles) return flush(this.connections);
    if (this.closed) return;
    this.closed = true;
    await Promise.all([end(this.connections), end(this.chatLines)]);
  }

  private line(out: LineWriter, s: string): void {
    out.write(`${new Date().toISOString()} ${s}\n`);
  }
}

function flush(out: LineWriter): Promise<void> {
  return new Promise((resolve) => {
    try {
      out.flush(() => resolve()); // an fsync error on a pipe is not ours to report
    } catch {
      resolve(); // already closed: nothing to flush
    }
  });
}

function end(out: LineWriter): Promise<void> {
  return new Promise((resolve) => {
    out.once("close", () => resolve());
    out.end();
  });
}

/**
 * `off`: no logs; `-` or undefined: both on stdout; anything else: a directory holding
 * connections.log and chat.log (created if needed, appended to). Opening is synchronous
 * so that a bad directory stops the server at start, not at its first line.
 */
export function openGowingLogs(target: string | undefined, log: Logger): GowingLogs {
  if (target === "off") return NO_GOWING_LOGS;
  if (target === undefined || target === "-") {
    const stdout = pino.destination({ fd: 1, sync: false });
    return new WriterLogs(stdout, stdout, false);
  }
  mkdirSync(target, { recursive: true });
  const connectionsPath = join(target, "connections.log");
  const chatPath = join(target, "chat.log");
  const connectionsFd = openSync(connectionsPath, "a");
  let chatFd: number;
  try {
    chatFd = openSync(chatPath, "a");
  } catch (err) {
    closeSync(connectionsFd);
    throw err;
  }
  const writer = (fd: number, path: string): LineWriter => {
    const out = pino.destination({ fd, sync: false });
    // A full disk must not take the chat down: report it and go on.
    out.on("error", (err: unknown) => log.error({ err, file: path }, "writing a gowing log failed"));
    return out;
  };
  return new WriterLogs(writer(connectionsFd, connectionsPath), writer(chatFd, chatPath), true);
}

/** For entry points and tests that want no logs. */
export const NO_GOWING_LOGS: GowingLogs = {
  connected() {},
  requested() {},
  disconnected() {},
  chat() {},
  close: () => Promise.resolve(),
};

/**
 * Record in `logs` every line a gowing client would see, from users of every dialect
 * (seed 003: the chat "as if the server were a client"), private messages excepted.
 * Returns the function that stops it.
 */
export function logChatLines(hub: Hub, logs: GowingLogs): () => void {
  return hub.observe((event) => logs.chat(eventLine(event)));
}
