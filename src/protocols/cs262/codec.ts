/**
 * cs262 codec: pure bytes <-> Cs262Frame, incremental, no I/O (seed 002, docs/cs262.md#frames).
 *
 * The 40-byte data_len is checked against the frame limit as soon as the header is in,
 * before a byte of data is kept (docs/cs262.md#frames: "before any data is kept"); it is read as
 * a number only when its top 34 bytes are zero. A version other than 0 or 1, an unknown
 * command and an oversized data_len are fatal (the session answers, then closes); bad
 * data in a frame whose end is known (wrong field count, non-ASCII bytes) is
 * recoverable: that frame is skipped and answered with an error.
 *
 * One codec per connection: the version byte of the first frame fixes the connection's
 * numbering (docs/cs262.md#frames), and a later frame of the other version is refused at its first
 * byte. Each frame, and each error once the numbering is known, says which it is.
 */
import { NEED, type CodecError, type Decoded, type StreamCodec } from "../../transport/stream-codec.js";
import { COMMAND_NAMES, Command, HEADER_BYTES, LENGTH_BYTES, SEPARATOR, VERSION, commandOf, isWireVersion, wireCommand, type CommandNumber, type Cs262Frame, type WireVersion } from "./frames.js";

/** Bytes of data_len that hold the number; the 34 above them must be zero. */
const LOW_BYTES = 6;

/** A decode error, with the connection's numbering once it is known. */
export interface Cs262CodecError extends CodecError {
  readonly version?: WireVersion;
}

export const WRONG_VERSION_CODE = "CODEC_WRONG_VERSION";
const WRONG_VERSION: CodecError = Object.freeze({ code: WRONG_VERSION_CODE, message: "unsupported version", fatal: true });
const OTHER_VERSION = perVersion(WRONG_VERSION_CODE, "unsupported version");

/** The same error for each numbering, made once. */
function perVersion(code: string, message: string): Record<WireVersion, Cs262CodecError> {
  return { 0: Object.freeze({ code, message, fatal: true, version: 0 }), 1: Object.freeze({ code, message, fatal: true, version: 1 }) };
}
const UNKNOWN_COMMAND = perVersion("CODEC_UNKNOWN_COMMAND", "unknown command");
const TOO_LARGE = perVersion("CODEC_FRAME_TOO_LARGE", "frame too large");

function badData(message: string, consumed: number, version: WireVersion): Decoded<never> {
  return { kind: "error", error: { code: "CODEC_BAD_DATA", message, fatal: false, consumed, version } as Cs262CodecError };
}

const NON_ASCII = /[^\x00-\x7f]/;

export class Cs262Codec implements StreamCodec<Cs262Frame> {
  /** The connection's numbering: the version byte of its first frame. */
  private version: WireVersion | undefined;

  /** @param maxFrameBytes largest frame (header included) this side buffers. */
  constructor(private readonly maxFrameBytes: number) {}

  decode(buf: Buffer, offset: number): Decoded<Cs262Frame> {
    const avail = buf.length - offset;
    if (avail < 1) return NEED;
    // Each header field is judged as soon as it arrives, so a peer speaking another
    // protocol is answered at once rather than after 42 bytes.
    const version = buf[offset]!;
    if (this.version === undefined) {
      if (!isWireVersion(version)) return { kind: "error", error: WRONG_VERSION };
      this.version = version;
    } else if (version !== this.version) return { kind: "error", error: OTHER_VERSION[this.version] };
    if (avail < 2) return NEED;
    const command = commandOf(buf[offset + 1]!, version);
    if (command === undefined) return { kind: "error", error: UNKNOWN_COMMAND[version] };
    if (avail < HEADER_BYTES) return NEED;
    const lowAt = offset + 2 + LENGTH_BYTES - LOW_BYTES;
    for (let i = offset + 2; i < lowAt; i++) if (buf[i] !== 0) return { kind: "error", error: TOO_LARGE[version] };
    const dataLen = buf.readUIntBE(lowAt, LOW_BYTES);
    const total = HEADER_BYTES + dataLen;
    if (total > this.maxFrameBytes) return { kind: "error", error: TOO_LARGE[version] };
    if (avail < total) return NEED;
    // latin1 maps each byte to one character, so a non-ASCII byte is seen, never lost.
    const data = buf.toString("latin1", offset + HEADER_BYTES, offset + total);
    if (NON_ASCII.test(data)) return badData("data must be ASCII", total, version);
    return parseData(command, data, total, version);
  }
}

