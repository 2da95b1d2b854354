/** What the bcs client prints; text from the wire goes through `printable`. */
import { chatLine, printable } from "../shared/printable.js";

export { chatLine, printable };

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
