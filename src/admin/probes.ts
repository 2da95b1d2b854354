/** What the admin port asks the running parts: readiness, connections, queues. */

/** Something /readyz asks, live, on every request: never cached, so a stopped part shows at once. */
export interface ReadinessCheck {
  /** What to call it in /readyz's answer: the listener's name, or `store`. */
  readonly name: string;
  ready(): boolean;
}

/** A started listener, as the admin port sees it: every answer is read when asked. */
export interface ListenerProbe extends ReadinessCheck {
  readonly transport: "tcp" | "udp";
  /** Accepting connections: the TCP server is listening, or the udp socket is bound. */
  ready(): boolean;
  /** Open TCP connections, or registered udp addresses. */
  connections(): number;
  /** Bytes queued for its clients and not yet taken by the kernel: in all, and the most for one connection. */
  queuedBytes(): QueuedBytes;
  /** Stop accepting new connections and keep those open (TCP only: a udp socket either is bound or not). */
  stopAccepting?(): void;
  /** Sizes of the listener's tables of clients, by name (a leak check, see RunningSwitchboard.tables). */
  tables(): Record<string, number>;
  /** TCP connections closed at accept, before any session, by why (TCP only). */
  refused?(): Readonly<Record<string, number>>;
}

export interface QueuedBytes {
  readonly total: number;
  readonly largest: number;
}
