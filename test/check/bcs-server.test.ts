/**
 * `switchboard check server bcs` (issue 19): every case passes against our own bcs
 * server, with and without --strict, also behind the transparent proxy the broken
 * servers of bcs-faulty.test.ts are made of.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { BCS_SERVER_CASES } from "../../src/check/suites/bcs/server.js";
import { startFaultyBcs } from "../fixtures/check/bcs-faulty.js";
import { assertAllPass, runSuite } from "../helpers/check-suite.js";
import { startBcs, type TestServer } from "../helpers/server.js";

/** Short timeouts (bcs-faulty.test.ts uses the same), so the unresponsive-client cases take seconds, not minutes. */
const SHORT = { ackTimeoutMs: 1500, loginTimeoutMs: 1000, stallTimeoutMs: 1000 };
/** Their case limits (20-45 s, for the documented defaults) scaled to about 2-4.5 s. */
const SLOW_SCALE = 0.1;

const settings = (port: number): CheckSettings => ({ dialect: "bcs", view: "hex", server: { host: "127.0.0.1", port } });

describe("check server bcs against our bcs server", () => {
  let server: TestServer;
  before(async () => (server = await startBcs(SHORT)));
  after(() => server.close());

  it("passes every case with --strict", async () => {
    assertAllPass(await runSuite(BCS_SERVER_CASES, settings(server.bcsPort), { strict: true }, SLOW_SCALE), BCS_SERVER_CASES, true);
  });

  it("passes every case the seed fixes, and skips the strict ones, without --strict", async () => {
    const results = await runSuite(BCS_SERVER_CASES, settings(server.bcsPort), {}, SLOW_SCALE);
    assertAllPass(results, BCS_SERVER_CASES, false);
    assert.ok(results.some((r) => r.status === "PASS") && results.some((r) => r.status === "SKIP"));
  });
});

describe("check server bcs through the faulty-server proxy with no fault", () => {
  let upstream: TestServer;
  before(async () => (upstream = await startBcs(SHORT)));
  after(() => upstream.close());

  it("the transparent proxy breaks nothing", async () => {
    const proxy = await startFaultyBcs(upstream.bcsPort, "none");
    try {
      assertAllPass(await runSuite(BCS_SERVER_CASES, settings(proxy.port), { strict: true }, SLOW_SCALE), BCS_SERVER_CASES, true);
    } finally {
      await proxy.close();
    }
  });
});
