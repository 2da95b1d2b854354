/**
 * Token buckets: the message rate limits (per connection, per udp address), the login
 * failures per client address and the upload allowances per user. Pure and
 * clock-injected (the caller passes `now`), so they cost no timer and tests need no
 * sleep. The hot path is one `take(now)` per received message.
 */

export interface RateLimit {
  /** Sustained tokens per second; 0 turns the limit off. */
  readonly perSecond: number;
  /** Tokens that may be spent at once after a quiet spell (the bucket's size, at least 1). */
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

  /** Spend `cost` tokens if there are that many; false means over the limit (nothing spent). */
  take(now: number, cost = 1): boolean {
    if (this.limit.perSecond <= 0) return true;
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Give back tokens spent on something that turned out not to count (never above the burst). */
  refund(cost = 1): void {
    this.tokens = Math.min(this.limit.burst, this.tokens + cost);
  }

  /**
   * Milliseconds until `cost` tokens are there (0: now). Infinity when `cost` is more than
   * the bucket holds: that much can never be spent at once.
   */
  waitMs(now: number, cost = 1): number {
    const { perSecond, burst } = this.limit;
    if (perSecond <= 0) return 0;
    if (cost > burst) return Infinity;
    this.refill(now);
    if (this.tokens >= cost) return 0;
    return Math.ceil(((cost - this.tokens) * 1000) / perSecond);
  }

  /** Refilled to the burst: the same as a bucket never used, so it may be forgotten. */
  isFull(now: number): boolean {
    if (this.limit.perSecond <= 0) return true;
    this.refill(now);
    return this.tokens >= this.limit.burst;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) * this.limit.perSecond) / 1000);
      this.last = now;
    }
  }
}

/**
 * One bucket per key (a client address, a user name), created full on first use. The
 * table is bounded: a bucket that has refilled is the same as none and is dropped, and
 * past `maxKeys` the least recently used key is forgotten (its next use starts full), so
 * many keys cost memory only up to the bound, never without end. Kept in use order
 * (a used key moves to the end), so the sweep looks only at the front.
 */
export class BucketTable {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
  ) {}

  get off(): boolean {
    return this.limit.perSecond <= 0;
  }

  /** Change the rate in place: every bucket shares this limit, so all follow at once. */
  retune(limit: RateLimit): void {
    Object.assign(this.limit, limit);
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, now: number, cost = 1): boolean {
    if (this.off) return true;
    return this.use(key, now).take(now, cost);
  }

  refund(key: string, now: number, cost = 1): void {
    if (this.off) return;
    this.buckets.get(key)?.refund(cost);
    this.sweep(now);
  }

  /** Milliseconds until `key` may spend `cost` (0: now; Infinity: never at once). */
  waitMs(key: string, now: number, cost = 1): number {
    if (this.off) return 0;
    const bucket = this.buckets.get(key);
    if (bucket !== undefined) return bucket.waitMs(now, cost);
    return cost > this.limit.burst ? Infinity : 0;
  }

  private use(key: string, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket !== undefined) {
      this.buckets.delete(key); // to the end: most recently used
    } else {
      this.sweep(now);
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(this.limit, now);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  /**
   * Drop refilled buckets from the least recently used end, stopping at the first that is
   * not. Each use sweeps; a table nobody uses any more is swept by its owner's timer.
   */
  sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (!bucket.isFull(now)) return;
      this.buckets.delete(key);
    }
  }
}
