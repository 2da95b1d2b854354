/** Refused logins per client address (the allowance the hub's login gate holds every login to). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRefusedLogin, LoginAttempts } from "../../src/core/login-attempts.js";

describe("login attempts per address", () => {
  it("lets an address fail `failures` times per window, then says how long to wait", () => {
    const l = new LoginAttempts(3, 60_000);
    for (let i = 0; i < 3; i++) {
      assert.equal(l.begin("192.0.2.1", undefined, 0), 0);
      l.end("192.0.2.1", true, 0);
    }
    assert.equal(l.begin("192.0.2.1", undefined, 0), 20_000, "one try back every 20 s");
    assert.equal(l.begin("192.0.2.2", undefined, 0), 0, "another address");
    assert.equal(l.begin("192.0.2.1", undefined, 20_000), 0);
  });

  it("gives the try back when the attempt succeeds", () => {
    const l = new LoginAttempts(1, 60_000);
    for (let i = 0; i < 10; i++) {
      assert.equal(l.begin("a", undefined, 0), 0);
      l.end("a", false, 0);
    }
  });

  it("bounds attempts in flight too: each takes its try when it begins", () => {
    const l = new LoginAttempts(2, 60_000);
    assert.equal(l.begin("a", undefined, 0), 0);
    assert.equal(l.begin("a", undefined, 0), 0);
    assert.ok(l.begin("a", undefined, 0) > 0, "a third at the same time waits");
  });

  it("is off at 0 failures", () => {
    const l = new LoginAttempts(0, 60_000);
    for (let i = 0; i < 100; i++) {
      assert.equal(l.begin("a", undefined, 0), 0);
      l.end("a", true, 0);
    }
  });

  it("counts names refused for the name, not for a full server", () => {
    assert.deepEqual(
      (["ok", "name_invalid", "name_reserved", "name_taken", "name_owned", "server_full", "already_joined"] as const).map(isRefusedLogin),
      [false, true, true, true, true, false, true],
    );
  });
});
