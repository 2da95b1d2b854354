/**
 * Running a `switchboard check` suite inside a test: against our own server (every case
 * must pass) and against deliberately broken ones (every case must fail on at least one).
 */
import assert from "node:assert/strict";
import { DEFAULT_CASE_MS, type CaseResult, type CheckCase } from "../../src/check/case.js";
import type { CheckSettings } from "../../src/check/context.js";
import { resultLines } from "../../src/check/report.js";
import { runCases, type RunOptions } from "../../src/check/runner.js";

/** Cases with a limit over the default wait for a server's timeout (login, ack, stall). */
export const isSlow = (c: CheckCase): boolean => (c.timeoutMs ?? DEFAULT_CASE_MS) > DEFAULT_CASE_MS;

/**
 * Run `cases` (slow ones with their limit scaled by `slowScale`, since a test's server
 * has short timeouts) and return the results in suite order.
 */
export async function runSuite(cases: readonly CheckCase[], settings: CheckSettings, options: RunOptions, slowScale = 1): Promise<CaseResult[]> {
  const fast = await runCases(cases.filter((c) => !isSlow(c)), settings, options);
  const slow = await runCases(cases.filter(isSlow), settings, { ...options, timeScale: slowScale });
  const byId = new Map([...fast, ...slow].map((r) => [r.id, r]));
  return cases.filter((c) => byId.has(c.id)).map((c) => byId.get(c.id)!);
}

/** Every result is PASS (or, without --strict, a SKIP of a strict case); the failures are shown whole. */
export function assertAllPass(results: readonly CaseResult[], cases: readonly CheckCase[], strict: boolean): void {
  const strictIds = new Set(cases.filter((c) => c.strict).map((c) => c.id));
  const bad = results.filter((r) => !(r.status === "PASS" || (!strict && r.status === "SKIP" && strictIds.has(r.id))));
  assert.deepEqual(bad.flatMap(resultLines), [], "every case passes");
  assert.equal(results.length, cases.length, "every case ran");
}

export interface Faulty {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Run the suite with --strict against each faulty server in turn (only the cases no
 * earlier fault has failed yet) and return, for each case id, the first fault that made
 * it FAIL. Asserts that every case failed on some fault: a case no broken server can
 * fail checks nothing.
 */
export async function failEveryCase<F extends string>(
  cases: readonly CheckCase[],
  settingsFor: (port: number) => CheckSettings,
  faults: readonly F[],
  start: (fault: F) => Promise<Faulty>,
  slowScale: number,
): Promise<Map<string, F>> {
  const failedBy = new Map<string, F>();
  for (const fault of faults) {
    const remaining = cases.filter((c) => !failedBy.has(c.id));
    if (remaining.length === 0) break;
    const server = await start(fault);
    try {
      for (const r of await runSuite(remaining, settingsFor(server.port), { strict: true }, slowScale)) {
        if (r.status === "FAIL") failedBy.set(r.id, fault);
      }
    } finally {
      await server.close();
    }
  }
  assert.deepEqual(cases.map((c) => c.id).filter((id) => !failedBy.has(id)), [], "every case fails on at least one faulty server");
  return failedBy;
}
