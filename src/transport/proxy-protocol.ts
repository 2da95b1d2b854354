/**
 * The PROXY protocol header (haproxy's proxy-protocol.txt, versions 1 and 2), read
 * incrementally from the first bytes of a connection. Pure: no sockets, no timers.
 *
 * A load balancer that speaks it sends one header before any byte of the client's own,
 * saying whom it accepted the connection from. The reader is fed the connection's chunks
 * as they arrive and answers "need more", the header (with the bytes after it, which are
 * the dialect's and go to its codec unchanged), or an error. It keeps at most
 * V1_MAX_BYTES (107) of input whatever a peer declares: a v2 header's TLVs and UNIX
 * addresses are walked and skipped by counting, never buffered.
 *
 * What it accepts (strict: anything else is an error, the connection is then closed):
 * - v1: `PROXY TCP4 <src> <dst> <sport> <dport>\r\n` (dotted quads), the same with TCP6
 *   (IPv6 text, no zone), or `PROXY UNKNOWN[ anything]\r\n`; single spaces, ports
 *   decimal 0-65535 without leading zeros, the whole line at most 107 bytes.
 * - v2: the 12-byte signature, version 2, command LOCAL or PROXY, the family byte,
 *   a u16 length, then that many bytes. PROXY over TCP4/TCP6 gives the source address
 *   and port; the TLVs after the addresses must tile the rest exactly (as haproxy checks)
 *   and are otherwise ignored. LOCAL (the proxy's own health check), UNIX and UNSPEC
 *   give no address: the socket's own is used, as the specification says.
 *   A PROXY over UDP (a datagram family) is refused: these listeners are TCP.
 * No cap below the u16's 65,535 bytes is put on a v2 header: nothing of it is buffered,
 * and the whole header must arrive within the login deadline anyway (the transport's).
 */
import { isIPv4, isIPv6 } from "node:net";

export const V1_MAX_BYTES = 107;
const V1_PREFIX = Buffer.from("PROXY ", "latin1");
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** Signature, version/command, family, length. */
const V2_FIXED_BYTES = 16;
const V2_INET_BYTES = 12;
const V2_INET6_BYTES = 36;
const V2_UNIX_BYTES = 216;
const TLV_HEAD_BYTES = 3;
const CR = 0x0d;
const LF = 0x0a;

/** The client as the proxy saw it. */
export interface ProxySource {
  readonly address: string;
  readonly port: number;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** Undefined for v1 UNKNOWN, v2 LOCAL and v2 UNIX/UNSPEC: the socket's own address stands. */
  readonly source: ProxySource | undefined;
}

/** Stable codes, for logs and tests. */
export type ProxyErrorCode =
  /** The connection does not start with either signature. */
  | "PROXY_MISSING"
  | "PROXY_V1_TOO_LONG"
  /** Not `PROXY <proto> ...\r\n` with the right fields, or an unknown protocol. */
  | "PROXY_V1_MALFORMED"
  | "PROXY_V1_BAD_ADDRESS"
  | "PROXY_V1_BAD_PORT"
  | "PROXY_V2_BAD_VERSION"
  | "PROXY_V2_BAD_COMMAND"
  /** An unknown address family or transport, or PROXY over a datagram transport. */
  | "PROXY_V2_BAD_FAMILY"
  /** The length is shorter than the family's addresses. */
  | "PROXY_V2_SHORT"
  /** A TLV runs past the end of the header. */
  | "PROXY_V2_BAD_TLV"
  /** The reader was fed after it had finished. */
  | "PROXY_FINISHED";

export interface ProxyHeaderError {
  readonly code: ProxyErrorCode;
  readonly message: string;
}

export type ProxyRead =
  | { readonly kind: "need" }
  /** `rest`: what followed the header in the last chunk (it aliases that chunk). */
  | { readonly kind: "header"; readonly header: ProxyHeader; readonly rest: Buffer }
  | { readonly kind: "error"; readonly error: ProxyHeaderError };

const NEED: ProxyRead = Object.freeze({ kind: "need" });

