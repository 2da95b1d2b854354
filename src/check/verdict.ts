/** How a case says FAIL or SKIP: by throwing one of these from its run(). */

export interface FailureDetail {
  /** What was sent to the implementation under test (as shown by WireView). */
  readonly sent: string;
  /** What the case expected to come back. */
  readonly expected: string;
  /** What came back instead (or "nothing within N ms", "connection closed"). */
  readonly got: string;
}

export class CheckFailure extends Error {
  constructor(readonly detail: FailureDetail) {
    super(`expected ${detail.expected}, got ${detail.got}`);
    this.name = "CheckFailure";
  }
}

export class CheckSkip extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "CheckSkip";
  }
}

export function fail(detail: FailureDetail): never {
  throw new CheckFailure(detail);
}

export function skip(reason: string): never {
  throw new CheckSkip(reason);
}
