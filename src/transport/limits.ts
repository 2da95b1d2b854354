/**
 * The transport's limits, with their defaults: what a connection may buffer, queue and
 * send, and how long it may take. Durations are milliseconds, sizes bytes.
 */
export interface TransportLimits {
  /** Longest frame a codec buffers (file transfers stream and are exempt). */
  maxFrameBytes: number;
  /** Outbound frames a connection may have queued before it is a slow consumer. */
  queueFrames: number;
  /** Outbound bytes a connection may have queued before it is a slow consumer. */
  queueBytes: number;
  /** Time to log in after connecting. */
  loginTimeoutMs: number;
  /** Time a frame may stay incomplete. */
  stallTimeoutMs: number;
  /**
   * Messages a connection may send per second, sustained; 0 means no limit. Each dialect
   * answers a client over it in its own way (docs/<dialect>.md, "Floods").
   */
  msgRate: number;
  /** Messages a connection may send at once after a quiet spell (the token bucket's size). */
  msgBurst: number;
  /** Connections open at once from one client address (an IPv6 /64), all TCP listeners together; 0: no limit. */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_TRANSPORT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxFrameBytes: 64 * 1024,
  queueFrames: 1000,
  queueBytes: 4 * 1024 * 1024,
  loginTimeoutMs: 10_000,
  stallTimeoutMs: 30_000,
  // A person types a few messages a second and pastes at most a screenful at once: 50/s
  // with bursts of 100 is far above any real chat, and still bounds what a flood costs.
  msgRate: 50,
  msgBurst: 100,
  // Room for a classroom or an office behind one NAT address.
  maxConnectionsPerAddress: 64,
});
