/**
 * lab codec: pure, incremental, no I/O. Lines end in `\n` (a `\r` before it is dropped).
 * One instance per connection: it remembers how far a partial line was searched (so a
 * line arriving a byte at a time is not rescanned from its start each time) and whether
 * it is discarding the rest of an over-long line, which is never buffered.
 */
import { isAscii, isUtf8 } from "node:buffer";
import { NEED, type Decoded, type StreamCodec } from "../../transport/stream-codec.js";
import type { LabReply, LabRequest } from "./frames.js";

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits lines and hands each line's bytes to `parse`. Shared by the server's request
 * codec and the client's reply codec, which differ only in what a line means.
 */
class LineCodec<F> implements StreamCodec<F> {
  /** Bytes of the current partial line already searched for `\n`. */
  private searched = 0;
  private discarding = false;
  /** The last buffer asked about, and whether it is all ASCII (asked once per chunk, not per line). */
  private checked: Buffer | undefined;
  private checkedAscii = false;
  /**
   * The answer for a decoded line, filled in again on each call: the reader reads it
   * before it asks for the next (StreamCodec), and a line is the most common answer by far.
   */
  private readonly decoded: { kind: "frame"; frame: F; consumed: number };

  constructor(
    /** Longest line, `\n` included; longer lines become `tooLong` and are discarded. */
    private readonly maxLineBytes: number,
    /** A line's meaning; `ascii`: every byte of `buf` is ASCII, so the line is its latin1 text. */
    private readonly parse: (buf: Buffer, start: number, end: number, ascii: boolean) => F,
    private readonly tooLong: F,
  ) {
    this.decoded = { kind: "frame", frame: tooLong, consumed: 0 };
  }

  /**
   * Whether `buf` is all ASCII, once per buffer: chat is mostly ASCII, and a line known
   * to be needs no UTF-8 check and decodes as latin1 (one byte, one character).
   */
  private isAscii(buf: Buffer, lastLine: boolean): boolean {
    if (buf === this.checked) return this.checkedAscii;
    const ascii = isAscii(buf);
    if (!lastLine) {
      this.checked = buf;
      this.checkedAscii = ascii;
    }
    return ascii;
  }

  decode(buf: Buffer, offset: number): Decoded<F> {
    const avail = buf.length - offset;
    const lf = buf.indexOf(LF, offset + this.searched);
    // The ASCII answer is kept only while `buf` still has lines to decode (StreamCodec: keep no buffer).
    if (lf < 0 || lf + 1 === buf.length) this.checked = undefined;
    if (this.discarding) {
      // The rest of an over-long line: skip it as it comes, up to its newline.
      if (lf < 0) return { kind: "skip", consumed: avail };
      this.discarding = false;
      this.searched = 0;
      return { kind: "skip", consumed: lf + 1 - offset };
    }
    if (lf < 0) {
      if (avail >= this.maxLineBytes) {
        // No newline within the limit: answer now, drop the rest of the line unread.
        this.discarding = true;
        this.searched = 0;
        return { kind: "frame", frame: this.tooLong, consumed: avail };
      }
      this.searched = avail;
      return NEED;
    }
    this.searched = 0;
    const consumed = lf + 1 - offset;
    if (consumed > this.maxLineBytes) return { kind: "frame", frame: this.tooLong, consumed };
    const end = lf > offset && buf[lf - 1] === CR ? lf - 1 : lf;
    const decoded = this.decoded;
    decoded.frame = this.parse(buf, offset, end, this.isAscii(buf, lf + 1 === buf.length));
    decoded.consumed = consumed;
    return decoded;
  }
}

/**
 * `buf.toString("latin1", start, end)` without its argument checks and encoding lookup
 * (a tenth of bench lab-dm's decoding): `latin1Slice` is what toString calls.
 */
const latin1 = (buf: Buffer, start: number, end: number): string => (buf as unknown as Latin1Slicer).latin1Slice(start, end);
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

// ---- server side: requests ----------------------------------------------------------

const BAD_UTF8: LabRequest = Object.freeze({ kind: "bad-body", reason: "invalid UTF-8" });
const TOO_LONG: LabRequest = Object.freeze({ kind: "bad-body", reason: "line too long" });
const NO_MESSAGE: LabRequest = Object.freeze({ kind: "bad-body", reason: "no message" });
const LIST_BODY: LabRequest = Object.freeze({ kind: "bad-body", reason: "LIST takes no body" });
const BAD_HEADER: LabRequest = Object.freeze({ kind: "bad-header" });
const LIST: LabRequest = Object.freeze({ kind: "list" });

