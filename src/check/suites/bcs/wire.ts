/**
 * bcs frames as seed 000 writes them, built and read here byte by byte: the tester must
 * not share a codec with the implementation it checks. Every integer is big-endian;
 * `string = len:u16 | bytes`; `flen:u32`.
 */
import type { Take } from "../../probe/stream-probe.js";

export const T = { register: 1, send: 2, deliver: 3, status: 4, sendfile: 5, fnotify: 6, getfile: 7, recvfile: 8 } as const;

/** `len:u16 | bytes` of a UTF-8 string (or of raw bytes). */
export function str(s: string | Uint8Array): Buffer {
  const body = typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

const u8 = (n: number): Buffer => Buffer.from([n]);
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export const register = (name: string): Buffer => Buffer.concat([u8(T.register), str(name)]);
export const send = (message: string | Uint8Array): Buffer => Buffer.concat([u8(T.send), str(message)]);
export const status = (code: number, message: string): Buffer => Buffer.concat([u8(T.status), u8(code), str(message)]);
/** The acknowledgement of a deliver/fnotify: `status 0 "ok"`. */
export const ACK = status(0, "ok");
export const deliver = (from: string, message: string): Buffer => Buffer.concat([u8(T.deliver), str(from), str(message)]);
export const fnotify = (user: string, file: string): Buffer => Buffer.concat([u8(T.fnotify), str(user), str(file)]);
export const getfile = (name: string): Buffer => Buffer.concat([u8(T.getfile), str(name)]);
export const sendfileHeader = (name: string, size: number): Buffer => Buffer.concat([u8(T.sendfile), str(name), u32(size)]);
export const sendfile = (name: string, contents: Uint8Array): Buffer => Buffer.concat([sendfileHeader(name, contents.length), contents]);
export const recvfile = (contents: Uint8Array): Buffer => Buffer.concat([u8(T.recvfile), u32(contents.length), contents]);

/** One frame as read off the wire (fields by type; `contents` for sendfile/recvfile). */
export type Frame =
  | { readonly type: 1; readonly name: string }
  | { readonly type: 2; readonly message: string }
  | { readonly type: 3; readonly from: string; readonly message: string }
  | { readonly type: 4; readonly code: number; readonly message: string }
  | { readonly type: 5; readonly name: string; readonly contents: Buffer }
  | { readonly type: 6; readonly user: string; readonly file: string }
  | { readonly type: 7; readonly name: string }
  | { readonly type: 8; readonly contents: Buffer }
  /** A type byte seed 000 does not define: nothing after it can be framed. */
  | { readonly type: "unknown"; readonly byte: number };

/** Thrown by a Cursor asked for bytes that have not all arrived: the frame is not whole yet. */
const NOT_YET = Symbol("not yet");

/** Reads fields from the front of a buffer; throws NOT_YET when the bytes are not all there yet. */
class Cursor {
  at = 0;
  constructor(readonly b: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.b.length) throw NOT_YET;
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const n = this.b.readUInt32BE(this.at);
    this.at += 4;
    return n;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  str(): string {
    this.need(2);
    const n = this.b.readUInt16BE(this.at);
    this.need(2 + n);
    const s = this.b.toString("utf8", this.at + 2, this.at + 2 + n);
    this.at += 2 + n;
    return s;
  }
}

/** A Take that reads one whole frame of any type (both directions). */
export const takeFrame: Take<Frame> = (p) => {
  const c = new Cursor(p);
  try {
    const frame = readFrame(c);
    return { value: frame, used: c.at };
  } catch (err) {
    if (err === NOT_YET) return undefined;
    throw err;
  }
};

/** The fields are read in the order they stand on the wire (object literals evaluate left to right). */
function readFrame(c: Cursor): Frame {
  const type = c.u8();
  switch (type) {
    case T.register:
    case T.getfile:
      return { type, name: c.str() };
    case T.send:
      return { type, message: c.str() };
    case T.deliver:
      return { type, from: c.str(), message: c.str() };
    case T.status:
      return { type, code: c.u8(), message: c.str() };
    case T.sendfile:
      return { type, name: c.str(), contents: c.bytes(c.u32()) };
    case T.fnotify:
      return { type, user: c.str(), file: c.str() };
    case T.recvfile:
      return { type, contents: c.bytes(c.u32()) };
    default:
      return { type: "unknown", byte: type };
  }
}

/** A frame as a failure report names it. */
export function describe(f: Frame): string {
  switch (f.type) {
    case 1:
      return `register ${JSON.stringify(f.name)}`;
    case 2:
      return `send ${JSON.stringify(f.message)}`;
    case 3:
      return `deliver from ${JSON.stringify(f.from)}: ${JSON.stringify(f.message)}`;
    case 4:
      return `status ${f.code} ${JSON.stringify(f.message)}`;
    case 5:
      return `sendfile ${JSON.stringify(f.name)} (${f.contents.length} bytes)`;
    case 6:
      return `fnotify ${JSON.stringify(f.user)} ${JSON.stringify(f.file)}`;
    case 7:
      return `getfile ${JSON.stringify(f.name)}`;
    case 8:
      return `recvfile (${f.contents.length} bytes)`;
    default:
      return `a frame of unknown type ${f.byte}`;
  }
}
