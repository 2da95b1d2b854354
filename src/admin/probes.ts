/** What the admin port asks the running parts: readiness, connections, queues. */
import type { ListenerReading } from "../metrics/listener-reading.js";

export type { QueuedBytes } from "../metrics/listener-reading.js";

/** Something /readyz asks, live, on every request: never cached, so a stopped part shows at once. */
export interface ReadinessCheck {
  /** What to call it in /readyz's answer: the listener's name, or `store`. */
  readonly name: string;
  ready(): boolean;
}

/** A started listener, as the admin port sees it (and /metrics reads it): every answer is read when asked. */
export interface ListenerProbe extends ReadinessCheck, ListenerReading {
  /** Stop accepting new connections and keep those open (TCP only: a udp socket either is bound or not). */
  stopAccepting?(): void;
  /** Sizes of the listener's tables of clients, by name (a leak check, see RunningSwitchboard.tables). */
  tables(): Record<string, number>;
  /** TCP connections closed at accept, before any session, by why (TCP only). */
  refused?(): Readonly<Record<string, number>>;
}
