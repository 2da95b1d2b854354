/**
 * The value of a claim in the names bucket (docs/cluster.md#names): who holds the name.
 * Written once per login and read once per login by every node, so it is a few bytes
 * with length prefixes, not JSON:
 *
 *   [1: format = 1][1: node length][node][1: dialect length][dialect][display name, UTF-8, to the end]
 *
 * Node names are tokens of at most 64 characters (keys.ts) and dialect names short
 * ASCII words, so one length byte each is enough; the display name takes the rest.
 * Stable: nodes of one cluster read each other's claims, so a change needs a new format byte.
 */

export interface ClaimHolder {
  /** The display name, as its user chose it. */
  readonly name: string;
  readonly dialect: string;
  /** The node the user is logged in on. */
  readonly node: string;
}

const FORMAT = 1;
const MAX_SHORT = 255;

export function encodeClaim(holder: ClaimHolder): Uint8Array {
  const node = Buffer.byteLength(holder.node, "utf8");
  const dialect = Buffer.byteLength(holder.dialect, "utf8");
  if (node > MAX_SHORT || dialect > MAX_SHORT) throw new Error(`claim of "${holder.name}": node or dialect name over ${MAX_SHORT} bytes`);
  const out = Buffer.allocUnsafe(3 + node + dialect + Buffer.byteLength(holder.name, "utf8"));
  let at = 0;
  out[at++] = FORMAT;
  out[at++] = node;
  at += out.write(holder.node, at, "utf8");
  out[at++] = dialect;
  at += out.write(holder.dialect, at, "utf8");
  out.write(holder.name, at, "utf8");
  return out;
}

/** The holder a claim's value names, or undefined when it is not a claim this code wrote (the caller logs it). */
export function decodeClaim(value: Uint8Array): ClaimHolder | undefined {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength); // a view, no copy
  if (bytes.length < 3 || bytes[0] !== FORMAT) return undefined;
  let at = 1;
  const nodeEnd = at + 1 + bytes[at]!;
  if (nodeEnd >= bytes.length) return undefined;
  const node = bytes.toString("utf8", at + 1, nodeEnd);
  at = nodeEnd;
  const dialectEnd = at + 1 + bytes[at]!;
  if (dialectEnd > bytes.length) return undefined;
  const dialect = bytes.toString("utf8", at + 1, dialectEnd);
  const name = bytes.toString("utf8", dialectEnd);
  if (node === "" || name === "") return undefined;
  return { name, dialect, node };
}
