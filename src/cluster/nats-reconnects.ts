/**
 * Tells a cluster part when its NATS connection drops and when it is back
 * (docs/cluster.md#failures): what NATS delivered to this node while it was cut off is
 * lost for its watches, so each part resynchronises on "reconnect".
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log/ops-log.js";

export interface ConnectionChanges {
  disconnected(): void;
  reconnected(): void;
  /** Closed for good (closed by the server's shutdown, or out of reconnect attempts): stop retrying. */
  closed(): void;
}

/** Follow `nc`'s status until the returned stop is called (or the connection closes). */
export function followReconnects(nc: NatsConnection, on: ConnectionChanges, log: Logger | undefined): () => void {
  const statuses = nc.status();
  let stopped = false;
  (async () => {
    for await (const status of statuses) {
      if (stopped) break;
      try {
        if (status.type === "disconnect") on.disconnected();
        else if (status.type === "reconnect") on.reconnected();
        else if (status.type === "close") on.closed();
      } catch (err) {
        log?.error({ err }, "cluster: handling a NATS connection change failed");
      }
    }
  })().catch((err: unknown) => log?.error({ err }, "cluster: following the NATS connection failed"));
  return () => {
    stopped = true;
    // nats.js types status() as an AsyncIterable, and implements it as a QueuedIterator
    // whose stop() ends the loop above at once (rather than at the next status).
    (statuses as { stop?: () => void }).stop?.();
  };
}
