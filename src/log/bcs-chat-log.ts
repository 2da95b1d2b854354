/**
 * The seeds' chat log (bcs, seed 000): one timestamped line per registration, message,
 * upload and disconnect of a user of one dialect (bcs), to a file or stdout:
 *
 *     registered alice (bcs) from 127.0.0.1:34374
 *     message alice: hi all
 *     upload alice stored notes.txt (5 bytes)
 *     disconnected alice (client_closed)
 *
 * Made from the hub's events by the chat-log service (chat-logs.ts), written by the one
 * writer (line-log.ts), which escapes control characters so that one event is one line.
 */
import type { ClientEvent } from "../core/client-events.js";
import type { PublicEvent } from "../core/events.js";
import type { Member } from "../core/ports.js";
import type { ChatLog } from "./chat-logs.js";
import { LineLog } from "./line-log.js";
import type { Reopened } from "./log-file.js";

export interface BcsChatLogOptions {
  /** Whose doings are recorded: the users of this dialect. */
  dialect: string;
  /** False: `-` where the client's address would be. Default true. */
  logClientIps?: boolean | undefined;
  /** Told of write errors of a file (full disk); the chat goes on. */
  onError?: ((err: Error, path: string) => void) | undefined;
}

export class BcsChatLog implements ChatLog {
  private readonly dialect: string;
  private readonly logClientIps: boolean;

  constructor(
    private readonly out: LineLog,
    options: Pick<BcsChatLogOptions, "dialect" | "logClientIps">,
  ) {
    this.dialect = options.dialect;
    this.logClientIps = options.logClientIps !== false;
  }

  chat(event: PublicEvent, by: Member): void {
    if (event.kind === "lobby" && by.dialect === this.dialect) this.out.line(`message ${event.from}: ${event.text}`);
  }

  client(event: ClientEvent): void {
    const { client } = event;
    if (client.dialect !== this.dialect) return;
    switch (event.kind) {
      case "login":
        if (event.result === "ok") this.out.line(`registered ${event.name} (${client.dialect}) from ${this.logClientIps ? `${client.address}:${client.port}` : "-"}`);
        return;
      case "stored":
        return this.out.line(`upload ${event.user} stored ${event.file} (${event.size} bytes)`);
      case "disconnected":
        // Only users who registered: a connection refused or never registered is no one's.
        if (event.name !== undefined) this.out.line(`disconnected ${event.name} (${event.reason})`);
        return;
      case "connected":
        return;
    }
  }

  close(): Promise<void> {
    return this.out.close();
  }

  reopen(): Promise<Reopened[]> {
    return this.out.reopen();
  }
}

/** `-` or undefined: stdout; a path: that file, appended to (its directory created at once). */
export function openBcsChatLog(target: string | undefined, options: BcsChatLogOptions): BcsChatLog {
  return new BcsChatLog(LineLog.open(target, options.onError ?? (() => undefined)), options);
}
