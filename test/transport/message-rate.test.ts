/** MessageRate (src/transport/message-rate.ts): a token bucket that counts its refusals, and the live TCP rate. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { DialectStats } from "../../src/core/stats.js";
import { liveMessageRate, MessageRate } from "../../src/transport/message-rate.js";

describe("message rate", () => {
  it("takes the burst, then refuses, counting each refusal and how many came in a row", () => {
    const stats = new DialectStats("toy");
    const rate = new MessageRate({ perSecond: 10, burst: 2 }, 0, stats);
    assert.equal(rate.admit(0), true);
    assert.equal(rate.admit(0), true);
    assert.equal(rate.admit(0), false);
    assert.equal(rate.admit(0), false);
    assert.equal(rate.refusedInARow, 2);
    assert.equal(stats.rateLimited.msg_rate, 2);
    assert.equal(rate.waitMs(0), 100, "a token every 100 ms");
    assert.equal(rate.admit(100), true);
    assert.equal(rate.refusedInARow, 0, "a run ends with a message taken");
    assert.equal(stats.rateLimited.msg_rate, 2);
  });

  it("never refuses with the rate off", () => {
    const stats = new DialectStats("toy");
    const rate = new MessageRate({ perSecond: 0, burst: 1 }, 0, stats);
    for (let i = 0; i < 1000; i++) assert.equal(rate.admit(0), true);
    assert.equal(stats.rateLimited.msg_rate, 0);
  });

  it("reads --msg-rate and --msg-burst live, so a change reaches buckets already made; one view per limits object", () => {
    const limits: Limits = { ...DEFAULT_LIMITS, msgRate: 10, msgBurst: 0 };
    const view = liveMessageRate(limits);
    assert.equal(liveMessageRate(limits), view);
    assert.deepEqual([view.perSecond, view.burst], [10, 1], "a burst of 0 still lets one through");
    const rate = new MessageRate(view, 0, new DialectStats("toy"));
    assert.equal(rate.admit(0), true);
    assert.equal(rate.admit(0), false);
    limits.msgRate = 0; // SIGHUP turned it off
    assert.equal(rate.admit(0), true);
  });
});
