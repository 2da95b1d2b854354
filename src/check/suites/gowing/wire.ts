/**
 * gowing bytes, written out here for the checks (seed 003 student specification,
 * docs/gowing.md): `type:u8 | len:u16 big-endian | payload`, and the JOIN reply as one raw
 * byte. Deliberately not Switchboard's codec: the tester must not share a bug with the
 * implementation it tests.
 */
import type { Take } from "../../probe/stream-probe.js";

export const JOIN = 0;
export const LEAVE = 1;
export const MESSAGE = 2;
export const LIST = 3;
export const DIRECT = 4;
export const ERROR = 5;

const TYPE_NAMES = ["JOIN", "LEAVE", "MESSAGE", "LIST", "DIRECT", "ERROR"];

/** The list of commands Switchboard sends after an accepted JOIN (docs/gowing.md "Session"). */
export const COMMAND_LIST = "We support these commands: join, leave, talk, list, direct";

export const joiningLine = (name: string): string => `**${name} is joining the chat**`;
export const leavingLine = (name: string): string => `**${name} is leaving the chat**`;

/** A frame; a string payload is sent as UTF-8 (so a case can send non-ASCII on purpose). */
export function frame(type: number, payload: string | Uint8Array = ""): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  if (body.length > 0xffff) throw new RangeError("a gowing payload is at most 65535 bytes");
  const out = Buffer.alloc(3 + body.length);
  out[0] = type;
  out.writeUInt16BE(body.length, 1);
  body.copy(out, 3);
  return out;
}

export const join = (name: string): Buffer => frame(JOIN, name);
export const leave = (): Buffer => frame(LEAVE);
export const message = (text: string): Buffer => frame(MESSAGE, text);
export const list = (): Buffer => frame(LIST);
export const direct = (payload: string): Buffer => frame(DIRECT, payload);

export interface Frame {
  readonly type: number;
  readonly payload: Buffer;
  /** The payload byte for byte (latin1), so that a non-ASCII byte shows as itself, escaped. */
  readonly text: string;
}

/** The next whole frame. */
export const takeFrame: Take<Frame> = (p) => {
  if (p.length < 3) return undefined;
  const end = 3 + p.readUInt16BE(1);
  if (p.length < end) return undefined;
  const payload = p.subarray(3, end);
  return { value: { type: p[0]!, payload, text: payload.toString("latin1") }, used: end };
};

/** The next byte, read as the answer to JOIN. */
export const takeStatus: Take<number> = (p) => (p.length >= 1 ? { value: p[0]!, used: 1 } : undefined);

/** Longest text shown whole in a report; a longer one is cut, saying how long it was. */
const SHOWN_TEXT = 80;

export function showFrame(f: { type: number; text: string }): string {
  const text = f.text.length <= SHOWN_TEXT ? JSON.stringify(f.text) : `${JSON.stringify(f.text.slice(0, SHOWN_TEXT))}... (${f.text.length} bytes)`;
  return `${TYPE_NAMES[f.type] ?? "type"} (${f.type}) ${text}`;
}

export const showStatus = (status: number): string => `the byte ${status.toString(16).padStart(2, "0")}`;

/** Bytes as frames, as far as they parse; the rest as hex. */
export function showFrames(bytes: Buffer): string {
  const shown: string[] = [];
  let rest = bytes;
  for (;;) {
    const f = takeFrame(rest);
    if (!f) break;
    shown.push(showFrame(f.value));
    rest = rest.subarray(f.used);
  }
  if (rest.length > 0) {
    const cut = rest.subarray(0, 48);
    shown.push(`bytes ${cut.toString("hex").replace(/(..)(?!$)/g, "$1 ")}${rest.length > cut.length ? ` ... (${rest.length} bytes)` : ""}`);
  }
  return shown.length === 0 ? "nothing" : shown.join(", ");
}

/** `text` without the CR/LF it may end with (servers that end every line with one). */
export function withoutLineEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  return text.slice(0, end);
}
