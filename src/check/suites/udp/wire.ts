/**
 * CHAT UDP datagrams as seed 004 draws them, written out here (not with Switchboard's
 * codec, so the tester stays independent of what it tests): `opcode:u8 | length:u16 |
 * data`, big-endian, the RFC's numbers read as decimal (docs/udp.md).
 */
export const Op = {
  Ok: 0,
  Error: 1,
  Register: 11,
  Logout: 12,
  Public: 20,
  PublicMessage: 21,
  Private: 22,
  PrivateMessage: 23,
  Info: 40,
  InfoReply: 41,
  List: 42,
  UserList: 43,
} as const;

/** OK: opcode 0, length 0. */
export const OK = Buffer.from([0, 0, 0]);

/** One datagram: `op`, the length of `data`, `data`. */
export function datagram(op: number, data: string | Uint8Array = ""): Buffer {
  const body = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  const head = Buffer.alloc(3);
  head[0] = op;
  head.writeUInt16BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** `name \0 text`: PRIVATE and the server's 21 and 23. */
export function named(op: number, name: string, text: string): Buffer {
  return datagram(op, Buffer.concat([Buffer.from(name, "utf8"), Buffer.from([0]), Buffer.from(text, "utf8")]));
}

export interface Parsed {
  readonly op: number;
  readonly data: Buffer;
}

/** The datagram's opcode and data, or undefined when its size disagrees with its length field. */
export function parse(bytes: Buffer): Parsed | undefined {
  if (bytes.length < 3 || bytes.readUInt16BE(1) !== bytes.length - 3) return undefined;
  return { op: bytes[0]!, data: bytes.subarray(3) };
}

/** The names of a 43's data (NUL-separated; a trailing NUL says more follows). */
export function listNames(data: Buffer): { names: string[]; more: boolean } {
  const more = data.length > 0 && data[data.length - 1] === 0;
  const body = more ? data.subarray(0, data.length - 1) : data;
  return { names: body.length === 0 ? [] : body.toString("utf8").split("\0"), more };
}