/** Where the reader is; named states, as in the codecs. */
const State = {
  /** Nothing read yet: the first byte tells the version. */
  Start: 0,
  /** v1: collecting the line up to LF. */
  V1Line: 1,
  /** v2: collecting signature, version/command, family and length. */
  V2Fixed: 2,
  /** v2: collecting the TCP4/TCP6 addresses. */
  V2Addresses: 3,
  /** v2: collecting a TLV's type and length. */
  V2TlvHead: 4,
  /** v2: skipping bytes we do not read (a TLV's value, LOCAL/UNIX/UNSPEC blocks). */
  V2Skip: 5,
  Finished: 6,
} as const;
type State = (typeof State)[keyof typeof State];

const Command = { Local: 0x0, Proxy: 0x1 } as const;
const Family = { Unspec: 0x0, Inet: 0x1, Inet6: 0x2, Unix: 0x3 } as const;
const Transport = { Unspec: 0x0, Stream: 0x1, Dgram: 0x2 } as const;

/** One per connection: feed it chunks until it answers something other than "need". */
export class ProxyHeaderReader {
  private state: State = State.Start;
  /** The v1 line, or the v2 fixed part and addresses (at most 52 bytes). */
  private readonly buf = Buffer.allocUnsafe(V1_MAX_BYTES);
  private filled = 0;
  /** v2: bytes of the declared block not yet read. */
  private blockLeft = 0;
  /** v2: bytes to skip in V2Skip. */
  private skipLeft = 0;
  /** v2: the addresses' size (0: none are read) and where the TLVs begin. */
  private addressBytes = 0;
  private isProxyCommand = false;
  private family = 0;

