/**
 * A conformance case: one behaviour of one dialect, checked against someone's server or
 * client. Cases are plain objects in a list (suites/<dialect>/), so `--list` and
 * `--only` need nothing but the list.
 */
import type { CheckContext } from "./context.js";

export type Dialect = "lab" | "gowing" | "bcs" | "cs262" | "udp";
export type CheckRole = "server" | "client";

export interface CheckCase {
  /** Stable and unique within its suite, e.g. `login.name-in-use`: what `--only` matches. */
  readonly id: string;
  /** One line: what the case checks, in the user's words. */
  readonly title: string;
  /**
   * Where the rule comes from: a seed clause (`seed 001 PR3`, `seed 000 clarification 4`)
   * or a section of this repository's docs (`docs/lab.md#lines`).
   */
  readonly clause: string;
  /**
   * A point where the seed leaves room and this project made a decision: run only with
   * `--strict`, since another implementation may rightly decide otherwise.
   */
  readonly strict?: boolean;
  /** Only for this numbering (cs262: `--wire-version 0|1`); absent: every numbering. */
  readonly wireVersion?: 0 | 1;
  /** The case's own limit in milliseconds (default DEFAULT_CASE_MS). */
  readonly timeoutMs?: number;
  /** Throws a CheckFailure (fail) or CheckSkip (skip); returning is a pass. */
  run(ctx: CheckContext): Promise<void>;
}

/**
 * What a case says of itself, without how it runs: where cases of one suite run the same
 * steps with different values, a builder takes this and the values and returns the case.
 */
export type CaseInfo = Omit<CheckCase, "run">;

export const DEFAULT_CASE_MS = 10_000;

export type CaseStatus = "PASS" | "FAIL" | "SKIP";

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly clause: string;
  readonly status: CaseStatus;
  readonly ms: number;
  /** FAIL: what the case sent, what it expected, and what came back instead. */
  readonly sent?: string;
  readonly expected?: string;
  readonly got?: string;
  /** SKIP: why; FAIL without a wire exchange (e.g. a client's exit code): the message. */
  readonly reason?: string;
}
