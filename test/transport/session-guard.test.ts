/** SessionGuard (src/transport/session-guard.ts): a session's throw is logged and ends that session only. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionGuard, type Guarded } from "../../src/transport/session-guard.js";
import { captureLog } from "../helpers/capture-log.js";

function client(user: string | undefined): Guarded & { ended: number } {
  return {
    remote: "192.0.2.7:5000",
    guardedUser: user,
    ended: 0,
    sessionFailed() {
      this.ended++;
    },
  };
}

describe("session guard", () => {
  it("runs work that does not throw and ends nothing", () => {
    const { log, records } = captureLog();
    const guard = new SessionGuard(log, "toy", "session failed; closing it");
    const c = client("ann");
    let ran = false;
    guard.run(c, () => (ran = true));
    assert.equal(ran, true);
    assert.equal(c.ended, 0);
    assert.deepEqual(records, []);
  });

  it("catches a throw, logs it with the client's address and user, and ends that client's session", () => {
    const { log, records } = captureLog();
    const guard = new SessionGuard(log, "toy", "session failed; closing it");
    const c = client("ann");
    const other = client("bob");
    guard.run(c, () => {
      throw new Error("bug");
    });
    assert.equal(c.ended, 1);
    assert.equal(other.ended, 0);
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.deepEqual([r.level, r.msg, r["dialect"], r["remote"], r["user"], r["reason"]], [50, "session failed; closing it", "toy", "192.0.2.7:5000", "ann", "session_error"]);
    assert.equal((r["err"] as { message: string }).message, "bug");
  });

  it("wraps a callback (arguments passed on) in the same boundary; no user, no user field", () => {
    const { log, records } = captureLog();
    const guard = new SessionGuard(log, "udp", "udp session failed; logging it out");
    const c = client(undefined);
    const got: unknown[] = [];
    const wrapped = guard.wrap(c, (a: number, b: string) => {
      got.push(a, b);
      if (a > 1) throw new Error("late bug");
    });
    wrapped(1, "x");
    assert.deepEqual(got, [1, "x"]);
    assert.doesNotThrow(() => wrapped(2, "y"));
    assert.equal(c.ended, 1);
    assert.equal("user" in records[0]!, false);
  });
});
