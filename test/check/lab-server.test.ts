/**
 * `switchboard check server lab` (issue 19): every case passes against our lab server,
 * in-process and as `switchboard server lab` driven through the CLI, and every case fails
 * against at least one deliberately broken server (test/fixtures/check/lab-faulty.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CaseResult } from "../../src/check/case.js";
import { SUITES } from "../../src/check/suites/index.js";
import { LAB_FAULTS, startLabFaulty } from "../fixtures/check/lab-faulty.js";
import { assertAllPass, assertCheckCliPasses, assertEveryCaseFails, runSuite, runSuiteQuickly, serverSettings } from "../helpers/check.js";
import { ANY_PORT, CLI, spawnServer, startHub, tempDir, withOwnServer } from "../helpers/server.js";

const CASES = SUITES.lab.server;
/**
 * Our server with short unresponsive-client limits (the idle cases wait for them), the
 * lab's 16 users (PR15's BUSY), and no slowing of refused logins (the suite runs many times).
 */
const LIMITS = { maxUsers: 16, loginTimeoutMs: 1000, stallTimeoutMs: 1000, loginFailures: 0 };
const labHub = () => startHub({ lab: { ...ANY_PORT, bots: [] } }, LIMITS);

describe("switchboard check server lab", () => {
  it(
    "passes every case against our lab server, strict ones included",
    { timeout: 60_000 },
    withOwnServer(labHub, async (hub) => {
      assertAllPass(await runSuite(CASES, serverSettings("lab", hub.ports["lab"]!), { strict: true }), CASES.length);
    }),
  );

  it(
    "without --strict skips exactly the strict cases and passes the rest",
    { timeout: 60_000 },
    withOwnServer(labHub, async (hub) => {
      const results = await runSuite(CASES, serverSettings("lab", hub.ports["lab"]!));
      for (const r of results) assert.equal(r.status, CASES.find((c) => c.id === r.id)!.strict ? "SKIP" : "PASS", r.id);
    }),
  );

  it("`switchboard check server lab --strict` against `switchboard server lab` exits 0 with every case PASS", { timeout: 90_000 }, async () => {
    const server = await spawnServer(
      CLI("switchboard"),
      ["server", "lab", "--address", "127.0.0.1", "--port", "0", "--login-timeout", "2s", "--stall-timeout", "2s", "--login-failures", "0"],
      tempDir(),
      10_000,
      "Server is on",
    );
    try {
      await assertCheckCliPasses("lab", server.ports["lab"]!, CASES.length);
    } finally {
      await server.stop();
    }
  });

  it("fails every case against at least one deliberately broken server, and passes all through the faultless proxy", { timeout: 120_000 }, async () => {
    const byFault = new Map<string, CaseResult[]>();
    await Promise.all(
      LAB_FAULTS.map(async (fault) => {
        const hub = await labHub();
        const faulty = await startLabFaulty(hub.ports["lab"]!, fault);
        try {
          // Faults make cases wait for what never comes: shorter waits keep this quick. The
          // control runs with the same waits, so they are shown long enough to pass.
          byFault.set(fault, await runSuiteQuickly(CASES, serverSettings("lab", faulty.port)));
        } finally {
          await faulty.close();
          await hub.close();
        }
      }),
    );
    assertAllPass(byFault.get("none")!, CASES.length);
    assertEveryCaseFails(CASES, byFault);
  });
});