  /**
   * Read the next chunk. The reader keeps no reference to `chunk` (what it needs is
   * copied into its own small buffer); `rest` of a "header" answer aliases it.
   */
  push(chunk: Buffer): ProxyRead {
    if (this.state === State.Finished) return fail("PROXY_FINISHED", "the header was already read");
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case State.Start: {
          const first = chunk[i]!;
          if (first === V1_PREFIX[0]) this.state = State.V1Line;
          else if (first === V2_SIGNATURE[0]) this.state = State.V2Fixed;
          else return this.finish(fail("PROXY_MISSING", "the connection did not start with a PROXY protocol header"));
          break;
        }
        case State.V1Line: {
          const b = chunk[i++]!;
          if (this.filled < V1_PREFIX.length && b !== V1_PREFIX[this.filled]) {
            return this.finish(fail("PROXY_MISSING", "the connection did not start with a PROXY protocol header"));
          }
          this.buf[this.filled++] = b;
          if (b === LF) return this.finish(this.v1Line(), chunk, i);
          if (this.filled === V1_MAX_BYTES) return this.finish(fail("PROXY_V1_TOO_LONG", `no CRLF within ${V1_MAX_BYTES} bytes`));
          break;
        }
        case State.V2Fixed: {
          const b = chunk[i++]!;
          const at = this.filled;
          this.buf[this.filled++] = b;
          if (at < V2_SIGNATURE.length) {
            if (b !== V2_SIGNATURE[at]) return this.finish(fail("PROXY_MISSING", "the connection did not start with a PROXY protocol header"));
          } else if (at === 12) {
            const problem = this.versionAndCommand(b);
            if (problem) return this.finish(problem);
          } else if (at === 13) {
            const problem = this.familyByte(b);
            if (problem) return this.finish(problem);
          } else if (at === 15) {
            const problem = this.blockLength(this.buf.readUInt16BE(14));
            if (problem) return this.finish(problem);
            if (this.blockLeft === 0) return this.finish(this.v2Header(), chunk, i);
          }
          break;
        }
        case State.V2Addresses: {
          this.buf[this.filled++] = chunk[i++]!;
          this.blockLeft--;
          if (this.filled === V2_FIXED_BYTES + this.addressBytes) {
            if (this.blockLeft === 0) return this.finish(this.v2Header(), chunk, i);
            if (this.blockLeft < TLV_HEAD_BYTES) return this.finish(this.partialTlv());
            this.state = State.V2TlvHead;
          }
          break;
        }
        case State.V2TlvHead: {
          // The head is collected after the addresses; filled counts past them.
          this.buf[this.filled++] = chunk[i++]!;
          this.blockLeft--;
          const headStart = V2_FIXED_BYTES + this.addressBytes;
          if (this.filled - headStart < TLV_HEAD_BYTES) break;
          const valueBytes = this.buf.readUInt16BE(headStart + 1);
          this.filled = headStart;
          if (valueBytes > this.blockLeft) {
            return this.finish(fail("PROXY_V2_BAD_TLV", `a TLV of ${valueBytes} bytes runs past the header's end (${this.blockLeft} left)`));
          }
          if (valueBytes === 0) {
            if (this.blockLeft === 0) return this.finish(this.v2Header(), chunk, i);
            if (this.blockLeft < TLV_HEAD_BYTES) return this.finish(this.partialTlv());
            break;
          }
          this.skipLeft = valueBytes;
          this.state = State.V2Skip;
          break;
        }
        case State.V2Skip: {
          const n = Math.min(this.skipLeft, chunk.length - i);
          i += n;
          this.skipLeft -= n;
          this.blockLeft -= n;
          if (this.skipLeft > 0) break;
          if (this.blockLeft === 0) return this.finish(this.v2Header(), chunk, i);
          // Only a TLV value leaves bytes after it: the next TLV.
          if (this.blockLeft < TLV_HEAD_BYTES) return this.finish(this.partialTlv());
          this.state = State.V2TlvHead;
          break;
        }
      }
    }
    return NEED;
  }

  /** v2 byte 12: the high nibble is the version, the low one the command. */
  private versionAndCommand(b: number): ProxyRead | undefined {
    const version = b >> 4;
    const command = b & 0x0f;
    if (version !== 2) return fail("PROXY_V2_BAD_VERSION", `version ${version} (only 2 has this signature)`);
    if (command !== Command.Local && command !== Command.Proxy) return fail("PROXY_V2_BAD_COMMAND", `command ${command} (0 LOCAL or 1 PROXY)`);
    this.isProxyCommand = command === Command.Proxy;
    return undefined;
  }

  /** v2 byte 13: address family and transport. LOCAL ignores it, as the specification says. */
  private familyByte(b: number): ProxyRead | undefined {
    if (!this.isProxyCommand) return undefined;
    const family = b >> 4;
    const transport = b & 0x0f;
    if (family > Family.Unix || transport > Transport.Dgram) return fail("PROXY_V2_BAD_FAMILY", `family byte 0x${b.toString(16).padStart(2, "0")}`);
    if ((family === Family.Inet || family === Family.Inet6) && transport !== Transport.Stream) {
      return fail("PROXY_V2_BAD_FAMILY", "a PROXY header for a datagram (or unspecified) transport on a TCP listener");
    }
    this.family = family;
    return undefined;
  }

  /** v2 bytes 14-15: what follows, and how it is read. */
  private blockLength(length: number): ProxyRead | undefined {
    this.blockLeft = length;
    const family = this.isProxyCommand ? this.family : Family.Unspec;
    const needed = family === Family.Inet ? V2_INET_BYTES : family === Family.Inet6 ? V2_INET6_BYTES : family === Family.Unix ? V2_UNIX_BYTES : 0;
    if (length < needed) return fail("PROXY_V2_SHORT", `length ${length} is shorter than the addresses (${needed} bytes)`);
    if (family === Family.Inet || family === Family.Inet6) {
      this.addressBytes = needed;
      this.state = State.V2Addresses;
    } else {
      // LOCAL, UNIX and UNSPEC: nothing in the block is used.
      this.skipLeft = length;
      this.state = State.V2Skip;
    }
    return undefined;
  }

  private partialTlv(): ProxyRead {
    return fail("PROXY_V2_BAD_TLV", `${this.blockLeft} bytes left at the header's end, too few for a TLV`);
  }

  private v2Header(): ProxyRead {
    const a = V2_FIXED_BYTES;
    let source: ProxySource | undefined;
    if (this.addressBytes === V2_INET_BYTES) {
      source = { address: `${this.buf[a]}.${this.buf[a + 1]}.${this.buf[a + 2]}.${this.buf[a + 3]}`, port: this.buf.readUInt16BE(a + 8) };
    } else if (this.addressBytes === V2_INET6_BYTES) {
      source = { address: formatIPv6(this.buf, a), port: this.buf.readUInt16BE(a + 32) };
    }
    return { kind: "header", header: { version: 2, source }, rest: EMPTY };
  }

  /** The v1 line in `buf`, LF included. */
  private v1Line(): ProxyRead {
    if (this.filled < 2 || this.buf[this.filled - 2] !== CR) return fail("PROXY_V1_MALFORMED", "the line does not end in CRLF");
    const fields = this.buf.toString("latin1", V1_PREFIX.length, this.filled - 2).split(" ");
    const protocol = fields[0];
    // UNKNOWN: "the receiver must ignore anything presented before the CRLF".
    if (protocol === "UNKNOWN") return { kind: "header", header: { version: 1, source: undefined }, rest: EMPTY };
    if (protocol !== "TCP4" && protocol !== "TCP6") return fail("PROXY_V1_MALFORMED", "the protocol is not TCP4, TCP6 or UNKNOWN");
    if (fields.length !== 5) return fail("PROXY_V1_MALFORMED", `${fields.length - 1} fields after ${protocol} (4 expected, one space apart)`);
    const [, source, destination, sourcePort, destinationPort] = fields as [string, string, string, string, string];
    const valid = protocol === "TCP4" ? isIPv4 : isIPv6Address;
    if (!valid(source) || !valid(destination)) return fail("PROXY_V1_BAD_ADDRESS", `not ${protocol} addresses`);
    const port = parsePort(sourcePort);
    if (port === undefined || parsePort(destinationPort) === undefined) return fail("PROXY_V1_BAD_PORT", "ports are 0-65535 in decimal, without leading zeros");
    return { kind: "header", header: { version: 1, source: { address: source, port } }, rest: EMPTY };
  }

  /** End the reader; a header takes what followed it in `chunk` as its rest. */
  private finish(result: ProxyRead, chunk?: Buffer, end = 0): ProxyRead {
    this.state = State.Finished;
    if (result.kind === "header" && chunk !== undefined && end < chunk.length) return { ...result, rest: chunk.subarray(end) };
    return result;
  }
}

