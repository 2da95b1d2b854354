/**
 * gowing codec: pure bytes <-> GowingFrame, incremental, no I/O (seed 003, docs/gowing.md#frames).
 *
 * Every frame carries its own length, so no input can desynchronise the stream: an
 * unknown type or an oversized payload is reported at its 3-byte header and its payload
 * is skipped as a body (never buffered). decode therefore never reports an error.
 */
import { NEED, type Decoded, type StreamCodec } from "../../transport/stream-codec.js";
import { FrameType, HEADER_BYTES, MAX_PAYLOAD_BYTES, type GowingFrame } from "./frames.js";

export class GowingCodec implements StreamCodec<GowingFrame> {
  /** @param maxFrameBytes largest frame (header included) that is buffered and decoded. */
  constructor(private readonly maxFrameBytes: number) {}

  decode(buf: Buffer, offset: number): Decoded<GowingFrame> {
    const avail = buf.length - offset;
    if (avail < HEADER_BYTES) return NEED;
    const type = buf[offset]!;
    const len = buf.readUInt16BE(offset + 1);
    // "Length can be 0 so there are no bytes after" (seed 003): the length alone bounds the frame.
    if (type > FrameType.Error || HEADER_BYTES + len > this.maxFrameBytes) {
      return { kind: "frame", frame: { kind: "skipped", type, size: len }, consumed: HEADER_BYTES, body: len };
    }
    if (avail < HEADER_BYTES + len) return NEED;
    // Invalid UTF-8 becomes U+FFFD here (toString never throws); sessions decide what to keep.
    const text = len === 0 ? "" : buf.toString("utf8", offset + HEADER_BYTES, offset + HEADER_BYTES + len);
    return { kind: "frame", frame: { kind: "text", type, text }, consumed: HEADER_BYTES + len };
  }
}

// ---- encoding ----------------------------------------------------------------------

/** A frame of `type` carrying `text` as UTF-8 (ASCII for everything the server sends). */
export function encodeText(type: number, text: string): Buffer {
  const len = Buffer.byteLength(text, "utf8");
  if (len > MAX_PAYLOAD_BYTES) throw new RangeError(`gowing payload of ${len} bytes does not fit a u16 length`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + len);
  out[0] = type;
  out.writeUInt16BE(len, 1);
  if (len > 0) out.write(text, HEADER_BYTES, len, "utf8");
  return out;
}

/**
 * The reply to JOIN: one raw status byte, not a frame (docs/gowing.md#frames; seed progression 3:
 * "Receives back: <Status> (one byte)", and every public implementation sends it so).
 */
export function encodeJoinReply(status: number): Buffer {
  return Buffer.from([status]);
}

/** A frame with an empty payload (LEAVE and LIST from a client). */
export function encodeEmpty(type: number): Buffer {
  return Buffer.from([type, 0, 0]);
}

/** A frame with any payload bytes, for tests and for unknown types. */
export function encodeRaw(type: number, payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`gowing payload of ${payload.length} bytes does not fit a u16 length`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out[0] = type;
  out.writeUInt16BE(payload.length, 1);
  out.set(payload, HEADER_BYTES);
  return out;
}
