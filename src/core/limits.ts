/**
 * Named limits shared by every dialect (docs/wire.md#limits), with their defaults.
 * Durations are milliseconds, sizes bytes. Every one is a flag of the server commands.
 */
export interface Limits {
  /** Longest message text, in UTF-8 bytes. */
  maxMessageBytes: number;
  /** Longest frame a codec buffers (file transfers stream and are exempt). */
  maxFrameBytes: number;
  /** Largest file a bcs client may upload. */
  maxFileBytes: number;
  /** Outbound frames a connection may have queued before it is a slow consumer. */
  queueFrames: number;
  /** Outbound bytes a connection may have queued before it is a slow consumer. */
  queueBytes: number;
  /** Time to log in after connecting. */
  loginTimeoutMs: number;
  /** Time a frame may stay incomplete. */
  stallTimeoutMs: number;
  /** Time a bcs deliver/fnotify may stay unacknowledged. */
  ackTimeoutMs: number;
  /** Most users online at once across all dialects; 0 means no limit. */
  maxUsers: number;
  /**
   * Messages a connection may send per second, sustained; 0 means no limit. Each dialect
   * answers a client over it in its own way (docs/<dialect>.md, "Floods").
   */
  msgRate: number;
  /** Messages a connection may send at once after a quiet spell (the token bucket's size). */
  msgBurst: number;
  /** Connections open at once from one client address (an IPv6 /64), all TCP listeners together; 0: no limit. */
  maxConnectionsPerAddress: number;
  /** Refused logins (names, passwords) one client address may have per `loginFailureWindowMs`; 0: no limit. */
  loginFailures: number;
  loginFailureWindowMs: number;
  /** Bytes one bcs user may upload per hour; 0: no limit. */
  uploadBytesPerHour: number;
  /** Uploads one bcs user may start per minute; 0: no limit. */
  uploadsPerMinute: number;
  /** Messages kept for one offline cs262 account; 0: no limit. */
  mailboxLimit: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 4096,
  maxFrameBytes: 64 * 1024,
  maxFileBytes: 64 * 1024 * 1024,
  queueFrames: 1000,
  queueBytes: 4 * 1024 * 1024,
  loginTimeoutMs: 10_000,
  stallTimeoutMs: 30_000,
  ackTimeoutMs: 30_000,
  maxUsers: 0,
  // A person types a few messages a second and pastes at most a screenful at once: 50/s
  // with bursts of 100 is far above any real chat, and still bounds what a flood costs.
  msgRate: 50,
  msgBurst: 100,
  // Room for a classroom or an office behind one NAT address.
  maxConnectionsPerAddress: 64,
  // A person mistypes a password or picks a taken name a few times; 30 a minute is far
  // above that and holds password guessing (and its scrypt work) to one try per 2 s.
  loginFailures: 30,
  loginFailureWindowMs: 60_000,
  // 16 files of the largest default size an hour; at most one new file every 3 s.
  uploadBytesPerHour: 1024 * 1024 * 1024,
  uploadsPerMinute: 20,
  mailboxLimit: 10_000,
});
