/**
 * Typed lines -> what the cs262 client should do. Pure, so that the rules are easy to
 * test and to read in one place. Command words are case-insensitive; arguments are
 * separated by spaces, and a message is everything after the recipient.
 */
import type { LocalAction } from "../shared/command-input.js";

export type { LocalAction };

export type Request =
  | { readonly kind: "create"; readonly name: string; readonly password: string | undefined }
  | { readonly kind: "login"; readonly name: string; readonly password: string | undefined }
  | { readonly kind: "list"; readonly pattern: string | undefined }
  | { readonly kind: "send"; readonly to: string; readonly text: string }
  | { readonly kind: "deliver" }
  | { readonly kind: "delete" }
  | { readonly kind: "logout" }
  | { readonly kind: "quit" };

export const USAGE = {
  create: "usage: create <name> [password]",
  login: "usage: login <name> [password]",
  list: "usage: list [pattern]   (* matches anything, e.g. list a*)",
  send: "usage: send <to> <message>",
  deliver: "usage: deliver",
  delete: "usage: delete",
  logout: "usage: logout",
  quit: "usage: quit",
} as const;

export function parseLine(line: string): Request | LocalAction {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "empty" };
  const m = /^(\S+)\s*(.*)$/s.exec(trimmed)!;
  const word = m[1]!.toLowerCase();
  const rest = m[2]!;
  const args = rest === "" ? [] : rest.split(/\s+/);
  switch (word) {
    case "create":
    case "login":
      if (args.length < 1 || args.length > 2) return { kind: "invalid", message: USAGE[word] };
      return { kind: word, name: args[0]!, password: args[1] };
    case "list":
      if (args.length > 1) return { kind: "invalid", message: USAGE.list };
      return { kind: "list", pattern: args[0] };
    case "send": {
      // The message keeps its own spacing: everything after the recipient and one run of spaces.
      const s = /^(\S+)\s+(.+)$/s.exec(rest);
      if (s === null) return { kind: "invalid", message: USAGE.send };
      return { kind: "send", to: s[1]!, text: s[2]! };
    }
    case "deliver":
    case "delete":
    case "logout":
    case "quit":
      if (args.length > 0) return { kind: "invalid", message: USAGE[word] };
      return { kind: word };
    case "help":
      return { kind: "help" };
    default:
      return { kind: "invalid", message: `unknown command ${m[1]} (try help)` };
  }
}

export const HELP = [
  "Commands:",
  "  create <name> [password]  create an account and log in (on a terminal, a password",
  "                            left off is asked for, not shown; empty for none)",
  "  login <name> [password]   log in to an account (likewise)",
  "  list [pattern]            list accounts; * matches anything (a*, *b*)",
  "  send <to> <message>       send a message (kept for <to> if offline)",
  "  deliver                   fetch the messages kept while you were offline",
  "  delete                    delete your account (and its kept messages), log out",
  "  logout                    log out (the client reconnects: cs262 has no logout)",
  "  quit                      leave once everything typed before it is answered",
  "  help                      this text",
  "Messages sent to you print as <from>: <text> when they arrive.",
].join("\n");
