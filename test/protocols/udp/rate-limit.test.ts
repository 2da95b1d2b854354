/** The token bucket that rate-limits a registered udp address (src/core/rate-limit.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenBucket } from "../../../src/core/rate-limit.js";

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
