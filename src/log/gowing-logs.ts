/**
 * The gowing server's logs, as the instructor's specification asks (seed 003, "The
 * server must record..."; docs/gowing.md#logs), in two files as it suggests:
 *
 * - connections.log: each connection of a gowing client with its IP and port, each name
 *   it requests with the disposition (accepted / rejected: name in use / rejected:
 *   invalid / rejected: server full), and its end.
 * - chat.log: the discussion as a gowing client that is none of the users sees it: join
 *   and leave notices, `[X] text` lines, upload notices, from users of every dialect;
 *   never private messages (the hub shows no observer those).
 *
 * Made from the hub's events by the chat-log service (chat-logs.ts), written by the one
 * writer (line-log.ts): every line starts with an ISO-8601 UTC time, and control
 * characters from users are written as `\xNN`, so one event is one line. With client
 * addresses left out (logClientIps: false) connections.log has `-` where the IP was;
 * the line keeps its shape.
 */
import { join } from "node:path";
import type { ClientEvent } from "../core/client-events.js";
import type { JoinResult } from "../core/errors.js";
import type { PublicEvent } from "../core/events.js";
import type { ChatLog } from "./chat-logs.js";
import { LineLog } from "./line-log.js";
import type { Reopened } from "./log-file.js";

/** How connections.log words the hub's answer to a JOIN (the specification's "disposition"). */
export const DISPOSITIONS: Readonly<Record<JoinResult, string>> = {
  ok: "accepted",
  name_taken: "rejected: name in use",
  name_invalid: "rejected: invalid",
  // docs/wire.md#reserved-names: `server` gets the dialect's "invalid name" answer, an account's name "name in use".
  name_owned: "rejected: name in use",
  name_reserved: "rejected: invalid",
  server_full: "rejected: server full",
  // Never logged: a gowing session answers a second JOIN itself, with an ERROR.
  already_joined: "rejected: already joined",
};

/** Requested names are quoted and cut to this many characters in the log. */
const MAX_LOGGED_NAME = 64;

/** A requested name as the log shows it: quoted (`\` and `"` escaped), cut. */
export function quotedName(name: string): string {
  const cut = name.length > MAX_LOGGED_NAME ? name.slice(0, MAX_LOGGED_NAME) : name;
  const body = cut.replace(/[\\"]/g, (c) => `\\${c}`);
  return cut.length < name.length ? `"${body}"... (${name.length} characters)` : `"${body}"`;
}

export interface GowingLogOptions {
  /** Whose connections go to connections.log: the clients of this dialect. */
  dialect: string;
  /** The line a gowing client sees for a public event: the dialect's own rendering. */
  chatLine: (event: PublicEvent) => string;
  /** False: `-` where a client's IP would be. Default true. */
  logClientIps?: boolean | undefined;
}

export class GowingLogs implements ChatLog {
  private readonly dialect: string;
  private readonly chatLine: (event: PublicEvent) => string;
  private readonly logClientIps: boolean;

  constructor(
    private readonly connections: LineLog,
    /** May be `connections` itself (both on stdout). */
    private readonly chatLines: LineLog,
    options: GowingLogOptions,
  ) {
    this.dialect = options.dialect;
    this.chatLine = options.chatLine;
    this.logClientIps = options.logClientIps !== false;
  }

  chat(event: PublicEvent): void {
    this.chatLines.line(this.chatLine(event));
  }

  client(event: ClientEvent): void {
    const { client } = event;
    if (client.dialect !== this.dialect) return;
    // The port stays without the IP: it tells one connection's lines from another's, and names no one.
    const at = `${this.logClientIps ? client.address : "-"} port ${client.port}`;
    switch (event.kind) {
      case "connected":
        return this.connections.line(`${at} connected`);
      case "login": {
        const what = typeof event.name === "number" ? `a name of ${event.name} bytes` : `name ${quotedName(event.name)}`;
        return this.connections.line(`${at} requests ${what}: ${DISPOSITIONS[event.result]}`);
      }
      case "disconnected":
        return this.connections.line(`${at} disconnected${event.name === undefined ? "" : ` (${event.name})`}: ${event.reason}`);
      case "stored":
        return; // chat.log has the upload notice, as a gowing client sees it
    }
  }

  async close(): Promise<void> {
    await this.connections.close();
    if (this.chatLines !== this.connections) await this.chatLines.close();
  }

  async reopen(): Promise<Reopened[]> {
    const reopened = await this.connections.reopen();
    return this.chatLines === this.connections ? reopened : [...reopened, ...(await this.chatLines.reopen())];
  }
}

/**
 * `off`: no logs (undefined); `-` or undefined: both on stdout; anything else: a
 * directory holding connections.log and chat.log (created if needed, appended to).
 * Opening is checked synchronously so that a bad directory stops the server at start,
 * not at its first line; `onError` is told of later write errors (a full disk).
 */
export function openGowingLogs(
  target: string | undefined,
  options: GowingLogOptions & { onError: (err: Error, path: string) => void },
): GowingLogs | undefined {
  if (target === "off") return undefined;
  if (target === undefined || target === "-") {
    const stdout = LineLog.open("-", options.onError);
    return new GowingLogs(stdout, stdout, options);
  }
  const connections = LineLog.open(join(target, "connections.log"), options.onError);
  let chat: LineLog;
  try {
    chat = LineLog.open(join(target, "chat.log"), options.onError);
  } catch (err) {
    void connections.close();
    throw err;
  }
  return new GowingLogs(connections, chat, options);
}
