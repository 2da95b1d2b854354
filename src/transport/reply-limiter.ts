/**
 * Anti-reflection limits for replies to datagram peers that have not proven their
 * address (docs/udp.md#anti-abuse: an unregistered address gets at most 5 replies a second, none
 * larger than 64 bytes). A spoofed source address costs an attacker nothing, so the
 * server must never send such an address more, or more often, than this: the reply can
 * then neither amplify nor flood a victim.
 *
 * The table of recently answered addresses is bounded (`maxTracked`) and expired by the
 * transport's timer; when it is full (many addresses answered within the last second,
 * i.e. a spoofing flood) a new address gets no reply at all until entries expire:
 * under attack the limiter fails closed, and it never scans the table on the hot path.
 */

export interface ReplyLimits {
  /** Replies per address within any window of `windowMs`. */
  readonly perWindow: number;
  readonly windowMs: number;
  /** Largest datagram, header included, sent to such an address. */
  readonly maxBytes: number;
  /** Most addresses tracked at once. */
  readonly maxTracked: number;
}

/** The numbers of docs/udp.md#anti-abuse; the table bound is ours (4096 addresses, about 2 MB when full). */
export const UNVERIFIED_REPLY_LIMITS: ReplyLimits = Object.freeze({ perWindow: 5, windowMs: 1000, maxBytes: 64, maxTracked: 4096 });

export class ReplyLimiter {
  /** Address key -> send times within the window, oldest first (at most `perWindow`). */
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly limits: ReplyLimits = UNVERIFIED_REPLY_LIMITS) {}

  /** May a reply of `size` bytes go to `key` now? Counts it when it may. */
  allow(key: string, size: number, now: number): boolean {
    const { perWindow, windowMs, maxBytes, maxTracked } = this.limits;
    if (size > maxBytes) return false;
    let times = this.recent.get(key);
    if (times === undefined) {
      if (this.recent.size >= maxTracked) return false; // fail closed until expire()
      times = [];
      this.recent.set(key, times);
    }
    // A sliding window: "at most N in any second", not N per calendar second.
    while (times.length > 0 && now - times[0]! >= windowMs) times.shift();
    if (times.length >= perWindow) return false;
    times.push(now);
    return true;
  }

  /** Forget addresses with no reply inside the window (called by the transport's timer). */
  expire(now: number): void {
    const windowMs = this.limits.windowMs;
    for (const [key, times] of this.recent) {
      if (times.length === 0 || now - times[times.length - 1]! >= windowMs) this.recent.delete(key);
    }
  }

  get tracked(): number {
    return this.recent.size;
  }
}
