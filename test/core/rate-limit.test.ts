/**
 * Token buckets (src/core/rate-limit.ts), what every rate limit runs on (udp addresses,
 * connections' message rate, login attempts, upload quotas): the basics, costs, refunds
 * and waits, and the keyed table.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BucketTable, TokenBucket } from "../../src/core/rate-limit.js";

function taken(bucket: TokenBucket, now: number, tries: number): number {
  let n = 0;
  for (let i = 0; i < tries; i++) if (bucket.take(now)) n++;
  return n;
}

describe("token bucket", () => {
  it("lets a burst through at once, then refuses", () => {
    const b = new TokenBucket({ perSecond: 10, burst: 20 }, 0);
    assert.equal(taken(b, 0, 50), 20);
  });

  it("refills at the sustained rate, never above the burst", () => {
    const b = new TokenBucket({ perSecond: 10, burst: 20 }, 0);
    taken(b, 0, 20);
    assert.equal(taken(b, 100, 5), 1); // 100 ms at 10/s: one token
    assert.equal(taken(b, 450, 5), 3); // 350 ms more: 3.5 tokens, 3 whole
    assert.equal(taken(b, 60_000, 100), 20); // a long quiet spell refills to the burst only
  });

  it("sustains exactly the rate over a long run", () => {
    const b = new TokenBucket({ perSecond: 5, burst: 1 }, 0);
    let n = 0;
    for (let t = 0; t < 10_000; t += 10) if (b.take(t)) n++;
    assert.ok(n >= 50 && n <= 51, `${n} in 10 s at 5/s`);
  });

  it("does not go wrong when the clock steps back", () => {
    const b = new TokenBucket({ perSecond: 10, burst: 2 }, 1000);
    assert.equal(taken(b, 500, 5), 2);
    assert.equal(taken(b, 1000, 5), 0);
  });

  it("never refuses when the rate is 0 (limit off)", () => {
    const b = new TokenBucket({ perSecond: 0, burst: 0 }, 0);
    assert.equal(taken(b, 0, 1000), 1000);
  });
});

describe("token bucket: costs, refunds and waits", () => {
  it("spends a cost of several tokens only when all are there", () => {
    const b = new TokenBucket({ perSecond: 100, burst: 1000 }, 0);
    assert.equal(b.take(0, 600), true);
    assert.equal(b.take(0, 600), false, "400 left");
    assert.equal(b.take(0, 400), true);
    assert.equal(b.take(2000, 200), true, "2 s at 100/s");
  });

  it("says how long until a cost can be spent: 0 now, Infinity when it is more than the bucket holds", () => {
    const b = new TokenBucket({ perSecond: 50, burst: 100 }, 0);
    assert.equal(b.waitMs(0), 0);
    for (let i = 0; i < 100; i++) b.take(0);
    assert.equal(b.waitMs(0), 20);
    assert.equal(b.waitMs(10), 10);
    assert.equal(b.waitMs(20), 0);
    assert.equal(b.waitMs(0, 101), Infinity);
    assert.equal(new TokenBucket({ perSecond: 0, burst: 0 }, 0).waitMs(0, 1e9), 0, "limit off");
  });

  it("gives back refunded tokens, never above the burst", () => {
    const b = new TokenBucket({ perSecond: 1, burst: 2 }, 0);
    b.take(0);
    b.take(0);
    b.refund();
    assert.equal(b.take(0), true);
    b.refund(5);
    assert.equal(b.isFull(0), true);
    assert.equal(b.take(0, 3), false);
  });
});

describe("bucket table (one bucket per key)", () => {
  it("keeps a bucket per key, each starting full", () => {
    const t = new BucketTable({ perSecond: 1, burst: 2 });
    assert.equal(t.take("a", 0), true);
    assert.equal(t.take("a", 0), true);
    assert.equal(t.take("a", 0), false);
    assert.equal(t.take("b", 0), true, "b has its own");
    assert.equal(t.waitMs("a", 0), 1000);
    assert.equal(t.waitMs("never-seen", 0), 0);
  });

  it("forgets buckets that have refilled, so the table does not grow with keys that went quiet", () => {
    const t = new BucketTable({ perSecond: 10, burst: 1 });
    for (let i = 0; i < 100; i++) t.take(`k${i}`, 0);
    assert.equal(t.size, 100);
    t.take("late", 1000); // a second later every old bucket is full again
    assert.equal(t.size, 1);
  });

  it("stays within maxKeys, forgetting the least recently used", () => {
    const t = new BucketTable({ perSecond: 1, burst: 1 }, 3);
    t.take("a", 0);
    t.take("b", 0);
    t.take("c", 0);
    t.take("a", 0); // a is used again: b is now the oldest
    t.take("d", 0);
    assert.equal(t.size, 3);
    assert.equal(t.take("b", 0), true, "b was forgotten: full again");
    assert.equal(t.take("a", 0), false, "a was kept");
  });

  it("does nothing at all when off", () => {
    const t = new BucketTable({ perSecond: 0, burst: 0 });
    for (let i = 0; i < 10; i++) assert.equal(t.take("a", 0, 1e9), true);
    assert.equal(t.size, 0);
  });
});
