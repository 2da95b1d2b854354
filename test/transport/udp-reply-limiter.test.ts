/** Anti-reflection limits for replies to unregistered udp addresses (docs/udp.md#anti-abuse). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReplyLimiter, UNVERIFIED_REPLY_LIMITS } from "../../src/transport/reply-limiter.js";

describe("reply limiter for unverified addresses", () => {
  it("uses the numbers of docs/udp.md#anti-abuse: 5 a second, at most 64 bytes", () => {
    assert.equal(UNVERIFIED_REPLY_LIMITS.perWindow, 5);
    assert.equal(UNVERIFIED_REPLY_LIMITS.windowMs, 1000);
    assert.equal(UNVERIFIED_REPLY_LIMITS.maxBytes, 64);
  });

  it("allows 5 replies in a second to one address, then none until the window slides", () => {
    const l = new ReplyLimiter();
    const allowed = [0, 100, 200, 300, 400, 500, 900].map((t) => l.allow("a", 10, t));
    assert.deepEqual(allowed, [true, true, true, true, true, false, false]);
    assert.equal(l.allow("a", 10, 999), false);
    assert.equal(l.allow("a", 10, 1000), true); // the reply at 0 left the window
    assert.equal(l.allow("a", 10, 1001), false);
    assert.equal(l.allow("a", 10, 1100), true);
  });

  it("never allows more than 5 in any one-second window, whatever the timing", () => {
    const l = new ReplyLimiter();
    const sent: number[] = [];
    for (let t = 0; t < 5000; t += 37) if (l.allow("a", 3, t)) sent.push(t);
    for (const start of sent) assert.ok(sent.filter((t) => t >= start && t < start + 1000).length <= 5);
    assert.ok(sent.length >= 20, `only ${sent.length} replies in 5 s`);
  });

  it("counts each address on its own", () => {
    const l = new ReplyLimiter();
    for (let i = 0; i < 5; i++) assert.equal(l.allow("a", 3, 0), true);
    assert.equal(l.allow("a", 3, 0), false);
    assert.equal(l.allow("b", 3, 0), true);
  });

  it("refuses any reply over 64 bytes, without counting it", () => {
    const l = new ReplyLimiter();
    assert.equal(l.allow("a", 65, 0), false);
    assert.equal(l.allow("a", 64, 0), true);
    assert.equal(l.tracked, 1);
  });

  it("bounds its table and fails closed when full, until expired entries are swept", () => {
    const l = new ReplyLimiter({ ...UNVERIFIED_REPLY_LIMITS, maxTracked: 3 });
    for (const k of ["a", "b", "c"]) assert.equal(l.allow(k, 3, 0), true);
    assert.equal(l.allow("d", 3, 10), false, "a fourth address while the table is full");
    assert.equal(l.tracked, 3);
    assert.equal(l.allow("a", 3, 10), true, "known addresses keep their own budget");
    l.expire(500);
    assert.equal(l.tracked, 3, "nothing is a second old yet");
    l.expire(1010);
    assert.equal(l.tracked, 0);
    assert.equal(l.allow("d", 3, 1010), true);
  });
});
