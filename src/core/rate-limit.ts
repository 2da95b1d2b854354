/**
 * A token bucket: the per-address (later per-connection) message rate limit. Pure and
 * clock-injected (the caller passes `now`), so it costs no timer and tests need no sleep.
 * Any dialect can keep one per member: `take(now)` once per message, answer with the
 * dialect's "rate limited" error when it returns false.
 */

export interface RateLimit {
  /** Sustained messages per second; 0 turns the limit off. */
  readonly perSecond: number;
  /** Messages that may arrive at once after a quiet spell (the bucket's size, at least 1). */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Spend one token if there is one; false means the message is over the limit. */
  take(now: number): boolean {
    const { perSecond, burst } = this.limit;
    if (perSecond <= 0) return true;
    if (now > this.last) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.last) * perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
