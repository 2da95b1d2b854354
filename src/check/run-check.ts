/**
 * `switchboard check`: pick the suite, run it against the server or client given,
 * print each verdict as it comes (or JSON at the end), and say whether anything failed.
 */
import type { CaseResult, CheckRole, Dialect } from "./case.js";
import type { CheckSettings } from "./context.js";
import { resultLines, summarize, summaryLine, type JsonReport } from "./report.js";
import { runCases, selectCases, type RunOptions } from "./runner.js";
import { SUITES } from "./suites/index.js";

export interface CheckRequest extends RunOptions {
  readonly role: CheckRole;
  readonly dialect: Dialect;
  readonly wireVersion?: 0 | 1;
  /** server role: the server under test. */
  readonly host: string;
  readonly port?: number;
  /** client role: the client command, and whether to run it on a pseudo-terminal. */
  readonly command?: readonly string[];
  readonly tty?: boolean;
  /** Only print the cases that would run. */
  readonly list?: boolean;
  readonly json?: boolean;
}

/** Runs the check; resolves to the exit status (0 only when nothing failed). */
export async function runCheck(request: CheckRequest, out: (line: string) => void): Promise<number> {
  const suite = SUITES[request.dialect];
  const cases = request.role === "server" ? suite.server : suite.client;
  const settings = settingsFor(request);
  if (request.list) {
    for (const c of selectCases(cases, settings, request)) out(`${c.id}  ${c.title} (${c.clause})${c.strict ? " [strict]" : ""}`);
    return 0;
  }
  const results = await runCases(cases, settings, request, request.json ? undefined : (r: CaseResult) => resultLines(r).forEach((l) => out(l)));
  const summary = summarize(results);
  if (request.json) {
    const report: JsonReport = { dialect: request.dialect, role: request.role, target: describeTarget(request, settings), results, summary };
    out(JSON.stringify(report, null, 2));
  } else {
    out(summaryLine(summary));
  }
  return summary.failed === 0 ? 0 : 1;
}

function settingsFor(r: CheckRequest): CheckSettings {
  const suite = SUITES[r.dialect];
  const wireVersion = r.dialect === "cs262" ? (r.wireVersion ?? 1) : undefined;
  const port = r.port ?? suite.defaultPort;
  if (r.role === "server") return { dialect: r.dialect, view: suite.view, wireVersion, server: { host: r.host, port } };
  const argv = r.command ?? [];
  // A command that says where to connect ({port}) gets a free port; one that does not
  // connects where its dialect's clients connect by default, so the stand-in listens there.
  const listenPort = r.port ?? (argv.some((a) => a.includes("{port}")) ? 0 : suite.defaultPort);
  return { dialect: r.dialect, view: suite.view, wireVersion, client: { argv, tty: r.tty === true, host: r.host, port: listenPort } };
}

function describeTarget(r: CheckRequest, s: CheckSettings): string {
  return s.server ? `${s.server.host}:${s.server.port}` : (r.command ?? []).join(" ");
}