/** The strings of one command's data, checked against what that command takes. */
function parseData(command: CommandNumber, data: string, consumed: number, version: WireVersion): Decoded<Cs262Frame> {
  const name = COMMAND_NAMES[command];
  // Version 1 frames leave `version` out, as frames built in code do.
  const frame = (f: Cs262Frame): Decoded<Cs262Frame> => ({ kind: "frame", frame: version === VERSION ? f : { ...f, version }, consumed });
  const bad = (message: string): Decoded<Cs262Frame> => badData(message, consumed, version);
  switch (command) {
    case Command.Create:
    case Command.Login: {
      // `[name]` or `[name, password]`; a name cannot hold `|`, so the password is all
      // that follows the first separator and may itself contain `|||`.
      if (data.length === 0) return bad(`${name} takes a name and an optional password`);
      const cut = data.indexOf(SEPARATOR);
      const user = cut < 0 ? data : data.slice(0, cut);
      const password = cut < 0 ? undefined : data.slice(cut + SEPARATOR.length);
      return frame({ command, name: user, password });
    }
    case Command.List:
      if (data.includes(SEPARATOR)) return bad("LIST takes at most one pattern");
      return frame({ command, pattern: data.length === 0 ? undefined : data });
    case Command.Send: {
      // The message is the last field, split off with at most two splits (docs/cs262.md#frames),
      // so it keeps any `|` or `|||` it contains.
      const a = data.indexOf(SEPARATOR);
      const b = a < 0 ? -1 : data.indexOf(SEPARATOR, a + SEPARATOR.length);
      if (b < 0) return bad("SEND takes sender, recipient and message");
      return frame({ command, sender: data.slice(0, a), recipient: data.slice(a + SEPARATOR.length, b), message: data.slice(b + SEPARATOR.length) });
    }
    case Command.Deliver:
    case Command.Delete:
      if (data.length > 0) return bad(`${name} takes no data`);
      return frame({ command });
    case Command.Response:
      return frame({ command, error: data });
    case Command.ListResponse:
      return frame({ command, names: data.length === 0 ? [] : data.split(SEPARATOR) });
  }
}

// ---- encoding ----------------------------------------------------------------------

/**
 * One frame around `data` (already joined), in `version`'s numbering. Text must be
 * ASCII by now (the session renders other dialects' text with asciiOnly); latin1 writes
 * one byte per character.
 */
export function encodeData(command: CommandNumber, data: string, version: WireVersion = VERSION): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + data.length);
  writeHeader(out, command, data.length, version);
  if (data.length > 0) out.write(data, HEADER_BYTES, "latin1");
  return out;
}

/** version, command and data_len (big-endian, zero above its low 48 bits) at the start of `out`. */
export function writeHeader(out: Buffer, command: CommandNumber, dataLen: number, version: WireVersion = VERSION): void {
  out[0] = version;
  out[1] = wireCommand(command, version);
  out.fill(0, 2, HEADER_BYTES - LOW_BYTES);
  out.writeUIntBE(dataLen, HEADER_BYTES - LOW_BYTES, LOW_BYTES);
}

export function encodeResponse(error = "", version: WireVersion = VERSION): Buffer {
  return encodeData(Command.Response, error, version);
}

export function encodeListResponse(names: readonly string[], version: WireVersion = VERSION): Buffer {
  return encodeData(Command.ListResponse, names.join(SEPARATOR), version);
}

export function encodeSend(sender: string, recipient: string, message: string, version: WireVersion = VERSION): Buffer {
  return encodeData(Command.Send, sender + SEPARATOR + recipient + SEPARATOR + message, version);
}

/** Any frame, for clients and tests, in its own version's numbering (1 when it names none). */
export function encodeFrame(frame: Cs262Frame): Buffer {
  const v = frame.version ?? VERSION;
  switch (frame.command) {
    case Command.Create:
    case Command.Login:
      return encodeData(frame.command, frame.password === undefined ? frame.name : frame.name + SEPARATOR + frame.password, v);
    case Command.List:
      return encodeData(frame.command, frame.pattern ?? "", v);
    case Command.Send:
      return encodeSend(frame.sender, frame.recipient, frame.message, v);
    case Command.Deliver:
    case Command.Delete:
      return encodeData(frame.command, "", v);
    case Command.Response:
      return encodeResponse(frame.error, v);
    case Command.ListResponse:
      return encodeListResponse(frame.names, v);
  }
}
