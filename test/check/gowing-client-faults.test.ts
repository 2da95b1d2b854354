/**
 * `switchboard check client gowing` (issue 19): every case is shown to fail on a
 * deliberately broken client (test/fixtures/check/gowing-faulty-client.ts), and none
 * fails for the same client without a fault.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCases } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";
import { CLIENT_FAULTS } from "../fixtures/check/gowing-faulty.js";
import { clientSettings as settings, failures } from "./gowing-check.js";

const CASES = SUITES.gowing.client;
const FAULTY_CLIENT = new URL("../fixtures/check/gowing-faulty-client.js", import.meta.url).pathname;

describe("switchboard check client gowing against broken clients", () => {
  it("every case fails on at least one faulty client, and none fails for the same client without a fault", { timeout: 180_000 }, async (t) => {
    const faulty = (fault: string) => settings([process.execPath, FAULTY_CLIENT, fault, "{host}", "{port}"], false);
    assert.equal(failures(await runCases(CASES, faulty("none"), { strict: true })), "");
    // Each fault runs the cases no earlier fault has failed yet (the result is the same, sooner).
    const failedBy = new Map<string, string>();
    for (const fault of CLIENT_FAULTS.filter((f) => f !== "none")) {
      const only = CASES.filter((c) => !failedBy.has(c.id)).map((c) => c.id);
      if (only.length === 0) break;
      const started = Date.now();
      // Waits of half the usual: the client is a small script on this machine.
      for (const r of await runCases(CASES, faulty(fault), { strict: true, only, timeScale: 0.5 })) {
        if (r.status === "FAIL") failedBy.set(r.id, fault);
      }
      t.diagnostic(`${fault}: ${Date.now() - started} ms`);
    }
    t.diagnostic([...failedBy].map(([id, fault]) => `${id} fails with ${fault}`).join("\n"));
    assert.deepEqual(
      CASES.map((c) => c.id).filter((id) => !failedBy.has(id)),
      [],
      "these cases failed with no faulty client",
    );
  });
});
