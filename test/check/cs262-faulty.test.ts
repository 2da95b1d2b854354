/**
 * Issue 19 acceptance: every case of `switchboard check server cs262` fails against at
 * least one deliberately broken cs262 server (test/fixtures/check/cs262-faulty.ts: a
 * proxy in front of our server that breaks one behaviour per fault), in both numberings.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { CS262_SERVER_CASES } from "../../src/check/suites/cs262/server.js";
import { CS262_FAULTS, startFaultyCs262, type Cs262Fault } from "../fixtures/check/cs262-faulty.js";
import { failEveryCase } from "../helpers/check-suite.js";
import { ANY_PORT, startHub, type TestHub } from "../helpers/server.js";

/** Short timeouts, so the unresponsive-client cases take seconds, not minutes. */
const SHORT = { loginTimeoutMs: 1000, stallTimeoutMs: 1000 };
/** Their case limits (20-45 s, for the documented defaults) scaled to about 2-4.5 s. */
const SLOW_SCALE = 0.1;

const settings = (wireVersion: 0 | 1) => (port: number): CheckSettings => ({ dialect: "cs262", view: "hex", wireVersion, server: { host: "127.0.0.1", port } });

describe("check server cs262 against broken cs262 servers", () => {
  let upstream: TestHub;
  before(async () => (upstream = await startHub({ cs262: ANY_PORT }, SHORT)));
  after(() => upstream.close());

  for (const version of [1, 0] as const) {
    it(`every case fails on at least one broken server, --wire-version ${version}`, async () => {
      const faults = (Object.keys(CS262_FAULTS) as Cs262Fault[]).filter((f) => f !== "none");
      const failedBy = await failEveryCase(CS262_SERVER_CASES, settings(version), faults, (f) => startFaultyCs262(upstream.ports["cs262"]!, f), SLOW_SCALE);
      assert.equal(failedBy.size, CS262_SERVER_CASES.length);
    });
  }
});
