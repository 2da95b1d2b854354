/**
 * bcs codec: pure bytes <-> BcsFrame, incremental, no I/O (seed 000, docs/bcs.md#frames).
 * `string = len:u16 | bytes`, `flen:u32`, everything big-endian. File contents are
 * announced as bodies and streamed by the reader, never buffered here.
 */
import { NEED, type CodecError, type Decoded, type StreamCodec } from "../../transport/stream-codec.js";
import { FrameType, type BcsFrame } from "./frames.js";

const UNKNOWN_TYPE: CodecError = Object.freeze({ code: "CODEC_UNKNOWN_TYPE", message: "unknown frame type", fatal: true });
const TOO_LARGE: CodecError = Object.freeze({ code: "CODEC_FRAME_TOO_LARGE", message: "frame too large", fatal: true });

export class BcsCodec implements StreamCodec<BcsFrame> {
  /** @param maxFrameBytes largest buffered frame; files stream and are exempt. */
  constructor(private readonly maxFrameBytes: number) {}

  decode(buf: Buffer, offset: number): Decoded<BcsFrame> {
    const avail = buf.length - offset;
    if (avail < 1) return NEED;
    const type = buf[offset]!;
    switch (type) {
      case FrameType.Register:
      case FrameType.Send:
      case FrameType.GetFile:
        return this.decodeOneString(buf, offset, type);
      case FrameType.Deliver:
      case FrameType.FNotify:
        return this.decodeTwoStrings(buf, offset, type, 1);
      case FrameType.Status:
        return this.decodeTwoStrings(buf, offset, type, 2);
      case FrameType.SendFile: {
        if (avail < 3) return NEED;
        const nameLen = buf.readUInt16BE(offset + 1);
        if (7 + nameLen > this.maxFrameBytes) return { kind: "error", error: TOO_LARGE };
        if (avail < 7 + nameLen) return NEED;
        const filename = buf.toString("utf8", offset + 3, offset + 3 + nameLen);
        const size = buf.readUInt32BE(offset + 3 + nameLen);
        return { kind: "frame", frame: { type, filename, size }, consumed: 7 + nameLen, body: size };
      }
      case FrameType.RecvFile: {
        if (avail < 5) return NEED;
        const size = buf.readUInt32BE(offset + 1);
        return { kind: "frame", frame: { type, size }, consumed: 5, body: size };
      }
      default:
        // Without a known type the frame's end cannot be found: nothing after it is trusted.
        return { kind: "error", error: UNKNOWN_TYPE };
    }
  }

  private decodeOneString(buf: Buffer, offset: number, type: 1 | 2 | 7): Decoded<BcsFrame> {
    if (buf.length - offset < 3) return NEED;
    const len = buf.readUInt16BE(offset + 1);
    if (3 + len > this.maxFrameBytes) {
      return { kind: "frame", frame: { type: "oversize", of: type, size: len }, consumed: 3, body: len };
    }
    if (buf.length - offset < 3 + len) return NEED;
    const s = buf.toString("utf8", offset + 3, offset + 3 + len);
    const frame: BcsFrame =
      type === FrameType.Register
        ? { type, username: s }
        : type === FrameType.Send
          ? { type, message: s }
          : { type, filename: s };
    return { kind: "frame", frame, consumed: 3 + len };
  }

