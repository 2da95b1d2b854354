/**
 * bcs in the browser (seed 000, docs/bcs.md#frames): the requests a client sends, and an
 * incremental decoder of what the server sends over a byte stream whose chunks (WebSocket
 * messages) need not match frames. Pure: no DOM, no socket, so Node can test it too.
 *
 * Every integer is big-endian; `string = len:u16 | UTF-8 bytes`; `flen:u32`.
 */

export const FrameType = Object.freeze({
  Register: 1,
  Send: 2,
  Deliver: 3,
  Status: 4,
  SendFile: 5,
  FNotify: 6,
  GetFile: 7,
  RecvFile: 8,
});

/** docs/bcs.md#status-codes */
export const Status = Object.freeze({
  Ok: 0,
  NameInUse: 1,
  InvalidName: 2,
  ServerFull: 3,
  ProtocolError: 4,
  BadMessage: 5,
  FileError: 6,
  RateLimited: 7,
});

/** A bcs string has a u16 length. */
export const MAX_STRING_BYTES = 0xffff;
/** A stored file name is at most this many UTF-8 bytes (docs/bcs.md#files). */
export const MAX_FILE_NAME_BYTES = 255;
/** `flen` is a u32. */
export const MAX_FILE_BYTES = 0xffffffff;

const encoder = new TextEncoder();
// Not fatal: invalid UTF-8 from the server becomes U+FFFD, as the server does (docs/bcs.md#frames).
const decoder = new TextDecoder("utf-8");

/** UTF-8 length of a string. */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/** One frame of `type` followed by one string; throws RangeError when the string cannot be framed. */
function oneString(type, s) {
  const bytes = encoder.encode(s);
  if (bytes.length > MAX_STRING_BYTES) throw new RangeError(`a bcs string holds at most ${MAX_STRING_BYTES} bytes, not ${bytes.length}`);
  const out = new Uint8Array(3 + bytes.length);
  out[0] = type;
  out[1] = bytes.length >>> 8;
  out[2] = bytes.length & 0xff;
  out.set(bytes, 3);
  return out;
}

export const encodeRegister = (name) => oneString(FrameType.Register, name);
export const encodeSend = (message) => oneString(FrameType.Send, message);
export const encodeGetFile = (filename) => oneString(FrameType.GetFile, filename);

/**
 * `status 0 "ok"`: the acknowledgement of a deliver or fnotify (docs/bcs.md#messages-and-ack-pacing).
 * One shared copy, only ever sent (a typed array's elements cannot be frozen).
 */
export const ACK = Uint8Array.of(FrameType.Status, Status.Ok, 0, 2, 0x6f, 0x6b);

/** The head of a sendfile frame: `flen` bytes of contents must follow it, nothing else. */
export function encodeSendFileHeader(filename, size) {
  if (!Number.isInteger(size) || size < 0 || size > MAX_FILE_BYTES) throw new RangeError(`a bcs file holds at most ${MAX_FILE_BYTES} bytes`);
  const name = oneString(FrameType.SendFile, filename);
  const out = new Uint8Array(name.length + 4);
  out.set(name, 0);
  new DataView(out.buffer).setUint32(name.length, size);
  return out;
}

/**
 * Why a file name would be refused, or undefined when it is fine: the server's own rule
 * (docs/bcs.md#files), checked here so that a refused name costs no upload.
 */
export function fileNameProblem(name) {
  if (name.length === 0) return "empty file name";
  if (utf8Length(name) > MAX_FILE_NAME_BYTES) return "file name longer than 255 bytes";
  if (name.startsWith(".")) return "file name starts with a dot";
  if (name.includes("..")) return "file name contains ..";
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return "file name contains a separator or control character";
  return undefined;
}

// ---- decoding -------------------------------------------------------------------------

const u16 = (b, at) => (b[at] << 8) | b[at + 1];
const u32 = (b, at) => b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
const text = (b, from, to) => decoder.decode(b.subarray(from, to));

/**
 * One server frame at the start of `b`:
 * - `{ frame, size }`: `size` bytes make the frame (a recvfile's contents follow as its body);
 * - `{ need }`: incomplete; `need` is exactly how many bytes the next step looks at, so a
 *   caller holding fewer copies just that many (never more than one frame);
 * - `{ error }`: bytes no bcs server sends; nothing after them can be trusted.
 */
