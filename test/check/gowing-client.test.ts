/**
 * `switchboard check client gowing` (issue 19): every case passes for our own client on
 * pipes and on a pseudo-terminal. That each case can fail: gowing-client-faults.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCases } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";
import { CLI } from "../helpers/server.js";
import { HAS_SCRIPT } from "../helpers/terminal.js";
import { clientSettings as settings, failures } from "./gowing-check.js";

const CASES = SUITES.gowing.client;
const OUR_CLIENT = [process.execPath, CLI("switchboard"), "client", "gowing", "{host}", "--port", "{port}"];

describe("switchboard check client gowing against our client", () => {
  it("passes every case on pipes, with --strict", { timeout: 120_000 }, async () => {
    assert.equal(failures(await runCases(CASES, settings(OUR_CLIENT, false), { strict: true })), "");
  });

  it("passes every case on a pseudo-terminal, with --strict", { timeout: 120_000, skip: !HAS_SCRIPT && "util-linux script is not installed" }, async () => {
    assert.equal(failures(await runCases(CASES, settings(OUR_CLIENT, true), { strict: true })), "");
  });

  it("skips the strict cases without --strict", { timeout: 120_000 }, async () => {
    const results = await runCases(CASES, settings(OUR_CLIENT, false), { only: ["join.blank-refused", "join.blank-exit-code"] });
    assert.deepEqual(results.map((r) => [r.id, r.status]), [["join.blank-refused", "PASS"], ["join.blank-exit-code", "SKIP"]]);
  });
});