  /** deliver/fnotify: two strings after the type; status: a code byte, then one string. */
  private decodeTwoStrings(buf: Buffer, offset: number, type: 3 | 4 | 6, head: 1 | 2): Decoded<BcsFrame> {
    const avail = buf.length - offset;
    if (type === FrameType.Status) {
      if (avail < 4) return NEED;
      const len = buf.readUInt16BE(offset + 2);
      if (4 + len > this.maxFrameBytes) return { kind: "error", error: TOO_LARGE };
      if (avail < 4 + len) return NEED;
      const message = buf.toString("utf8", offset + 4, offset + 4 + len);
      return { kind: "frame", frame: { type, code: buf[offset + 1]!, message }, consumed: 4 + len };
    }
    if (avail < head + 2) return NEED;
    const len1 = buf.readUInt16BE(offset + head);
    const second = offset + head + 2 + len1;
    if (head + 4 + len1 > this.maxFrameBytes) return { kind: "error", error: TOO_LARGE };
    if (buf.length < second + 2) return NEED;
    const len2 = buf.readUInt16BE(second);
    const total = head + 4 + len1 + len2;
    if (total > this.maxFrameBytes) return { kind: "error", error: TOO_LARGE };
    if (avail < total) return NEED;
    const a = buf.toString("utf8", offset + head + 2, second);
    const b = buf.toString("utf8", second + 2, second + 2 + len2);
    const frame: BcsFrame = type === FrameType.Deliver ? { type, from: a, message: b } : { type, user: a, file: b };
    return { kind: "frame", frame, consumed: total };
  }
}

// ---- encoding ----------------------------------------------------------------------

function writeString(out: Buffer, at: number, s: string, len: number): number {
  out.writeUInt16BE(len, at);
  if (len > 0) out.write(s, at + 2, len, "utf8");
  return at + 2 + len;
}

/** UTF-8 length of a string field; throws if it cannot be framed (a caller bug). */
function fieldLength(s: string): number {
  const len = Buffer.byteLength(s, "utf8");
  if (len > 0xffff) throw new RangeError(`bcs string of ${len} bytes does not fit a u16 length`);
  return len;
}

export function encodeOneString(type: 1 | 2 | 7, s: string): Buffer {
  const len = fieldLength(s);
  const out = Buffer.allocUnsafe(3 + len);
  out[0] = type;
  writeString(out, 1, s, len);
  return out;
}

export function encodeDeliver(from: string, message: string): Buffer {
  return encodePair(FrameType.Deliver, from, message);
}

export function encodeFNotify(user: string, file: string): Buffer {
  return encodePair(FrameType.FNotify, user, file);
}

function encodePair(type: 3 | 6, a: string, b: string): Buffer {
  const la = fieldLength(a);
  const lb = fieldLength(b);
  const out = Buffer.allocUnsafe(5 + la + lb);
  out[0] = type;
  writeString(out, writeString(out, 1, a, la), b, lb);
  return out;
}

export function encodeStatus(code: number, message: string): Buffer {
  const len = fieldLength(message);
  const out = Buffer.allocUnsafe(4 + len);
  out[0] = FrameType.Status;
  out[1] = code;
  writeString(out, 2, message, len);
  return out;
}

/** The header of a sendfile frame; the `size` content bytes follow separately. */
export function encodeSendFileHeader(filename: string, size: number): Buffer {
  const len = fieldLength(filename);
  const out = Buffer.allocUnsafe(7 + len);
  out[0] = FrameType.SendFile;
  writeString(out, 1, filename, len);
  out.writeUInt32BE(size, 3 + len);
  return out;
}

/** The header of a recvfile frame; the `size` content bytes follow separately. */
export function encodeRecvFileHeader(size: number): Buffer {
  const out = Buffer.allocUnsafe(5);
  out[0] = FrameType.RecvFile;
  out.writeUInt32BE(size, 1);
  return out;
}

/** Any frame without a body, for tests and clients. */
export function encodeFrame(frame: BcsFrame): Buffer {
  switch (frame.type) {
    case FrameType.Register:
      return encodeOneString(frame.type, frame.username);
    case FrameType.Send:
      return encodeOneString(frame.type, frame.message);
    case FrameType.GetFile:
      return encodeOneString(frame.type, frame.filename);
    case FrameType.Deliver:
      return encodeDeliver(frame.from, frame.message);
    case FrameType.FNotify:
      return encodeFNotify(frame.user, frame.file);
    case FrameType.Status:
      return encodeStatus(frame.code, frame.message);
    case FrameType.SendFile:
      return encodeSendFileHeader(frame.filename, frame.size);
    case FrameType.RecvFile:
      return encodeRecvFileHeader(frame.size);
    case "oversize":
      throw new RangeError("an oversize frame is a decoding verdict, not a wire frame");
  }
}
