/** What /metrics reads of one started listener: every answer is read when asked. */

export interface ListenerReading {
  /** The listener's name: its dialect. */
  readonly name: string;
  readonly transport: "tcp" | "udp";
  /** Accepting connections: the TCP server is listening, or the udp socket is bound. */
  ready(): boolean;
  /** Open TCP connections, or registered udp addresses. */
  connections(): number;
  /** Bytes queued for its clients and not yet taken by the kernel: in all, and the most for one connection. */
  queuedBytes(): QueuedBytes;
  /** TCP connections closed at accept, before any session, by why (TCP only). */
  refused?(): Readonly<Record<string, number>>;
}

export interface QueuedBytes {
  readonly total: number;
  readonly largest: number;
}
