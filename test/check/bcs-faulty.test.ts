/**
 * Issue 19 acceptance: every case of `switchboard check server bcs` fails against at
 * least one deliberately broken bcs server (test/fixtures/check/bcs-faulty.ts: a proxy
 * in front of our server that breaks one behaviour per fault), computed by running the
 * suite with --strict against each fault in turn.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { BCS_SERVER_CASES } from "../../src/check/suites/bcs/server.js";
import { BCS_FAULTS, startFaultyBcs, type BcsFault } from "../fixtures/check/bcs-faulty.js";
import { failEveryCase } from "../helpers/check-suite.js";
import { startBcs, tempDir, type TestServer } from "../helpers/server.js";

/** Short timeouts, so the unresponsive-client cases take seconds, not minutes. */
const SHORT = { ackTimeoutMs: 1500, loginTimeoutMs: 1000, stallTimeoutMs: 1000 };
/** Their case limits (20-45 s, for the documented defaults) scaled to about 2-4.5 s. */
const SLOW_SCALE = 0.1;

const settings = (port: number): CheckSettings => ({ dialect: "bcs", view: "hex", server: { host: "127.0.0.1", port } });

describe("check server bcs against broken bcs servers", () => {
  let upstream: TestServer;
  /** Where the traversal fault writes what it should not (the suite looks under the system's temporary directory). */
  const outside = tempDir("sb-check-bcs-faulty-");
  before(async () => (upstream = await startBcs(SHORT)));
  after(() => upstream.close());

  it("every case fails on at least one broken server", async () => {
    const faults = (Object.keys(BCS_FAULTS) as BcsFault[]).filter((f) => f !== "none");
    const failedBy = await failEveryCase(BCS_SERVER_CASES, settings, faults, (f) => startFaultyBcs(upstream.bcsPort, f, outside), SLOW_SCALE);
    assert.equal(failedBy.size, BCS_SERVER_CASES.length);
  });
});
