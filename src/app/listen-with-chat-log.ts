/**
 * A stream dialect's TCP listener with its chat log (bcs, gowing): the log is written
 * from the hub's events (src/log/chat-logs.ts) from when the listener is up until it has
 * closed, so that every session's end is in it; it is reopened on SIGHUP.
 */
import type { ChatLog } from "../log/chat-logs.js";
import type { StreamDialect } from "../transport/session.js";
import type { AppContext, Endpoint, Started } from "./context.js";
import { listenTcp } from "./listen-tcp.js";

/** `log` undefined: the log is off. A listener that cannot start closes the log it was given. */
export async function listenWithChatLog<F>(ctx: AppContext, dialect: StreamDialect<F>, at: Endpoint, log: ChatLog | undefined): Promise<Started> {
  let tcp;
  try {
    tcp = await listenTcp(ctx, dialect, at);
  } catch (err) {
    await log?.close();
    throw err;
  }
  const open = log && ctx.chatLogs.add(log);
  return {
    listeners: [tcp.listener],
    stopAccepting: tcp.stopAccepting,
    connections: tcp.connections,
    close: async (cut) => {
      await tcp.close(cut); // every session reports its end before this resolves
      await open?.close();
    },
    reopenLogs: () => open?.reopen() ?? Promise.resolve([]),
  };
}
