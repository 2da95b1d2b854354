/**
 * `switchboard check server udp` (issue 19): every case passes against our udp server,
 * in-process and as `switchboard server udp` driven through the CLI, and every case fails
 * against at least one deliberately broken server (test/fixtures/check/udp-faulty.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CaseResult } from "../../src/check/case.js";
import { SUITES } from "../../src/check/suites/index.js";
import { UDP_FAULTS, startUdpFaulty } from "../fixtures/check/udp-faulty.js";
import { assertAllPass, assertCheckCliPasses, assertEveryCaseFails, runSuite, runSuiteQuickly, serverSettings } from "../helpers/check.js";
import { ANY_PORT, CLI, spawnServer, startHub, tempDir, withOwnServer } from "../helpers/server.js";

const CASES = SUITES.udp.server;
/**
 * Our server with a short idle limit and list period (the cases that wait for them are
 * quick then); the idle limit still well over what a case takes to register its users.
 */
const udpHub = () => startHub({ udp: { ...ANY_PORT, listIntervalMs: 1000, idleTimeoutMs: 4000 } });

describe("switchboard check server udp", () => {
  it(
    "passes every case against our udp server, strict ones included",
    { timeout: 60_000 },
    withOwnServer(udpHub, async (hub) => {
      assertAllPass(await runSuite(CASES, serverSettings("udp", hub.ports["udp"]!), { strict: true }), CASES.length);
    }),
  );

  it(
    "without --strict skips exactly the strict cases and passes the rest",
    { timeout: 60_000 },
    withOwnServer(udpHub, async (hub) => {
      const results = await runSuite(CASES, serverSettings("udp", hub.ports["udp"]!));
      for (const r of results) assert.equal(r.status, CASES.find((c) => c.id === r.id)!.strict ? "SKIP" : "PASS", r.id);
    }),
  );

  it("`switchboard check server udp --strict` against `switchboard server udp` exits 0 with every case PASS", { timeout: 90_000 }, async () => {
    const server = await spawnServer(
      CLI("switchboard"),
      ["server", "udp", "--host", "127.0.0.1", "--port", "0", "--idle-timeout", "5s", "--list-interval", "1s"],
      tempDir(),
    );
    try {
      await assertCheckCliPasses("udp", server.ports["udp"]!, CASES.length);
    } finally {
      await server.stop();
    }
  });

  it("fails every case against at least one deliberately broken server, and passes all through the faultless proxy", { timeout: 120_000 }, async () => {
    const byFault = new Map<string, CaseResult[]>();
    await Promise.all(
      UDP_FAULTS.map(async (fault) => {
        const hub = await udpHub();
        const faulty = await startUdpFaulty(hub.ports["udp"]!, fault);
        try {
          // Faults make cases wait for what never comes: shorter waits keep this quick. The
          // control runs with the same waits, so they are shown long enough to pass.
          byFault.set(fault, await runSuiteQuickly(CASES, serverSettings("udp", faulty.port)));
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
