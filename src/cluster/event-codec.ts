/**
 * What cluster nodes send each other about chat events (docs/cluster.md#routing), as
 * compact binary: no JSON on this path, one buffer per envelope or batch, UTF-8 fields
 * behind length prefixes.
 *
 * - A broadcast envelope (on the events subject): the node it comes from and one public
 *   event; a join also carries the joiner's claim (folded name, dialect, revision) so a
 *   receiver can update its registry replica before it shows the event; a leave its
 *   folded name.
 * - A direct batch (a request to one node's direct subject): N x (target's folded name,
 *   sender's display name, text).
 * - A direct reply: one byte per message of the batch, in its order: 1 queued, 0 not.
 *
 * Every decoder checks each length against the bytes that are there before reading,
 * so malformed or truncated input throws an EventCodecError (never reads out of bounds
 * and never allocates by a length it was told), and bytes left over are an error too.
 * Invalid UTF-8 decodes as U+FFFD, as Buffer does: the fields come from another node's
 * hub, which only ever sends strings.
 *
 * Format (all integers big-endian; stable: do not renumber):
 *   envelope = u8 version(1) u8 kind str8 origin fields
 *     kind 1 lobby: str16 from, str32 text
 *     kind 2 join:  str16 name, str16 folded, str16 dialect, u48 revision
 *     kind 3 leave: str16 name, str16 folded
 *     kind 4 file:  str16 from, str16 file
 *   batch    = u8 version(1) u32 count, count x (str16 to, str16 from, str32 text)
 *   reply    = count x u8 (0 or 1)
 * where strN is an N-bit byte length and that many bytes of UTF-8.
 */
import type { PublicEvent } from "../core/events.js";
import type { NameClaim } from "./cluster-names.js";

const VERSION = 1;

/** Event kinds on the wire. Stable: do not renumber. */
const KIND_CODE = { lobby: 1, join: 2, leave: 3, file: 4 } as const;

const U8_MAX = 0xff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffff_ffff;
/** The largest claim revision an envelope holds (6 bytes), far beyond any bucket's. */
const U48_MAX = 2 ** 48 - 1;

/** Bytes of the smallest batch entry (three empty strings): bounds the count a batch may claim. */
const MIN_ENTRY_BYTES = 2 + 2 + 4;

/** Input that is not a well-formed envelope, batch or reply. */
export class EventCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventCodecError";
  }
}

/** A public event as one node tells the others. */
export interface Broadcast {
  /** The node whose member the event comes from. */
  readonly origin: string;
  readonly event: PublicEvent;
  /** A join's claim, as the origin's registry holds it (its name is the event's, its node the origin). Only on joins. */
  readonly claim?: NameClaim;
  /** A leave's folded name. Only on leaves. */
  readonly folded?: string;
}

/** One direct message of a batch. */
export interface DirectEntry {
  /** The recipient's folded name. */
  readonly to: string;
  /** The sender's display name. */
  readonly from: string;
  readonly text: string;
}

// ---- broadcast envelopes ---------------------------------------------------------------

export function encodeBroadcast(b: Broadcast): Buffer {
  const w = new Writer(sizeOfBroadcast(b));
  w.u8(VERSION);
  const e = b.event;
  w.u8(KIND_CODE[e.kind]);
  w.str(b.origin, 1, "origin");
  switch (e.kind) {
    case "lobby":
      w.str(e.from, 2, "from");
      w.str(e.text, 4, "text");
      break;
    case "join": {
      const claim = required(b.claim, "a join envelope needs the joiner's claim");
      w.str(e.name, 2, "name");
      w.str(claim.folded, 2, "folded");
      w.str(claim.dialect, 2, "dialect");
      w.u48(claim.revision);
      break;
    }
    case "leave":
      w.str(e.name, 2, "name");
      w.str(required(b.folded, "a leave envelope needs the folded name"), 2, "folded");
      break;
    case "file":
      w.str(e.from, 2, "from");
      w.str(e.file, 2, "file");
      break;
  }
  return w.done();
}

export function decodeBroadcast(bytes: Uint8Array): Broadcast {
  const r = new Reader(bytes, "envelope");
  r.version();
  const kind = r.u8("kind");
  const origin = r.str(1, "origin");
  let b: Broadcast;
  switch (kind) {
    case KIND_CODE.lobby: {
      const from = r.str(2, "from");
      b = { origin, event: { kind: "lobby", from, text: r.str(4, "text") } };
      break;
    }
    case KIND_CODE.join: {
      const name = r.str(2, "name");
      const folded = r.str(2, "folded");
      const dialect = r.str(2, "dialect");
      const revision = r.u48("revision");
      b = { origin, event: { kind: "join", name }, claim: { folded, name, dialect, node: origin, revision } };
      break;
    }
    case KIND_CODE.leave: {
      const name = r.str(2, "name");
      b = { origin, event: { kind: "leave", name }, folded: r.str(2, "folded") };
      break;
    }
    case KIND_CODE.file: {
      const from = r.str(2, "from");
      b = { origin, event: { kind: "file", from, file: r.str(2, "file") } };
      break;
    }
    default:
      throw new EventCodecError(`envelope: unknown event kind ${kind}`);
  }
  r.end();
  return b;
}

