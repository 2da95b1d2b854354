/** Running `switchboard check` suites from tests, and reading their verdicts. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { DEFAULT_CASE_MS, type CaseResult, type CheckCase, type Dialect } from "../../src/check/case.js";
import type { CheckSettings } from "../../src/check/context.js";
import { resultLines } from "../../src/check/report.js";
import { runCases, type RunOptions } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";
import { CLI } from "./server.js";

/** Settings that point a dialect's server suite at 127.0.0.1:`port`. */
export function serverSettings(dialect: Dialect, port: number): CheckSettings {
  return { dialect, view: SUITES[dialect].view, server: { host: "127.0.0.1", port } };
}

/** Settings that run a dialect's client suite against `argv` (with `{port}` in it). */
export function clientSettings(dialect: Dialect, argv: readonly string[], tty: boolean): CheckSettings {
  return { dialect, view: SUITES[dialect].view, client: { argv, tty, host: "127.0.0.1", port: 0 } };
}

export function runSuite(cases: readonly CheckCase[], settings: CheckSettings, options: RunOptions = {}): Promise<CaseResult[]> {
  return runCases(cases, settings, options);
}

/** Every result PASS; otherwise the report of those that are not. */
export function assertAllPass(results: readonly CaseResult[], expectedCount: number): void {
  assert.equal(results.length, expectedCount, "every case ran");
  const bad = results.filter((r) => r.status !== "PASS");
  assert.equal(bad.length, 0, `cases that did not pass:\n${bad.flatMap(resultLines).join("\n")}`);
}

/**
 * Fault name -> the results of the suite against a server with that fault. Asserts that
 * every case FAILED against at least one fault, and lists those that never did.
 */
export function assertEveryCaseFails(cases: readonly CheckCase[], byFault: ReadonlyMap<string, readonly CaseResult[]>): void {
  const caught = new Map<string, string[]>(cases.map((c) => [c.id, []]));
  for (const [fault, results] of byFault) {
    for (const r of results) if (r.status === "FAIL") caught.get(r.id)?.push(fault);
  }
  const never = [...caught].filter(([, faults]) => faults.length === 0).map(([id]) => id);
  assert.deepEqual(never, [], `cases that no faulty server made FAIL: ${never.join(", ")}`);
}

/**
 * For each case, the first of `faults` under which it FAILS (undefined: none did),
 * trying faults in order and stopping at the first failure; `parallel` cases at a time.
 * Cheaper than the whole matrix when each run starts a process.
 */
export async function firstFailingFault<F extends string>(
  cases: readonly CheckCase[],
  faults: readonly F[],
  runCase: (fault: F, c: CheckCase) => Promise<CaseResult>,
  parallel = 4,
): Promise<Map<string, F | undefined>> {
  const found = new Map<string, F | undefined>();
  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      found.set(c.id, undefined);
      for (const fault of faults) {
        if ((await runCase(fault, c)).status === "FAIL") {
          found.set(c.id, fault);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return found;
}

/** Asserts that `firstFailingFault` found a fault for every case. */
export function assertFaultForEveryCase(found: ReadonlyMap<string, string | undefined>): void {
  const never = [...found].filter(([, fault]) => fault === undefined).map(([id]) => id);
  assert.deepEqual(never, [], `cases that no faulty implementation made FAIL: ${never.join(", ")}`);
}

/**
 * The suite with short waits, for runs against faulty servers where many waits run out:
 * half the usual waits, and a fifth for the cases that wait for a server's timeout
 * (their limit is over the default; a server under test runs with short timeouts).
 */
export async function runSuiteQuickly(cases: readonly CheckCase[], settings: CheckSettings): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const timeScale = (c.timeoutMs ?? DEFAULT_CASE_MS) > DEFAULT_CASE_MS ? 0.2 : 0.5;
    results.push(...(await runCases([c], settings, { strict: true, timeScale })));
  }
  return results;
}

/**
 * `switchboard check server <dialect> --strict` run as a process against `port`: it exits
 * 0, every one of the `caseCount` cases is PASS, and the summary line says so.
 */
export async function assertCheckCliPasses(dialect: Dialect, port: number, caseCount: number): Promise<void> {
  const check = spawn(process.execPath, [CLI("switchboard"), "check", "server", dialect, "--port", String(port), "--strict"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  check.stdout.on("data", (d) => (out += d));
  check.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => check.on("close", resolve));
  assert.equal(code, 0, out);
  assert.equal(out.match(/^PASS /gm)?.length, caseCount, out);
  assert.match(out, new RegExp(`^${caseCount} passed, 0 failed, 0 skipped$`, "m"));
}
