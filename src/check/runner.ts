/**
 * Runs cases one after another, each with its own context and time limit, and turns
 * what each run threw into a verdict. Cases run in sequence: a server under test may
 * be a student's single-threaded one, and one case's traffic must not confuse another's.
 */
import { DEFAULT_CASE_MS, type CaseResult, type CheckCase } from "./case.js";
import { CheckContext, type CheckSettings } from "./context.js";
import { CheckFailure, CheckSkip } from "./verdict.js";

export interface RunOptions {
  /** Case ids, or id prefixes ending at a dot (`login` runs `login.*`); empty: all. */
  readonly only?: readonly string[];
  /** Also the cases marked strict. */
  readonly strict?: boolean;
  /** Multiplies every case's time limit (a slow machine, a server under a debugger). */
  readonly timeScale?: number;
}

/** The cases `options` selects, in suite order (what `--list` shows). */
export function selectCases(cases: readonly CheckCase[], settings: CheckSettings, options: RunOptions): CheckCase[] {
  const only = options.only ?? [];
  return cases.filter(
    (c) =>
      (only.length === 0 || only.some((o) => c.id === o || c.id.startsWith(o + "."))) &&
      (c.wireVersion === undefined || settings.wireVersion === undefined || c.wireVersion === settings.wireVersion),
  );
}

export async function runCases(
  cases: readonly CheckCase[],
  settings: CheckSettings,
  options: RunOptions,
  onResult: (result: CaseResult) => void = () => undefined,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of selectCases(cases, settings, options)) {
    const result = c.strict && !options.strict ? skipped(c, "a project decision where the seed leaves room: run with --strict") : await runOne(c, settings, options.timeScale ?? 1);
    results.push(result);
    onResult(result);
  }
  return results;
}

async function runOne(c: CheckCase, settings: CheckSettings, timeScale: number): Promise<CaseResult> {
  const ctx = new CheckContext(settings, timeScale);
  const limit = Math.round((c.timeoutMs ?? DEFAULT_CASE_MS) * timeScale);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const base = { id: c.id, title: c.title, clause: c.clause };
  try {
    await Promise.race([
      c.run(ctx),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CaseTimeout(limit)), limit))),
    ]);
    return { ...base, status: "PASS", ms: elapsed(started) };
  } catch (err) {
    const ms = elapsed(started);
    if (err instanceof CheckFailure) return { ...base, status: "FAIL", ms, ...err.detail };
    if (err instanceof CheckSkip) return { ...base, status: "SKIP", ms, reason: err.reason };
    return { ...base, status: "FAIL", ms, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
    await ctx.dispose();
  }
}

function skipped(c: CheckCase, reason: string): CaseResult {
  return { id: c.id, title: c.title, clause: c.clause, status: "SKIP", ms: 0, reason };
}

class CaseTimeout extends Error {
  constructor(ms: number) {
    super(`the case did not finish within its limit of ${ms} ms`);
  }
}

const elapsed = (started: number): number => Math.round(performance.now() - started);