function sizeOfBroadcast(b: Broadcast): number {
  const e = b.event;
  let size = 2 + 1 + byteLength(b.origin);
  switch (e.kind) {
    case "lobby":
      return size + 2 + byteLength(e.from) + 4 + byteLength(e.text);
    case "join":
      size += 2 + byteLength(e.name) + 2 + byteLength(b.claim?.folded ?? "") + 2 + byteLength(b.claim?.dialect ?? "");
      return size + 6;
    case "leave":
      return size + 2 + byteLength(e.name) + 2 + byteLength(b.folded ?? "");
    case "file":
      return size + 2 + byteLength(e.from) + 2 + byteLength(e.file);
  }
}

// ---- direct batches and their replies --------------------------------------------------

export function encodeDirectBatch(entries: readonly DirectEntry[]): Buffer {
  let size = 1 + 4;
  for (const m of entries) size += MIN_ENTRY_BYTES + byteLength(m.to) + byteLength(m.from) + byteLength(m.text);
  const w = new Writer(size);
  w.u8(VERSION);
  w.u32(entries.length);
  for (const m of entries) {
    w.str(m.to, 2, "to");
    w.str(m.from, 2, "from");
    w.str(m.text, 4, "text");
  }
  return w.done();
}

export function decodeDirectBatch(bytes: Uint8Array): DirectEntry[] {
  const r = new Reader(bytes, "direct batch");
  r.version();
  const count = r.u32("count");
  // Checked before the loop: a lying count fails here, not after a long walk.
  if (count * MIN_ENTRY_BYTES > r.left) {
    throw new EventCodecError(`direct batch: ${count} messages cannot fit in the ${r.left} bytes left`);
  }
  const entries: DirectEntry[] = [];
  for (let i = 0; i < count; i++) {
    const to = r.str(2, "to");
    const from = r.str(2, "from");
    entries.push({ to, from, text: r.str(4, "text") });
  }
  r.end();
  return entries;
}

/** The reply byte of a message that its recipient's node queued. */
export const QUEUED = 1;
/** The reply byte of one that it did not: nobody holds the name there, or the member did not take it. */
export const NOT_QUEUED = 0;

/** Check a reply to a batch of `count` messages: its bytes are the answers, in order (QUEUED or NOT_QUEUED). */
export function checkDirectReply(bytes: Uint8Array, count: number): Uint8Array {
  if (bytes.length !== count) throw new EventCodecError(`direct reply: ${bytes.length} answers for ${count} messages`);
  for (let i = 0; i < bytes.length; i++) {
    const answer = bytes[i]!;
    if (answer !== QUEUED && answer !== NOT_QUEUED) throw new EventCodecError(`direct reply: answer ${i} is ${answer}, not 0 or 1`);
  }
  return bytes;
}

// ---- bytes -----------------------------------------------------------------------------

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new EventCodecError(message);
  return value;
}

/** Writes into one buffer of the exact size, computed beforehand. */
class Writer {
  private readonly buf: Buffer;
  private at = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  u8(value: number): void {
    this.buf[this.at++] = value;
  }

  u32(value: number): void {
    this.buf.writeUInt32BE(value, this.at);
    this.at += 4;
  }

  u48(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > U48_MAX) throw new EventCodecError(`revision ${value} is not a 48-bit count`);
    this.buf.writeUIntBE(value, this.at, 6);
    this.at += 6;
  }

  /** `text` as UTF-8 behind a `prefix`-byte length. */
  str(text: string, prefix: 1 | 2 | 4, field: string): void {
    const start = this.at + prefix;
    const length = text.length === 0 ? 0 : this.buf.write(text, start, "utf8");
    const max = prefix === 1 ? U8_MAX : prefix === 2 ? U16_MAX : U32_MAX;
    if (length > max) throw new EventCodecError(`${field} is ${length} bytes, more than ${max}`);
    this.buf.writeUIntBE(length, this.at, prefix);
    this.at = start + length;
  }

  done(): Buffer {
    if (this.at !== this.buf.length) throw new Error(`event codec: wrote ${this.at} of ${this.buf.length} bytes`); // a sizing bug here
    return this.buf;
  }
}

/** Reads fields in order, each checked against the bytes left. */
class Reader {
  private readonly buf: Buffer;
  private at = 0;

  constructor(
    bytes: Uint8Array,
    private readonly what: string,
  ) {
    // A view of the same memory: no copy.
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get left(): number {
    return this.buf.length - this.at;
  }

  version(): void {
    const v = this.u8("version");
    if (v !== VERSION) throw new EventCodecError(`${this.what}: version ${v}, this node reads ${VERSION}`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.at++]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }

  u48(field: string): number {
    this.need(6, field);
    const value = this.buf.readUIntBE(this.at, 6);
    this.at += 6;
    return value;
  }

  str(prefix: 1 | 2 | 4, field: string): string {
    this.need(prefix, `${field}'s length`);
    const length = this.buf.readUIntBE(this.at, prefix);
    this.at += prefix;
    this.need(length, field);
    const text = length === 0 ? "" : this.buf.toString("utf8", this.at, this.at + length);
    this.at += length;
    return text;
  }

  end(): void {
    if (this.left !== 0) throw new EventCodecError(`${this.what}: ${this.left} bytes after the end`);
  }

  private need(bytes: number, field: string): void {
    if (bytes > this.left) throw new EventCodecError(`${this.what} cut short: ${field} needs ${bytes} bytes, ${this.left} left`);
  }
}
