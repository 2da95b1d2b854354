/** The results as a person reads them (one line per case, details under a FAIL) or as JSON for CI. */
import type { CaseResult } from "./case.js";

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.status === "PASS") passed++;
    else if (r.status === "FAIL") failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}

export function summaryLine(s: Summary): string {
  return `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
}

/** One case's lines: `PASS  id  title (clause)  12 ms`, and under a FAIL or SKIP why. */
export function resultLines(r: CaseResult): string[] {
  const lines = [`${r.status.padEnd(4)}  ${r.id}  ${r.title} (${r.clause})  ${r.ms} ms`];
  if (r.status === "FAIL") {
    if (r.expected !== undefined) {
      lines.push(`      sent:     ${r.sent}`, `      expected: ${r.expected}`, `      got:      ${r.got}`);
    } else {
      lines.push(`      ${r.reason}`);
    }
  } else if (r.status === "SKIP" && r.reason) {
    lines.push(`      ${r.reason}`);
  }
  return lines;
}

export interface JsonReport {
  readonly dialect: string;
  readonly role: string;
  readonly target: string;
  readonly results: readonly CaseResult[];
  readonly summary: Summary;
}
