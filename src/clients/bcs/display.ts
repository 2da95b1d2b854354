/**
 * What the client prints. Text from the wire is shown through `printable` so that a
 * peer cannot move the cursor, clear the screen or split one message over many lines
 * (every printed line is exactly one event, which scripts reading stdout rely on).
 */

// C0 controls except tab, DEL, and C1 controls (some terminals act on those too).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ").replace(CONTROL, "?");
}

export function chatLine(from: string, text: string): string {
  return `${printable(from)}: ${printable(text)}`;
}

/** fnotify is shown as if `server` had delivered it (seed 000; "ther" was a typo). */
export function uploadNoticeLine(user: string, file: string): string {
  return chatLine("server", `${user} has uploaded ${file} to the server`);
}

export const HELP = [
  "Type a line to send it to everyone. Commands:",
  "  /sendfile <path>        upload a file (stored under its base name)",
  "  /getfile <name> [dest]  download a file (default ./<name>; dest may be a directory)",
  "  /quit                   leave once everything typed before it is answered",
  "  /help                   this text",
  "A line starting with // is sent with one / removed. Ctrl+C leaves at once.",
].join("\n");
