/**
 * CHAT UDP codec: pure datagram <-> UdpFrame, no I/O (seed 004, docs/udp.md#datagrams).
 * `opcode:u8 | length:u16 | data[length]`, big-endian. A datagram is decoded whole; a
 * size that disagrees with `length` is malformed. Text is UTF-8 (invalid sequences
 * become U+FFFD, as in bcs). Decoding never throws and allocates only for bytes that
 * arrived; encoding keeps every server datagram within MAX_SERVER_DATAGRAM.
 */
import type { CodecError, DatagramCodec, DecodedDatagram } from "../../transport/datagram-codec.js";
import { HEADER_BYTES, MAX_SERVER_DATAGRAM, Op, type UdpFrame } from "./frames.js";

// Every message here may be sent back as an Error to an unregistered address, so each
// one fits the 64-byte reply limit (docs/udp.md#anti-abuse) with room to spare.
const error = (code: string, message: string): CodecError => Object.freeze({ code, message, fatal: false });
export const CodecErrors = {
  short: error("CODEC_SHORT", "malformed: shorter than the 3-byte header"),
  lengthMismatch: error("CODEC_LENGTH_MISMATCH", "malformed: length disagrees with datagram size"),
  unknownOpcode: error("CODEC_UNKNOWN_OPCODE", "unknown opcode"),
  unexpectedData: error("CODEC_UNEXPECTED_DATA", "malformed: this opcode takes no data"),
  missingSeparator: error("CODEC_MISSING_SEPARATOR", "malformed: no NUL after the name"),
  emptyName: error("CODEC_EMPTY_NAME", "malformed: empty name in the list"),
} as const;

// Frames without data are shared, not allocated per datagram.
const OK_FRAME: UdpFrame = Object.freeze({ op: Op.Ok });
const LOGOUT_FRAME: UdpFrame = Object.freeze({ op: Op.Logout });
const INFO_FRAME: UdpFrame = Object.freeze({ op: Op.Info });
const LIST_FRAME: UdpFrame = Object.freeze({ op: Op.List });

const NUL = 0;

function fail(error: CodecError, datagram: Buffer): DecodedDatagram<UdpFrame> {
  return { ok: false, error, typeByte: datagram.length > 0 ? datagram[0] : undefined };
}

function frame(f: UdpFrame): DecodedDatagram<UdpFrame> {
  return { ok: true, frame: f };
}

export function decodeDatagram(d: Buffer): DecodedDatagram<UdpFrame> {
  if (d.length < HEADER_BYTES) return fail(CodecErrors.short, d);
  // docs/udp.md#datagrams: a datagram whose size disagrees with `length` is malformed.
  if (d.readUInt16BE(1) !== d.length - HEADER_BYTES) return fail(CodecErrors.lengthMismatch, d);
  const op = d[0]!;
  const dataLength = d.length - HEADER_BYTES;
  switch (op) {
    case Op.Ok:
    case Op.Logout:
    case Op.Info:
    case Op.List:
      // RFC 0.1, 2.1, 3.1, 3.3 draw these with a zero length and nothing after it.
      if (dataLength !== 0) return fail(CodecErrors.unexpectedData, d);
      return frame(op === Op.Ok ? OK_FRAME : op === Op.Logout ? LOGOUT_FRAME : op === Op.Info ? INFO_FRAME : LIST_FRAME);
    case Op.Error:
      return frame({ op, message: d.toString("utf8", HEADER_BYTES) });
    case Op.Register:
      return frame({ op, name: d.toString("utf8", HEADER_BYTES) });
    case Op.Public:
      return frame({ op, text: d.toString("utf8", HEADER_BYTES) });
    case Op.InfoReply:
      return frame({ op, info: d.toString("utf8", HEADER_BYTES) });
    case Op.PublicMessage:
    case Op.Private:
    case Op.PrivateMessage: {
      // `name\0text`: the name ends at the first NUL; the text is the rest, NULs and all.
      const nul = d.indexOf(NUL, HEADER_BYTES);
      if (nul < 0) return fail(CodecErrors.missingSeparator, d);
      const name = d.toString("utf8", HEADER_BYTES, nul);
      const text = d.toString("utf8", nul + 1);
      return frame(op === Op.Private ? { op, to: name, text } : { op, from: name, text });
    }
    case Op.UserList:
      return decodeUserList(d);
    default:
      return fail(CodecErrors.unknownOpcode, d);
  }
}

/** 43: names joined by NUL; a trailing NUL means another datagram follows (docs/udp.md#the-user-list-43). */
function decodeUserList(d: Buffer): DecodedDatagram<UdpFrame> {
  const names: string[] = [];
  let more = false;
  let at = HEADER_BYTES;
  while (at < d.length) {
    let nul = d.indexOf(NUL, at);
    if (nul < 0) nul = d.length;
    else if (nul === d.length - 1) more = true;
    if (nul === at) return fail(CodecErrors.emptyName, d);
    names.push(d.toString("utf8", at, nul));
    at = nul + 1;
  }
  return frame({ op: Op.UserList, names, more });
}

// ---- encoding ----------------------------------------------------------------------

/** OK is always the same three bytes `00 00 00` (docs/udp.md#datagrams). Never modify it. */
export const OK_DATAGRAM: Buffer = Buffer.from([Op.Ok, 0, 0]);

function withHeader(op: number, dataLength: number): Buffer {
  if (dataLength > 0xffff) throw new RangeError(`udp data of ${dataLength} bytes does not fit a u16 length`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + dataLength);
  out[0] = op;
  out.writeUInt16BE(dataLength, 1);
  return out;
}

