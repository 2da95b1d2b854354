/**
 * cs262 frames as seed 002 writes them, built and read here byte by byte (the tester
 * shares no codec with what it checks): `version:u8 | command:u8 | data_len: 40-byte
 * unsigned big-endian | data`, data being ASCII strings joined by `|||`.
 *
 * The seed names the commands but gives them no numbers; docs/cs262.md#frames fixes two
 * numberings, chosen per connection by the version byte: version 1 (CREATE = 1, ...)
 * and version 0, the original implementation's, the same commands one lower.
 */
import type { Take } from "../../probe/stream-probe.js";

export type Version = 0 | 1;

export const COMMANDS = ["CREATE", "LIST", "SEND", "DELIVER", "DELETE", "LOGIN", "RESPONSE", "LISTRESPONSE"] as const;
export type CommandName = (typeof COMMANDS)[number];

export const HEADER_BYTES = 42;
export const SEPARATOR = "|||";

/** The command byte of `name` in `version`'s numbering. */
export function commandByte(version: Version, name: CommandName): number {
  return COMMANDS.indexOf(name) + (version === 1 ? 1 : 0);
}

/** The name of command byte `byte` in `version`'s numbering (undefined: not a command there). */
export function commandName(version: Version, byte: number): CommandName | undefined {
  return COMMANDS[byte - (version === 1 ? 1 : 0)];
}

/** A header with `length` as the 40-byte big-endian data_len (a bigint reaches past 2^64). */
export function header(version: number, command: number, length: number | bigint): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h[0] = version;
  h[1] = command;
  let n = BigInt(length);
  for (let i = HEADER_BYTES - 1; i >= 2 && n > 0n; i--) {
    h[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return h;
}

/** A whole frame: `fields` joined by `|||` as its data. */
export function frame(version: Version, command: CommandName, fields: readonly string[] = []): Buffer {
  return frameOf(version, command, Buffer.from(fields.join(SEPARATOR), "latin1"));
}

/** A whole frame with `data` as it is (e.g. bytes that are not ASCII). */
export function frameOf(version: Version, command: CommandName, data: Uint8Array): Buffer {
  return Buffer.concat([header(version, commandByte(version, command), data.length), data]);
}

export interface Frame {
  readonly version: number;
  readonly command: number;
  readonly data: Buffer;
}

/** Frames larger than this are not waited for (a server that announces 2^300 bytes is broken). */
const MAX_READ_BYTES = 16 << 20;

/** A Take that reads one whole frame. */
export const takeFrame: Take<Frame> = (p) => {
  if (p.length < HEADER_BYTES) return undefined;
  let length = 0;
  for (let i = 2; i < HEADER_BYTES; i++) {
    length = length * 256 + p[i]!;
    if (length > MAX_READ_BYTES) return { value: { version: p[0]!, command: p[1]!, data: Buffer.from(`(data_len over ${MAX_READ_BYTES} bytes)`) }, used: p.length };
  }
  if (p.length < HEADER_BYTES + length) return undefined;
  return { value: { version: p[0]!, command: p[1]!, data: Buffer.from(p.subarray(HEADER_BYTES, HEADER_BYTES + length)) }, used: HEADER_BYTES + length };
};

/** The data's fields; at most `n` of them, the last keeping every separator after it. */
export function fields(data: Buffer, n = Infinity): string[] {
  const text = data.toString("latin1");
  if (text === "") return [];
  const out: string[] = [];
  let rest = text;
  while (out.length < n - 1) {
    const at = rest.indexOf(SEPARATOR);
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + SEPARATOR.length);
  }
  out.push(rest);
  return out;
}

/** A frame as a failure report names it, in `version`'s numbering. */
export function describe(f: Frame, version: Version): string {
  const name = f.version === version ? commandName(version, f.command) : undefined;
  return `${name ?? `command ${f.command}`} (version ${f.version}) ${JSON.stringify(f.data.toString("latin1"))}`;
}
