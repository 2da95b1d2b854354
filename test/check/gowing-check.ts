/** What the gowing check tests share: where the suite is pointed, and its failures as one readable text. */
import type { CaseResult, CheckCase } from "../../src/check/case.js";
import type { CheckSettings } from "../../src/check/context.js";
import { runCases } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";

/** Settings for checking the gowing server on 127.0.0.1:`port`. */
export const serverSettings = (port: number): CheckSettings => ({ dialect: "gowing", view: SUITES.gowing.view, server: { host: "127.0.0.1", port } });

/** Settings for checking the gowing client `argv` ({host} and {port} replaced), on pipes or on a terminal. */
export const clientSettings = (argv: readonly string[], tty: boolean): CheckSettings => ({
  dialect: "gowing",
  view: SUITES.gowing.view,
  client: { argv, tty, host: "127.0.0.1", port: 0 },
});

/** Every result but a PASS, one line each with why: "" when all passed. */
export function failures(results: readonly CaseResult[]): string {
  return results
    .filter((r) => r.status !== "PASS")
    .map((r) => `${r.status} ${r.id}: ${r.reason ?? `sent ${r.sent}, expected ${r.expected}, got ${r.got}`}`.slice(0, 800))
    .join("\n");
}

/** The deadline cases wait for the server's own deadlines: run against a server whose deadlines are short. */
export const isDeadline = (c: CheckCase): boolean => c.id.startsWith("idle.");
export const SHORT_DEADLINES = { loginTimeoutMs: 1500, stallTimeoutMs: 1500 };
/** The deadline cases wait 13 s and 35 s (10 s and 30 s and a margin): scaled to the short deadlines. */
export const DEADLINE_SCALE = 0.2;

/** Every case in `cases`: the deadline ones scaled to a server with SHORT_DEADLINES. */
export async function runAll(cases: readonly CheckCase[], port: number, options: { strict?: boolean; only?: string[]; timeScale?: number } = {}): Promise<CaseResult[]> {
  return [
    ...(await runCases(cases.filter((c) => !isDeadline(c)), serverSettings(port), options)),
    ...(await runCases(cases.filter(isDeadline), serverSettings(port), { ...options, timeScale: DEADLINE_SCALE })),
  ];
}
