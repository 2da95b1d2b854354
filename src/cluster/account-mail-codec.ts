/**
 * How an account (a value of the accounts bucket) and a kept message (a message of the
 * mail stream) are laid out in NATS (docs/cluster.md#accounts-and-mail): UTF-8 fields
 * behind length prefixes, no JSON, one buffer written in place per value. The first
 * byte is the layout's version, so that a later layout can be told from this one.
 *
 *   account: 1 | u16 name bytes | name | password hash (the rest; empty: no password)
 *   mail:    1 | f64 sentAt (ms) | u16 from bytes | from | text (the rest)
 */
import type { QueuedMail } from "../core/ports.js";

const VERSION = 1;

export interface StoredAccount {
  /** The display name, as created. */
  readonly name: string;
  /** store/passwords.ts's form; undefined: the account takes any password. */
  readonly passwordHash: string | undefined;
}

export function encodeAccount(account: StoredAccount): Uint8Array {
  const nameBytes = Buffer.byteLength(account.name);
  const hash = account.passwordHash ?? "";
  const out = Buffer.allocUnsafe(3 + nameBytes + Buffer.byteLength(hash));
  out[0] = VERSION;
  out.writeUInt16BE(nameBytes, 1);
  out.write(account.name, 3);
  out.write(hash, 3 + nameBytes);
  return out;
}

export function decodeAccount(data: Uint8Array): StoredAccount {
  const buf = view(data);
  if (buf.length < 3 || buf[0] !== VERSION) throw new Error(`not an account value (${buf.length} bytes, version ${buf[0]})`);
  const end = 3 + buf.readUInt16BE(1);
  if (end > buf.length) throw new Error("account value cut short");
  const hash = buf.toString("utf8", end);
  return { name: buf.toString("utf8", 3, end), passwordHash: hash === "" ? undefined : hash };
}

export function encodeMail(from: string, text: string, sentAt: number): Uint8Array {
  const fromBytes = Buffer.byteLength(from);
  const out = Buffer.allocUnsafe(11 + fromBytes + Buffer.byteLength(text));
  out[0] = VERSION;
  out.writeDoubleBE(sentAt, 1);
  out.writeUInt16BE(fromBytes, 9);
  out.write(from, 11);
  out.write(text, 11 + fromBytes);
  return out;
}

/** The message stored at stream sequence `id`. */
export function decodeMail(id: number, data: Uint8Array): QueuedMail {
  const buf = view(data);
  if (buf.length < 11 || buf[0] !== VERSION) throw new Error(`not a mail message (${buf.length} bytes, version ${buf[0]})`);
  const end = 11 + buf.readUInt16BE(9);
  if (end > buf.length) throw new Error("mail message cut short");
  return { id, from: buf.toString("utf8", 11, end), text: buf.toString("utf8", end), sentAt: buf.readDoubleBE(1) };
}

/** `data` as a Buffer over the same bytes (no copy). */
function view(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
