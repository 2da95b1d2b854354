/**
 * `switchboard check server cs262` (issue 19): every case passes against our own cs262
 * server in both numberings (--wire-version 0 and 1), with and without --strict, also
 * behind the transparent proxy the broken servers of cs262-faulty.test.ts are made of.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { CS262_SERVER_CASES } from "../../src/check/suites/cs262/server.js";
import { startFaultyCs262 } from "../fixtures/check/cs262-faulty.js";
import { assertAllPass, runSuite } from "../helpers/check-suite.js";
import { ANY_PORT, startHub, type TestHub } from "../helpers/server.js";

/** Short timeouts, so the unresponsive-client cases take seconds, not minutes. */
const SHORT = { loginTimeoutMs: 1000, stallTimeoutMs: 1000 };
/** Their case limits (20-45 s, for the documented defaults) scaled to about 2-4.5 s. */
const SLOW_SCALE = 0.1;

const settings = (wireVersion: 0 | 1) => (port: number): CheckSettings => ({ dialect: "cs262", view: "hex", wireVersion, server: { host: "127.0.0.1", port } });
const startCs262 = () => startHub({ cs262: ANY_PORT }, SHORT);

for (const version of [1, 0] as const) {
  describe(`check server cs262 --wire-version ${version} against our cs262 server`, () => {
    let hub: TestHub;
    before(async () => (hub = await startCs262()));
    after(() => hub.close());

    it("passes every case with --strict", async () => {
      assertAllPass(await runSuite(CS262_SERVER_CASES, settings(version)(hub.ports["cs262"]!), { strict: true }, SLOW_SCALE), CS262_SERVER_CASES, true);
    });

    it("passes every case the seed fixes, and skips the strict ones, without --strict", async () => {
      const results = await runSuite(CS262_SERVER_CASES, settings(version)(hub.ports["cs262"]!), {}, SLOW_SCALE);
      assertAllPass(results, CS262_SERVER_CASES, false);
      assert.ok(results.some((r) => r.status === "PASS") && results.some((r) => r.status === "SKIP"));
    });
  });

  describe(`check server cs262 --wire-version ${version} through the faulty-server proxy with no fault`, () => {
    let upstream: TestHub;
    before(async () => (upstream = await startCs262()));
    after(() => upstream.close());

    it("the transparent proxy breaks nothing", async () => {
      const proxy = await startFaultyCs262(upstream.ports["cs262"]!, "none");
      try {
        assertAllPass(await runSuite(CS262_SERVER_CASES, settings(version)(proxy.port), { strict: true }, SLOW_SCALE), CS262_SERVER_CASES, true);
      } finally {
        await proxy.close();
      }
    });
  });
}
