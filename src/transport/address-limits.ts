/**
 * Limits per client address, shared by every TCP listener of the process (a client
 * cannot get around them by spreading over dialects):
 * - ConnectionsPerAddress: connections open at once (--max-connections-per-ip);
 * - LoginAttempts: refused logins per window (--login-failures, --login-failure-window).
 *
 * An address is the client's IP, except that an IPv6 address counts by its /64 (one
 * host usually owns a whole /64 and can pick any address in it) and an IPv4-mapped IPv6
 * address counts as the IPv4 address it maps.
 *
 * Only TCP peers are counted: a udp source address can be forged, and counting forged
 * datagrams would let anyone lock a victim's address out.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { JoinResult } from "../core/errors.js";
import type { DialectStats } from "../core/stats.js";
import { BucketTable } from "../core/rate-limit.js";

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The key an address is counted under: the IPv4 address, or an IPv6 address's /64 prefix. */
export function addressKey(address: string): string {
  const mapped = MAPPED_V4.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address) || !isIPv6(address)) return address;
  const zone = address.indexOf("%");
  const bare = zone < 0 ? address : address.slice(0, zone);
  // Expand `::` to get at the first four groups.
  const [head = "", tail] = bare.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

interface Open {
  count: number;
  /** Connections refused while at the limit, since it was last below it. */
  refused: number;
}

/** Connections open at once per client address. */
export class ConnectionsPerAddress {
  private readonly open = new Map<string, Open>();

  /** @param max most connections per address; 0: no limit. Changed live on SIGHUP. */
  constructor(public max: number) {}

  /**
   * Count a new connection from `address`: 0 when it may stay open (call `close` when it
   * ends), otherwise it is refused (nothing counted) and this is the number of refusals
   * in a row for that address, for the caller's log.
   */
  admit(address: string): number {
    // Counted even without a limit, so that setting one later (SIGHUP) counts right.
    const key = addressKey(address);
    let entry = this.open.get(key);
    if (entry === undefined) {
      entry = { count: 0, refused: 0 };
      this.open.set(key, entry);
    }
    if (this.max > 0 && entry.count >= this.max) return ++entry.refused;
    entry.count++;
    return 0;
  }

  close(address: string): void {
    const key = addressKey(address);
    const entry = this.open.get(key);
    if (entry === undefined) return;
    entry.count--;
    entry.refused = 0;
    if (entry.count <= 0) this.open.delete(key);
  }

  /** Addresses with a connection open (for tests and metrics). */
  get addresses(): number {
    return this.open.size;
  }
}

/**
 * Refused logins per client address. An attempt takes one try from its address's
 * allowance when it starts and gives it back when it succeeds (or fails for a reason
 * that is not the client's, e.g. a full server), so concurrent attempts from one
 * address (each may cost a scrypt) are bounded too, not only the failures counted after.
 */
export class LoginAttempts {
  private readonly table: BucketTable;

  /** @param failures refused logins an address may have per `windowMs`; 0: no limit. */
  constructor(failures: number, windowMs: number) {
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
   * otherwise the milliseconds until it may (the dialect refuses it or waits that long),
   * counted as a rate-limit hit in `counted`, the dialect's stats.
   */
  begin(address: string, counted?: DialectStats, now = Date.now()): number {
    const key = addressKey(address);
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
    if (!failed) this.table.refund(addressKey(address), now);
  }
}

/** A join refused for the client's name (taken, owned, invalid, reserved), not for the server's state. */
export function isRefusedName(result: JoinResult): boolean {
  return result !== "ok" && result !== "server_full";
}

/** Refusals are logged at the first of a run, then every tenfold: a flood cannot flood the log. */
export function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}

/** No limits: for tests and parts that run without them. */
export const NO_LOGIN_LIMIT = new LoginAttempts(0, 60_000);
