/** Deadlines (src/transport/deadlines.ts): which one a client has missed, and how often the watchdog looks. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isIdle, missedStreamDeadline, startWatchdog, watchdogPeriod } from "../../src/transport/deadlines.js";

const limits = { loginTimeoutMs: 10_000, stallTimeoutMs: 30_000 };

describe("deadlines", () => {
  it("a TCP connection misses its login deadline only while not logged in, strictly after the timeout", () => {
    assert.equal(missedStreamDeadline(limits, 10_000, false, 0, 0), undefined, "at the timeout: not yet");
    assert.equal(missedStreamDeadline(limits, 10_001, false, 0, 0), "login_timeout");
    assert.equal(missedStreamDeadline(limits, 10_001_000, true, 0, 0), undefined, "logged in: no login deadline");
  });

  it("a frame incomplete for longer than the stall timeout is a stall; no frame, or a wait of the server's own (0), is none", () => {
    assert.equal(missedStreamDeadline(limits, 40_000, true, 0, 10_000), undefined);
    assert.equal(missedStreamDeadline(limits, 40_001, true, 0, 10_000), "stalled_frame");
    assert.equal(missedStreamDeadline(limits, 1e9, true, 0, 0), undefined);
    assert.equal(missedStreamDeadline(limits, 40_001, false, 0, 10_000), "login_timeout", "the login deadline is checked first");
  });

  it("a udp address is idle once silent for the whole idle limit", () => {
    assert.equal(isIdle(89_999, 0, 90_000), false);
    assert.equal(isIdle(90_000, 0, 90_000), true);
  });

  it("the watchdog runs every quarter of the shortest deadline, at most once a second and at least every 10 ms", async () => {
    assert.equal(watchdogPeriod(10_000), 1000);
    assert.equal(watchdogPeriod(2000), 500);
    assert.equal(watchdogPeriod(8), 10);
    const seen: number[] = [];
    const timer = startWatchdog(80, (now) => seen.push(now));
    await new Promise((r) => setTimeout(r, 110));
    clearInterval(timer);
    assert.ok(seen.length >= 3 && seen.length <= 6, `${seen.length} checks in 110 ms at 20 ms`);
    assert.ok(Math.abs(seen.at(-1)! - Date.now()) < 100, "called with the time now");
    assert.equal(timer.hasRef(), false, "the watchdog keeps no process alive");
  });
});
