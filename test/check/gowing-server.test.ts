/**
 * `switchboard check server gowing` (issue 19): every case passes against our own
 * server. That each case can fail: gowing-server-faults.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCases } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";
import { withGowing } from "../helpers/gowing-server.js";
import { DEADLINE_SCALE, failures, isDeadline, serverSettings as settings, SHORT_DEADLINES } from "./gowing-check.js";

const CASES = SUITES.gowing.server;
describe("switchboard check server gowing against our server", () => {
  it("passes every case but the strict ones, which it skips", { timeout: 60_000 }, withGowing({}, async (server) => {
    const cases = CASES.filter((c) => !isDeadline(c));
    const results = await runCases(cases, settings(server.gowingPort), {});
    assert.equal(failures(results.filter((r) => r.status === "FAIL")), "");
    assert.deepEqual(
      results.filter((r) => r.status === "SKIP").map((r) => r.id),
      cases.filter((c) => c.strict).map((c) => c.id),
    );
  }));

  it("passes every case with --strict", { timeout: 60_000 }, withGowing({}, async (server) => {
    const results = await runCases(CASES.filter((c) => !isDeadline(c)), settings(server.gowingPort), { strict: true });
    assert.equal(failures(results), "");
  }));

  it("passes the deadline cases on a server with short deadlines", { timeout: 60_000 }, withGowing({ limits: SHORT_DEADLINES }, async (server) => {
    const cases = CASES.filter(isDeadline);
    assert.ok(cases.length > 0);
    const results = await runCases(cases, settings(server.gowingPort), { strict: true, timeScale: DEADLINE_SCALE });
    assert.equal(failures(results), "");
  }));
});
