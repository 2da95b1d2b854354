/**
 * Assembles one Switchboard process: the hub, the file store, the chat log and one
 * listener per enabled dialect, plus the HTTP admin port. Entry points only choose
 * which of these to enable; every dialect shares the one hub.
 */
import { join } from "node:path";
import { HttpAdmin } from "../admin/http-admin.js";
import { Hub } from "../core/hub.js";
import type { Limits } from "../core/limits.js";
import { FileStore } from "../files/file-store.js";
import { NO_CHAT_LOG, openChatLog, type ChatLog } from "../log/chat-log.js";
import type { Logger } from "../log/ops-log.js";
import { bcsDialect } from "../protocols/bcs/index.js";
import { TcpListener } from "../transport/tcp-listener.js";

export interface Endpoint {
  host: string;
  port: number;
}

export interface SwitchboardConfig {
  limits: Readonly<Limits>;
  /** Root of everything the server keeps on disk. */
  dataDir: string;
  /** Uploaded bcs files; default `<dataDir>/files`. */
  filesDir?: string | undefined;
  /** The bcs listener; absent means off. `chatLog`: a file, `-` for stdout, or `off`. */
  bcs?: (Endpoint & { chatLog: string }) | undefined;
  /** The HTTP admin listener; absent means off. */
  http?: Endpoint | undefined;
}

export interface BoundListener {
  readonly name: string;
  readonly transport: "tcp" | "udp";
  readonly address: string;
  readonly port: number;
}

export interface RunningSwitchboard {
  readonly hub: Hub;
  readonly listeners: readonly BoundListener[];
  close(): Promise<void>;
}

export async function startSwitchboard(config: SwitchboardConfig, log: Logger): Promise<RunningSwitchboard> {
  const hub = new Hub({ limits: config.limits });
  const closers: (() => Promise<void>)[] = [];
  const listeners: BoundListener[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    if (config.bcs) {
      const files = new FileStore(config.filesDir ?? join(config.dataDir, "files"));
      await files.init();
      const chatLog: ChatLog = config.bcs.chatLog === "off" ? NO_CHAT_LOG : openChatLog(config.bcs.chatLog);
      closers.push(() => chatLog.flush());
      const tcp = new TcpListener({
        dialect: bcsDialect({ hub, files, chatLog, log, limits: hub.limits }),
        host: config.bcs.host,
        port: config.bcs.port,
        limits: hub.limits,
        log,
      });
      const a = await tcp.listen();
      closers.push(() => tcp.close());
      listeners.push({ name: "bcs", transport: "tcp", address: a.address, port: a.port });
    }
    if (config.http) {
      const http = new HttpAdmin(config.http.host, config.http.port);
      const a = await http.listen();
      closers.push(() => http.close());
      listeners.push({ name: "http", transport: "tcp", address: a.address, port: a.port });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { hub, listeners, close };
}
