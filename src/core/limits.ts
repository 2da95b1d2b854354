/**
 * Named limits shared by every dialect (WIRE.md 1), with their defaults.
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
});
