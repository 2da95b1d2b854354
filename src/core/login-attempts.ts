/**
 * Refused logins per client address (--login-failures per --login-failure-window): the
 * allowance the hub's login gate (login-gate.ts) holds every login to, over every
 * dialect together, so a client cannot get around it by spreading over dialects.
 */
import type { DialectStats } from "./stats.js";
import { BucketTable } from "./rate-limit.js";

/**
 * An attempt takes one try from its address's allowance when it starts and gives it
 * back when it succeeds (or fails for a reason that is not the client's, e.g. a full
 * server), so concurrent attempts from one address (each may cost a scrypt) are bounded
 * too, not only the failures counted after.
 */
export class LoginAttempts {
  private readonly table: BucketTable;

  /**
   * @param failures refused logins an address may have per `windowMs`; 0: no limit.
   * @param keyOf what an address is counted under (the transport's `addressKey`: an
   *   IPv6 address counts by its /64); default the address itself.
   */
  constructor(
    failures: number,
    windowMs: number,
    private readonly keyOf: (address: string) => string = (address) => address,
  ) {
    this.table = new BucketTable(LoginAttempts.rate(failures, windowMs));
  }

  /** New limits (SIGHUP): addresses keep what they have used. */
  retune(failures: number, windowMs: number): void {
    this.table.retune(LoginAttempts.rate(failures, windowMs));
  }

  private static rate(failures: number, windowMs: number) {
    return { perSecond: failures > 0 ? (failures * 1000) / windowMs : 0, burst: failures };
  }

  /**
   * Start a login attempt from `address`: 0 when it may go ahead (then call `end`),
   * otherwise the milliseconds until it may (the login is refused or waits that long),
   * counted as a rate-limit hit in `counted`, the dialect's stats.
   */
  begin(address: string, counted?: DialectStats, now = Date.now()): number {
    const key = this.keyOf(address);
    if (this.table.take(key, now)) return 0;
    if (counted) counted.rateLimited.login_failures++;
    return Math.max(1, this.table.waitMs(key, now));
  }

  /** Addresses with a bucket (tries used and not yet refilled). */
  get addresses(): number {
    return this.table.size;
  }

  /** Forget addresses whose allowance has refilled (the switchboard's sweep timer). */
  sweep(now = Date.now()): void {
    this.table.sweep(now);
  }

  /** The attempt begun from `address` ended; a failure keeps the try it took. */
  end(address: string, failed: boolean, now = Date.now()): void {
    if (!failed) this.table.refund(this.keyOf(address), now);
  }
}

/**
 * A login refused for the client's doing (a name taken, owned, invalid or reserved, a
 * wrong password, an unknown account), not for the server's state (a full server).
 */
export function isRefusedLogin(result: string): boolean {
  return result !== "ok" && result !== "server_full";
}
