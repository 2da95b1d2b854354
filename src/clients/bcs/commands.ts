/**
 * Typed lines -> what the client should do. Pure, so that the rules are easy to test
 * and to read in one place.
 */
import type { LocalAction } from "../shared/command-input.js";

export type { LocalAction };

/** A request goes to the server, in order, one outstanding at a time (quit keeps its place). */
export type Request =
  | { readonly kind: "send"; readonly text: string }
  | { readonly kind: "sendfile"; readonly path: string }
  | { readonly kind: "getfile"; readonly name: string; readonly dest: string | undefined }
  | { readonly kind: "quit" };

export function parseLine(line: string): Request | LocalAction {
  if (line.trim() === "") return { kind: "empty" };
  // `//text` sends `/text`, so any message can still be typed.
  if (line.startsWith("//")) return { kind: "send", text: line.slice(1) };
  if (!line.startsWith("/")) return { kind: "send", text: line };

  const trimmed = line.trim();
  const space = trimmed.search(/\s/);
  const command = space < 0 ? trimmed : trimmed.slice(0, space);
  const rest = space < 0 ? "" : trimmed.slice(space).trim();
  switch (command) {
    case "/quit":
      return rest === "" ? { kind: "quit" } : { kind: "invalid", message: "usage: /quit" };
    case "/help":
      return { kind: "help" };
    case "/sendfile": {
      // The whole rest is the path, so paths with spaces need no quotes (quotes are allowed).
      const path = unquote(rest);
      return path === "" ? { kind: "invalid", message: "usage: /sendfile <path>" } : { kind: "sendfile", path };
    }
    case "/getfile": {
      const args = splitArgs(rest);
      if (args === undefined || args.length < 1 || args.length > 2 || args[0] === "") {
        return { kind: "invalid", message: "usage: /getfile <name> [dest]" };
      }
      return { kind: "getfile", name: args[0]!, dest: args[1] };
    }
    default:
      return { kind: "invalid", message: `unknown command ${command} (try /help; start a message with // to send a /)` };
  }
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.endsWith(s[0])) return s.slice(1, -1);
  return s;
}

/** Whitespace-separated words; "double" or 'single' quotes group words. Undefined if a quote is open. */
function splitArgs(s: string): string[] | undefined {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const word = m[1] ?? m[2] ?? m[3]!;
    if (m[3] !== undefined && /["']/.test(m[3])) return undefined;
    out.push(word);
  }
  return out;
}
