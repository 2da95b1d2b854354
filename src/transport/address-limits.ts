/**
 * Connections open at once per client address (--max-connections-per-ip), shared by
 * every TCP listener of the process (a client cannot get around the limit by spreading
 * over dialects). Refused logins per address are the hub's (core/login-attempts.ts),
 * counted under the same `addressKey`.
 *
 * An address is the client's IP, except that an IPv6 address counts by its /64 (one
 * host usually owns a whole /64 and can pick any address in it) and an IPv4-mapped IPv6
 * address counts as the IPv4 address it maps.
 *
 * Only TCP peers are counted: a udp source address can be forged, and counting forged
 * datagrams would let anyone lock a victim's address out.
 */
import { isIPv4, isIPv6 } from "node:net";

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

/** Refusals are logged at the first of a run, then every tenfold: a flood cannot flood the log. */
export function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}