export function decodeServerFrame(b) {
  const avail = b.length;
  if (avail < 1) return { need: 1 };
  const type = b[0];
  switch (type) {
    case FrameType.Deliver:
    case FrameType.FNotify: {
      if (avail < 3) return { need: 3 };
      const second = 3 + u16(b, 1);
      if (avail < second + 2) return { need: second + 2 };
      const size = second + 2 + u16(b, second);
      if (avail < size) return { need: size };
      const a = text(b, 3, second);
      const c = text(b, second + 2, size);
      const frame = type === FrameType.Deliver ? { type, from: a, message: c } : { type, user: a, file: c };
      return { frame, size };
    }
    case FrameType.Status: {
      if (avail < 4) return { need: 4 };
      const size = 4 + u16(b, 2);
      if (avail < size) return { need: size };
      return { frame: { type, code: b[1], message: text(b, 4, size) }, size };
    }
    case FrameType.RecvFile: {
      if (avail < 5) return { need: 5 };
      return { frame: { type, size: u32(b, 1) }, size: 5 };
    }
    default:
      // A client frame type, or no frame type at all: its end cannot be found.
      return { error: `unexpected frame type ${type} from the server` };
  }
}

/**
 * Feeds chunks of the server's byte stream through decodeServerFrame. Handlers:
 * `frame(f)` for each frame; `body(bytes)` for the contents after a recvfile, in pieces
 * that alias the received chunks (no copy); `bodyEnd()` after its last byte (also for an
 * empty file); `error(message)` once, after which everything is ignored.
 *
 * Only a frame split across chunks is copied, and only its own bytes: a received chunk
 * is decoded in place.
 */
export class BcsDecoder {
  #handlers;
  /** The start of a frame that a previous chunk ended inside of. */
  #partial = new Uint8Array(0);
  #bodyLeft = 0;
  #failed = false;

  constructor(handlers) {
    this.#handlers = handlers;
  }

  /** @param {ArrayBuffer | Uint8Array} data */
  push(data) {
    let chunk = data instanceof Uint8Array ? data : new Uint8Array(data);
    while (chunk.length > 0 && !this.#failed) {
      if (this.#bodyLeft > 0) {
        const n = Math.min(this.#bodyLeft, chunk.length);
        this.#bodyLeft -= n;
        this.#handlers.body(chunk.subarray(0, n));
        chunk = chunk.subarray(n);
        if (this.#bodyLeft === 0) this.#handlers.bodyEnd();
      } else if (this.#partial.length > 0) {
        chunk = this.#completePartial(chunk);
      } else {
        chunk = this.#decodeInPlace(chunk);
      }
    }
  }

  /** Frames straight from the chunk; returns what is left of it (a body, or nothing). */
  #decodeInPlace(chunk) {
    let at = 0;
    while (at < chunk.length) {
      const r = decodeServerFrame(chunk.subarray(at));
      if (r.need !== undefined) {
        this.#partial = chunk.slice(at); // the one copy: the start of a frame, at most one frame long
        return chunk.subarray(chunk.length);
      }
      if (r.error !== undefined) return this.#fail(r.error);
      at += r.size;
      if (this.#emit(r.frame)) return chunk.subarray(at);
      if (this.#failed) return chunk.subarray(chunk.length);
    }
    return chunk.subarray(at);
  }

  /** Adds to the held partial frame exactly the bytes the decoder asks for; returns the rest. */
  #completePartial(chunk) {
    for (;;) {
      const r = decodeServerFrame(this.#partial);
      if (r.error !== undefined) return this.#fail(r.error);
      if (r.need === undefined) {
        this.#partial = new Uint8Array(0);
        this.#emit(r.frame);
        return chunk;
      }
      if (chunk.length === 0) return chunk;
      const take = Math.min(r.need - this.#partial.length, chunk.length);
      const grown = new Uint8Array(this.#partial.length + take);
      grown.set(this.#partial, 0);
      grown.set(chunk.subarray(0, take), this.#partial.length);
      this.#partial = grown;
      chunk = chunk.subarray(take);
    }
  }

  /** Hands a frame out; true when a body follows it (the caller then streams the body). */
  #emit(frame) {
    this.#handlers.frame(frame);
    if (frame.type !== FrameType.RecvFile) return false;
    if (frame.size === 0) {
      this.#handlers.bodyEnd();
      return false;
    }
    this.#bodyLeft = frame.size;
    return true;
  }

  #fail(message) {
    this.#failed = true;
    this.#partial = new Uint8Array(0);
    this.#handlers.error(message);
    return new Uint8Array(0);
  }
}
