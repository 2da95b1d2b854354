/**
 * The hub's limits, with their defaults: what the hub itself checks on joins and
 * messages, whatever the wire. The transport's limits are in src/transport/limits.ts,
 * each dialect's own in its folder (e.g. src/protocols/bcs/limits.ts); the process
 * puts them together (src/app/limits.ts). Durations are milliseconds, sizes bytes.
 */
export interface HubLimits {
  /** Longest message text, in UTF-8 bytes. */
  maxMessageBytes: number;
  /** Most users online at once across all dialects; 0 means no limit. */
  maxUsers: number;
  /** Refused logins (names, passwords) one client address may have per `loginFailureWindowMs`; 0: no limit. */
  loginFailures: number;
  loginFailureWindowMs: number;
  /** Messages the offline mail keeps for one account; 0: no limit. */
  mailboxLimit: number;
}

export const DEFAULT_HUB_LIMITS: Readonly<HubLimits> = Object.freeze({
  maxMessageBytes: 4096,
  maxUsers: 0,
  // A person mistypes a password or picks a taken name a few times; 30 a minute is far
  // above that and holds password guessing (and its scrypt work) to one try per 2 s.
  loginFailures: 30,
  loginFailureWindowMs: 60_000,
  mailboxLimit: 10_000,
});
