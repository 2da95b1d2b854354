/** PROXY protocol headers as a load balancer sends them, for tests (haproxy's proxy-protocol.txt). */
import { isIPv4 } from "node:net";

export interface Endpoints {
  readonly source: string;
  readonly sourcePort: number;
  readonly destination?: string;
  readonly destinationPort?: number;
}

/** `PROXY TCP4|TCP6 src dst sport dport\r\n`; the protocol follows the source address. */
export function proxyV1(e: Endpoints): Buffer {
  const v4 = isIPv4(e.source);
  const destination = e.destination ?? (v4 ? "127.0.0.1" : "::1");
  return Buffer.from(`PROXY ${v4 ? "TCP4" : "TCP6"} ${e.source} ${destination} ${e.sourcePort} ${e.destinationPort ?? 5378}\r\n`, "latin1");
}

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export interface Tlv {
  readonly type: number;
  readonly value: Buffer;
}

/** A v2 PROXY header over TCP (family and addresses from the source address), with TLVs after them. */
export function proxyV2(e: Endpoints, tlvs: readonly Tlv[] = []): Buffer {
  const v4 = isIPv4(e.source);
  const addresses = Buffer.alloc(v4 ? 12 : 36);
  const size = v4 ? 4 : 16;
  ipBytes(e.source).copy(addresses, 0);
  ipBytes(e.destination ?? (v4 ? "127.0.0.1" : "::1")).copy(addresses, size);
  addresses.writeUInt16BE(e.sourcePort, 2 * size);
  addresses.writeUInt16BE(e.destinationPort ?? 9001, 2 * size + 2);
  return proxyV2Raw(0x21, v4 ? 0x11 : 0x21, Buffer.concat([addresses, ...tlvs.map(tlvBytes)]));
}

/** A v2 LOCAL header (a proxy's own connection, e.g. a health check), with an optional block. */
export function proxyV2Local(block: Buffer = Buffer.alloc(0)): Buffer {
  return proxyV2Raw(0x20, 0x00, block);
}

/** Any v2 header: signature, version/command byte, family byte, u16 length, block. */
export function proxyV2Raw(versionCommand: number, family: number, block: Buffer, length = block.length): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = versionCommand;
  fixed[1] = family;
  fixed.writeUInt16BE(length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, block]);
}

export function tlvBytes(t: Tlv): Buffer {
  const head = Buffer.alloc(3);
  head[0] = t.type;
  head.writeUInt16BE(t.value.length, 1);
  return Buffer.concat([head, t.value]);
}

/** An IPv4 or IPv6 address (no zone) as its 4 or 16 bytes. */
export function ipBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split(".").map(Number));
  const [head = "", tail] = address.split("::");
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  // A trailing dotted quad is two groups.
  const last = t.length > 0 ? t : h;
  const quad = last.length > 0 && last[last.length - 1]!.includes(".") ? last.pop()! : undefined;
  if (quad !== undefined) {
    const q = quad.split(".").map(Number);
    last.push(((q[0]! << 8) | q[1]!).toString(16), ((q[2]! << 8) | q[3]!).toString(16));
  }
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, k) => out.writeUInt16BE(parseInt(g, 16), 2 * k));
  return out;
}