const EMPTY = Buffer.alloc(0);

function fail(code: ProxyErrorCode, message: string): ProxyRead {
  return { kind: "error", error: { code, message } };
}

/** IPv6 text as the v1 header may carry it: no zone (a zone means nothing to this host). */
function isIPv6Address(text: string): boolean {
  return isIPv6(text) && !text.includes("%");
}

const PORT = /^(0|[1-9][0-9]{0,4})$/;

function parsePort(text: string): number | undefined {
  if (!PORT.test(text)) return undefined;
  const n = Number(text);
  return n <= 0xffff ? n : undefined;
}

/**
 * 16 bytes as IPv6 text (RFC 5952: lower case, the longest run of two or more zero
 * groups as `::`, leftmost on a tie), and an IPv4-mapped address as `::ffff:a.b.c.d`,
 * the form Node gives a dual-stack socket's peer, so it counts as that IPv4 address.
 */
export function formatIPv6(b: Buffer, at: number): string {
  let mapped = b[at + 10] === 0xff && b[at + 11] === 0xff;
  for (let k = 0; k < 10 && mapped; k++) mapped = b[at + k] === 0;
  if (mapped) return `::ffff:${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  const groups: number[] = [];
  for (let k = 0; k < 8; k++) groups.push(b.readUInt16BE(at + 2 * k));
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let end = k;
    while (end < 8 && groups[end] === 0) end++;
    if (end - k > bestLength) {
      bestStart = k;
      bestLength = end - k;
    }
    k = end;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
