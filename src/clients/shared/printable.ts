/**
 * Text from the wire is shown through `printable` so that a peer cannot move the
 * cursor, clear the screen or split one message over many lines (every printed line is
 * exactly one event, which scripts reading stdout rely on).
 */

// C0 controls except tab, DEL, and C1 controls (some terminals act on those too).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ").replace(CONTROL, "?");
}

/** `<from>: <text>`, both made printable: how the bcs and udp clients show a message. */
export function chatLine(from: string, text: string): string {
  return `${printable(from)}: ${printable(text)}`;
}
