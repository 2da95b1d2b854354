/**
 * cs262 codec: pure bytes <-> Cs262Frame, incremental, no I/O (seed 002, WIRE.md 4).
 *
 * The 40-byte data_len is checked against the frame limit as soon as the header is in,
 * before a byte of data is kept (WIRE.md 4: "never trusted to allocate"); it is read as
 * a number only when its top 34 bytes are zero. A wrong version, an unknown command and
 * an oversized data_len are fatal (the session answers, then closes); bad data in a frame
 * whose end is known (wrong field count, non-ASCII bytes) is recoverable: that frame is
 * skipped and answered with an error.
 */
import { NEED, type CodecError, type Decoded, type StreamCodec } from "../../transport/stream-codec.js";
import { COMMAND_NAMES, Command, HEADER_BYTES, LENGTH_BYTES, SEPARATOR, VERSION, type CommandNumber, type Cs262Frame } from "./frames.js";

/** Bytes of data_len that hold the number; the 34 above them must be zero. */
const LOW_BYTES = 6;

const WRONG_VERSION: CodecError = Object.freeze({ code: "CODEC_WRONG_VERSION", message: `unsupported version (this server speaks version ${VERSION})`, fatal: true });
const UNKNOWN_COMMAND: CodecError = Object.freeze({ code: "CODEC_UNKNOWN_COMMAND", message: "unknown command", fatal: true });
const TOO_LARGE: CodecError = Object.freeze({ code: "CODEC_FRAME_TOO_LARGE", message: "frame too large", fatal: true });

function badData(message: string, consumed: number): Decoded<never> {
  return { kind: "error", error: { code: "CODEC_BAD_DATA", message, fatal: false, consumed } };
}

const NON_ASCII = /[^\x00-\x7f]/;

export class Cs262Codec implements StreamCodec<Cs262Frame> {
  /** @param maxFrameBytes largest frame (header included) this side buffers. */
  constructor(private readonly maxFrameBytes: number) {}

  decode(buf: Buffer, offset: number): Decoded<Cs262Frame> {
    const avail = buf.length - offset;
    if (avail < 1) return NEED;
    // Each header field is judged as soon as it arrives, so a peer speaking another
    // protocol is answered at once rather than after 42 bytes.
    if (buf[offset] !== VERSION) return { kind: "error", error: WRONG_VERSION };
    if (avail < 2) return NEED;
    const command = buf[offset + 1]!;
    if (command < Command.Create || command > Command.ListResponse) return { kind: "error", error: UNKNOWN_COMMAND };
    if (avail < HEADER_BYTES) return NEED;
    const lowAt = offset + 2 + LENGTH_BYTES - LOW_BYTES;
    for (let i = offset + 2; i < lowAt; i++) if (buf[i] !== 0) return { kind: "error", error: TOO_LARGE };
    const dataLen = buf.readUIntBE(lowAt, LOW_BYTES);
    const total = HEADER_BYTES + dataLen;
    if (total > this.maxFrameBytes) return { kind: "error", error: TOO_LARGE };
    if (avail < total) return NEED;
    // latin1 maps each byte to one character, so a non-ASCII byte is seen, never lost.
    const data = buf.toString("latin1", offset + HEADER_BYTES, offset + total);
    if (NON_ASCII.test(data)) return badData("data must be ASCII", total);
    return parseData(command as CommandNumber, data, total);
  }
}

/** The strings of one command's data, checked against what that command takes. */
function parseData(command: CommandNumber, data: string, consumed: number): Decoded<Cs262Frame> {
  const name = COMMAND_NAMES[command];
  const frame = (f: Cs262Frame): Decoded<Cs262Frame> => ({ kind: "frame", frame: f, consumed });
  switch (command) {
    case Command.Create:
    case Command.Login: {
      // `[name]` or `[name, password]`; a name cannot hold `|`, so the password is all
      // that follows the first separator and may itself contain `|||`.
      if (data.length === 0) return badData(`${name} takes a name and an optional password`, consumed);
      const cut = data.indexOf(SEPARATOR);
      const user = cut < 0 ? data : data.slice(0, cut);
      const password = cut < 0 ? undefined : data.slice(cut + SEPARATOR.length);
      return frame({ command, name: user, password });
    }
    case Command.List:
      if (data.includes(SEPARATOR)) return badData("LIST takes at most one pattern", consumed);
      return frame({ command, pattern: data.length === 0 ? undefined : data });
    case Command.Send: {
      // The message is the last field, split off with at most two splits (WIRE.md 4),
      // so it keeps any `|` or `|||` it contains.
      const a = data.indexOf(SEPARATOR);
      const b = a < 0 ? -1 : data.indexOf(SEPARATOR, a + SEPARATOR.length);
      if (b < 0) return badData("SEND takes sender, recipient and message", consumed);
      return frame({ command, sender: data.slice(0, a), recipient: data.slice(a + SEPARATOR.length, b), message: data.slice(b + SEPARATOR.length) });
    }
    case Command.Deliver:
    case Command.Delete:
      if (data.length > 0) return badData(`${name} takes no data`, consumed);
      return frame({ command });
    case Command.Response:
      return frame({ command, error: data });
    case Command.ListResponse:
      return frame({ command, names: data.length === 0 ? [] : data.split(SEPARATOR) });
  }
}

// ---- encoding ----------------------------------------------------------------------

/**
 * One frame around `data` (already joined). Text must be ASCII by now (the session
 * renders other dialects' text with asciiOnly); latin1 writes one byte per character.
 */
export function encodeData(command: CommandNumber, data: string): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + data.length);
  writeHeader(out, command, data.length);
  if (data.length > 0) out.write(data, HEADER_BYTES, "latin1");
  return out;
}

/** version, command and data_len (big-endian, zero above its low 48 bits) at the start of `out`. */
export function writeHeader(out: Buffer, command: CommandNumber, dataLen: number): void {
  out[0] = VERSION;
  out[1] = command;
  out.fill(0, 2, HEADER_BYTES - LOW_BYTES);
  out.writeUIntBE(dataLen, HEADER_BYTES - LOW_BYTES, LOW_BYTES);
}

export function encodeResponse(error = ""): Buffer {
  return encodeData(Command.Response, error);
}

export function encodeListResponse(names: readonly string[]): Buffer {
  return encodeData(Command.ListResponse, names.join(SEPARATOR));
}

export function encodeSend(sender: string, recipient: string, message: string): Buffer {
  return encodeData(Command.Send, sender + SEPARATOR + recipient + SEPARATOR + message);
}

/** Any frame, for clients and tests. */
export function encodeFrame(frame: Cs262Frame): Buffer {
  switch (frame.command) {
    case Command.Create:
    case Command.Login:
      return encodeData(frame.command, frame.password === undefined ? frame.name : frame.name + SEPARATOR + frame.password);
    case Command.List:
      return encodeData(frame.command, frame.pattern ?? "");
    case Command.Send:
      return encodeSend(frame.sender, frame.recipient, frame.message);
    case Command.Deliver:
    case Command.Delete:
      return encodeData(frame.command, "");
    case Command.Response:
      return encodeResponse(frame.error);
    case Command.ListResponse:
      return encodeListResponse(frame.names);
  }
}