/** A frame without data: LOGOUT, INFO, LIST (and OK). */
export function encodeEmpty(op: typeof Op.Ok | typeof Op.Logout | typeof Op.Info | typeof Op.List): Buffer {
  return op === Op.Ok ? Buffer.from(OK_DATAGRAM) : withHeader(op, 0);
}

/** A frame whose data is one string: Error, REGISTER, PUBLIC, the INFO reply. */
export function encodeText(op: typeof Op.Error | typeof Op.Register | typeof Op.Public | typeof Op.InfoReply, s: string): Buffer {
  const out = withHeader(op, Buffer.byteLength(s, "utf8"));
  out.write(s, HEADER_BYTES, "utf8");
  return out;
}

/** `name\0text`: PRIVATE from a client, 21 and 23 from the server (one datagram, any size). */
export function encodeNamed(op: typeof Op.PublicMessage | typeof Op.Private | typeof Op.PrivateMessage, name: string, text: string): Buffer {
  const nameLength = Buffer.byteLength(name, "utf8");
  const out = withHeader(op, nameLength + 1 + Buffer.byteLength(text, "utf8"));
  out.write(name, HEADER_BYTES, "utf8");
  out[HEADER_BYTES + nameLength] = NUL;
  out.write(text, HEADER_BYTES + nameLength + 1, "utf8");
  return out;
}

/**
 * 21/23 `from\0text` as the server sends it: one datagram when it fits in
 * `maxDatagram`, otherwise the text split at code-point boundaries over several
 * datagrams, each `from\0part` (docs/udp.md#what-other-dialects-events-become keeps server datagrams unfragmented; a 4096-byte
 * message from another dialect must not be dropped for being long).
 */
export function encodeMessage(
  op: typeof Op.PublicMessage | typeof Op.PrivateMessage,
  from: string,
  text: string,
  maxDatagram = MAX_SERVER_DATAGRAM,
): Buffer[] {
  const fromLength = Buffer.byteLength(from, "utf8");
  const room = maxDatagram - HEADER_BYTES - fromLength - 1;
  if (room < 4) throw new RangeError(`a sender name of ${fromLength} bytes leaves no room for text`);
  if (Buffer.byteLength(text, "utf8") <= room) return [encodeNamed(op, from, text)];
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    let end = Math.min(at + room, bytes.length);
    // Back off to the start of a code point (a UTF-8 continuation byte is 10xxxxxx).
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    const datagram = withHeader(op, fromLength + 1 + end - at);
    datagram.write(from, HEADER_BYTES, "utf8");
    datagram[HEADER_BYTES + fromLength] = NUL;
    bytes.copy(datagram, HEADER_BYTES + fromLength + 1, at, end);
    out.push(datagram);
    at = end;
  }
  return out;
}

/**
 * 43: the names joined by NUL over as many datagrams of at most `maxDatagram` bytes as
 * needed (docs/udp.md#the-user-list-43). A name is never split; every datagram but the last ends with a
 * NUL ("more follows"); a list that fits one datagram has no trailing NUL, as in the
 * RFC. An empty list is one datagram without data.
 */
export function encodeUserList(names: readonly string[], maxDatagram = MAX_SERVER_DATAGRAM): Buffer[] {
  const room = maxDatagram - HEADER_BYTES;
  const out: Buffer[] = [];
  let start = 0;
  let used = 0; // each name counted with the NUL after it (separator or "more follows")
  for (let i = 0; i < names.length; i++) {
    const length = Buffer.byteLength(names[i]!, "utf8") + 1;
    if (length > room) throw new RangeError(`a name of ${length - 1} bytes does not fit a ${maxDatagram}-byte datagram`);
    if (used + length > room) {
      out.push(listDatagram(names, start, i, true));
      start = i;
      used = 0;
    }
    used += length;
  }
  out.push(listDatagram(names, start, names.length, false));
  return out;
}

function listDatagram(names: readonly string[], from: number, to: number, more: boolean): Buffer {
  return encodeListData(names.slice(from, to).join("\0") + (more ? "\0" : ""));
}

function encodeListData(data: string): Buffer {
  const out = withHeader(Op.UserList, Buffer.byteLength(data, "utf8"));
  out.write(data, HEADER_BYTES, "utf8");
  return out;
}

/** Any frame as one datagram, for clients and tests (no splitting). */
export function encodeFrame(f: UdpFrame): Buffer {
  switch (f.op) {
    case Op.Ok:
    case Op.Logout:
    case Op.Info:
    case Op.List:
      return encodeEmpty(f.op);
    case Op.Error:
      return encodeText(f.op, f.message);
    case Op.Register:
      return encodeText(f.op, f.name);
    case Op.Public:
      return encodeText(f.op, f.text);
    case Op.InfoReply:
      return encodeText(f.op, f.info);
    case Op.Private:
      return encodeNamed(f.op, f.to, f.text);
    case Op.PublicMessage:
    case Op.PrivateMessage:
      return encodeNamed(f.op, f.from, f.text);
    case Op.UserList:
      return encodeListData(f.names.join("\0") + (f.more ? "\0" : ""));
  }
}

export class UdpCodec implements DatagramCodec<UdpFrame> {
  decode(datagram: Buffer): DecodedDatagram<UdpFrame> {
    return decodeDatagram(datagram);
  }
  encode(f: UdpFrame): Buffer {
    return encodeFrame(f);
  }
}
