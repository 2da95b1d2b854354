/**
 * Account passwords (docs/cs262.md#accounts: "stored as salted scrypt hashes"). Hashing runs on
 * libuv's thread pool (the asynchronous crypto.scrypt), never on the event loop, and
 * hashes are compared in constant time.
 *
 * Stored form (stable: existing accounts depend on it):
 *   `scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>`
 * The parameters are stored with each hash, so they can be raised later without
 * invalidating existing passwords.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** OWASP's scrypt minimum (N=2^17 would need more than Node's default 32 MiB maxmem). */
const COST = { N: 1 << 14, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Ceiling for parameters read back from the store, so that a bad row cannot exhaust memory. */
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { ...options, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True when `password` matches `stored`; false also for a hash this code cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  if (![N, r, p].every(Number.isSafeInteger) || expected.length === 0) return false;
  try {
    const key = await derive(password, salt, expected.length, { N, r, p });
    return timingSafeEqual(key, expected);
  } catch {
    return false; // parameters scrypt refuses: the row is not a hash we wrote
  }
}
