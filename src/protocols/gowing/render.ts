/**
 * What gowing users see (docs/wire.md#rendering-across-dialects, gowing column), as text lines and as frames. The
 * lines are also what the chat log records. Everything rendered is ASCII: text from
 * other dialects goes through asciiOnly (docs/wire.md#text), and names are ASCII by rule.
 */
import type { HubEvent, PublicEvent } from "../../core/events.js";
import { asciiOnly } from "../render-text.js";
import { encodeText } from "./codec.js";
import { FrameType, MAX_PAYLOAD_BYTES } from "./frames.js";

export const lobbyLine = (from: string, text: string): string => `[${from}] ${text}`;
export const directLine = (from: string, text: string): string => `[${from}] (private) ${text}`;
export const joinLine = (name: string): string => `**${name} is joining the chat**`;
export const leaveLine = (name: string): string => `**${name} is leaving the chat**`;
export const uploadLine = (from: string, file: string): string => `**${from} has uploaded ${file} to the server**`;

/**
 * `text` without the newline(s) it ends with: clients and servers that send the typed
 * line with its newline (docs/gowing.md#session; the public Python client and server do).
 */
export function withoutLineEnd(text: string): string {
  // A loop, not /[\r\n]+$/, which is quadratic on a payload full of newlines.
  let end = text.length;
  while (end > 0 && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * A server frame carrying an ASCII line. A line longer than a u16 length is cut, so that
 * delivering never throws; only limits above the CLI's 65000-byte cap could reach that.
 */
export function serverFrame(type: number, asciiLine: string): Buffer {
  return encodeText(type, asciiLine.length > MAX_PAYLOAD_BYTES ? asciiLine.slice(0, MAX_PAYLOAD_BYTES) : asciiLine);
}

/** Renderings of events shared by many recipients (lobby, presence, files): encoded once. */
const rendered = new WeakMap<HubEvent, Buffer>();

export function renderEvent(event: HubEvent): Buffer {
  // One recipient only: nothing to share.
  if (event.kind === "direct") return serverFrame(FrameType.Direct, directLine(event.from, asciiOnly(event.text)));
  let frame = rendered.get(event);
  if (frame === undefined) {
    frame = serverFrame(FrameType.Message, eventLine(event));
    rendered.set(event, frame);
  }
  return frame;
}

/** The line a gowing user sees for a public event: also what the chat log records. */
export function eventLine(event: PublicEvent): string {
  switch (event.kind) {
    case "lobby":
      return lobbyLine(event.from, asciiOnly(event.text));
    case "join":
      return joinLine(event.name);
    case "leave":
      return leaveLine(event.name);
    case "file":
      return uploadLine(event.from, asciiOnly(event.file));
  }
}
