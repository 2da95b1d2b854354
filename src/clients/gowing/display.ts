/**
 * What the client prints, what it makes of a typed line, and the checks it makes on
 * names itself (seed 003: "The name may not contain spaces", "the client should reject"
 * blank names).
 */
import { withoutLineEnd } from "../../protocols/gowing/render.js";
import { printable } from "../shared/printable.js";

/** Why the client will not even ask the server for `name`, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === "") return "a name may not be blank";
  if (/\s/.test(name)) return "a name may not contain spaces";
  return undefined;
}

export const NAME_PROMPT = "Enter another name: ";
export const chatPrompt = (name: string): string => `${name}> `;

/** Printed once joined and on `@help`: what to type in this client (docs/gowing.md "Client"). */
export const HELP_LINES: readonly string[] = [
  "Type a line to send it to everyone. Commands:",
  "  @list               who is online",
  "  @msg <name> <text>  a private message to <name>",
  "  @help               this help",
  "  @exit               leave the chat",
];

/** What a typed line asks for. */
export type Typed =
  | { readonly kind: "blank" | "exit" | "help" | "list" }
  | { readonly kind: "chat"; readonly text: string }
  | { readonly kind: "direct"; readonly target: string; readonly text: string }
  /** Not sent: `text` says why. */
  | { readonly kind: "problem"; readonly text: string };

const MSG_USAGE = "usage: @msg <name> <text>";

export function parseTyped(line: string): Typed {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "blank" };
  if (!trimmed.startsWith("@")) return { kind: "chat", text: line };
  const word = trimmed.split(/\s/, 1)[0]!;
  switch (word.toLowerCase()) {
    case "@exit":
      return { kind: "exit" };
    case "@help":
      return { kind: "help" };
    case "@list":
      return { kind: "list" };
    case "@msg": {
      // The text is kept as typed after the name (inner spacing and all).
      const m = /^@msg\s+(\S+)\s+(\S.*)$/is.exec(trimmed);
      if (m === null) return { kind: "problem", text: MSG_USAGE };
      return { kind: "direct", target: m[1]!.replace(/^@/, ""), text: m[2]! };
    }
    default:
      // Not sent to everyone: someone typing `@alice hi` meant it for alice alone.
      return { kind: "problem", text: `unknown command ${printable(word)}; @help lists the commands` };
  }
}

/**
 * The server's command list (ours, or a public student server's, whose wording differs),
 * recognised by its opening words so that the client's own help replaces it.
 */
export function isCommandList(text: string): boolean {
  return /^\W*(we support these commands|available commands|commands)\s*:/i.test(text);
}

/**
 * A line from the server as printed: without the newline some servers end their lines
 * with (the public Python server does), control characters shown as `?`.
 */
export const receivedLine = (text: string): string => printable(withoutLineEnd(text));