function parseRequest(buf: Buffer, start: number, end: number, ascii: boolean): LabRequest {
  if (ascii) return parseRequestText(latin1(buf, start, end));
  const line = buf.subarray(start, end);
  if (!isUtf8(line)) return BAD_UTF8;
  return parseRequestText(line.toString("utf8"));
}

/** A request line's meaning, from its text (the `\n` and a `\r` before it taken off). */
function parseRequestText(line: string): LabRequest {
  if (line.startsWith("SEND ")) return parseSend(line.slice(5)); // most lines: no header string made
  const space = line.indexOf(" ");
  const header = space < 0 ? line : line.slice(0, space);
  const body = space < 0 ? "" : line.slice(space + 1);
  switch (header) {
    case "HELLO-FROM":
      // An empty or malformed name is the hub's to judge (BAD-RQST-BODY, PR4).
      return { kind: "hello", name: body };
    case "LIST":
      return body.trim() === "" ? LIST : LIST_BODY;
    case "SEND":
      return parseSend(body);
    default:
      return BAD_HEADER;
  }
}

/**
 * SEND <user> <msg>: the message may hold spaces; an empty one is a bad body, checked
 * before the destination (docs/lab.md#the-requirements-as-implemented).
 */
function parseSend(body: string): LabRequest {
  const gap = body.indexOf(" ");
  if (gap <= 0 || gap === body.length - 1) return NO_MESSAGE;
  return { kind: "send", to: body.slice(0, gap), text: body.slice(gap + 1) };
}

export function createRequestCodec(maxLineBytes: number): StreamCodec<LabRequest> {
  return new LineCodec(maxLineBytes, parseRequest, TOO_LONG);
}

// Server replies, as text: the outbound queue joins the lines of a turn and encodes them
// once per write (transport/outbound-queue.ts), instead of a Buffer per line.
export const REPLY = {
  inUse: "IN-USE\n",
  busy: "BUSY\n",
  sendOk: "SEND-OK\n",
  badDestUser: "BAD-DEST-USER\n",
  badRqstHdr: "BAD-RQST-HDR\n",
  badRqstBody: "BAD-RQST-BODY\n",
} as const;

/** One of the fixed replies. */
export type FixedReply = (typeof REPLY)[keyof typeof REPLY];

export function helloLine(name: string): string {
  return `HELLO ${name}\n`;
}

export function listOkLine(names: readonly string[]): string {
  return `LIST-OK ${names.join(",")}\n`;
}

/** `DELIVERY <from> <text>\n`; `text` has no newline. */
export function deliveryLine(from: string, text: string): string {
  return `DELIVERY ${from} ${text}\n`;
}

// ---- client side: replies -----------------------------------------------------------

function parseReply(buf: Buffer, start: number, end: number): LabReply {
  const line = buf.toString("utf8", start, end);
  const space = line.indexOf(" ");
  const header = space < 0 ? line : line.slice(0, space);
  const body = space < 0 ? "" : line.slice(space + 1);
  switch (header) {
    case "HELLO":
      return { kind: "hello", name: body };
    case "IN-USE":
      return { kind: "in-use" };
    case "BUSY":
      return { kind: "busy" };
    case "LIST-OK":
      return { kind: "list-ok", names: body === "" ? [] : body.split(",") };
    case "SEND-OK":
      return { kind: "send-ok" };
    case "DELIVERY": {
      const gap = body.indexOf(" ");
      return gap < 0 ? { kind: "delivery", from: body, text: "" } : { kind: "delivery", from: body.slice(0, gap), text: body.slice(gap + 1) };
    }
    case "BAD-DEST-USER":
      return { kind: "bad-dest-user" };
    case "BAD-RQST-HDR":
      return { kind: "bad-rqst-hdr" };
    case "BAD-RQST-BODY":
      return { kind: "bad-rqst-body" };
    default:
      return { kind: "unknown", line };
  }
}

export function createReplyCodec(maxLineBytes: number): StreamCodec<LabReply> {
  return new LineCodec(maxLineBytes, parseReply, { kind: "unknown", line: "(line too long)" });
}

/** A request line, for clients and tests. */
export function encodeRequest(request: LabRequest): Buffer {
  switch (request.kind) {
    case "hello":
      return Buffer.from(`HELLO-FROM ${request.name}\n`, "utf8");
    case "list":
      return Buffer.from("LIST\n");
    case "send":
      return Buffer.from(`SEND ${request.to} ${request.text}\n`, "utf8");
    case "bad-header":
    case "bad-body":
      throw new RangeError("a bad request is a decoding verdict, not a wire line");
  }
}
