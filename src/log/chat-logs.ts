/**
 * The chat logs as one service: it watches the hub, for the chat (`hub.observe`: joins,
 * leaves, lobby messages, file notices, and who each comes from) and for the comings
 * and goings of clients (`hub.clientEvents`: connections, logins, stored files, ends),
 * and hands every event to each open chat log, which writes what it records through
 * the one writer (line-log.ts). Nothing in a dialect writes a log: the bcs chat log
 * (bcs-chat-log.ts) and gowing's two files (gowing-logs.ts) are made from these events.
 *
 * Errors answered to clients are never here: they go to the operational log (ops-log.ts).
 */
import type { ClientEvent } from "../core/client-events.js";
import type { PublicEvent } from "../core/events.js";
import type { Hub } from "../core/hub.js";
import type { Member } from "../core/ports.js";
import type { Reopened } from "./log-file.js";

/** One chat log: what it writes for the events it cares about, and its files. */
export interface ChatLog {
  /** A join, leave, lobby message or file notice, from `by`. Must not block or throw. */
  chat?(event: PublicEvent, by: Member): void;
  /** A client connected, logged in (or was refused), stored a file, or went. */
  client?(event: ClientEvent): void;
  /** Write out what is buffered and close the files (stdout is only flushed). */
  close(): Promise<void>;
  /** Open the files again (SIGHUP, logrotate); nothing for stdout. */
  reopen(): Promise<Reopened[]>;
}

/** A chat log the service writes, until `close` stops and closes it. */
export interface OpenChatLog {
  close(): Promise<void>;
  reopen(): Promise<Reopened[]>;
}

export class ChatLogs {
  private readonly logs: ChatLog[] = [];
  /** Stops watching the hub; set while there is a log to write. */
  private unwatch: (() => void) | undefined;

  constructor(private readonly hub: Pick<Hub, "observe" | "clientEvents">) {}

  /** Write `log` from every event from now on. */
  add(log: ChatLog): OpenChatLog {
    this.logs.push(log);
    if (this.unwatch === undefined) this.watch();
    return {
      close: () => {
        this.remove(log);
        return log.close();
      },
      reopen: () => log.reopen(),
    };
  }

  private remove(log: ChatLog): void {
    const i = this.logs.indexOf(log);
    if (i < 0) return;
    this.logs.splice(i, 1);
    if (this.logs.length === 0) {
      this.unwatch?.();
      this.unwatch = undefined;
    }
  }

  /** One observer of each kind for every log: nothing is watched while no log is open. */
  private watch(): void {
    const logs = this.logs;
    const stopChat = this.hub.observe((event, by) => {
      for (const log of logs) log.chat?.(event, by);
    });
    const stopClients = this.hub.clientEvents.observe((event) => {
      for (const log of logs) log.client?.(event);
    });
    this.unwatch = () => {
      stopChat();
      stopClients();
    };
  }
}
