/** Typed lines -> what the udp client should do. Pure, so the rules read in one place. */

export type Action =
  | { readonly kind: "public"; readonly text: string }
  | { readonly kind: "private"; readonly to: string; readonly text: string }
  | { readonly kind: "list" }
  | { readonly kind: "info" }
  | { readonly kind: "quit" }
  | { readonly kind: "help" }
  | { readonly kind: "empty" }
  | { readonly kind: "invalid"; readonly message: string };

export function parseLine(line: string): Action {
  if (line.trim() === "") return { kind: "empty" };
  // `//text` sends `/text`, so any message can still be typed (as in the bcs client).
  if (line.startsWith("//")) return { kind: "public", text: line.slice(1) };
  if (!line.startsWith("/")) return { kind: "public", text: line };
  const m = /^(\/\S+)\s*(.*)$/s.exec(line.trimStart())!;
  const command = m[1]!;
  const rest = m[2]!;
  switch (command) {
    case "/msg": {
      // `/msg <user> <text>`: the text is everything after the name, spaces kept.
      const msg = /^(\S+)\s+(.*)$/s.exec(rest);
      if (msg === null || msg[2]!.trim() === "") return { kind: "invalid", message: "usage: /msg <user> <text>" };
      return { kind: "private", to: msg[1]!, text: msg[2]! };
    }
    case "/list":
    case "/info":
    case "/quit":
    case "/help":
      if (rest.trim() !== "") return { kind: "invalid", message: `usage: ${command}` };
      return { kind: command.slice(1) as "list" | "info" | "quit" | "help" };
    default:
      return { kind: "invalid", message: `unknown command ${command} (try /help; start a message with // to send a /)` };
  }
}

export const HELP = [
  "Type a line to send it to everyone. Commands:",
  "  /msg <user> <text>  a private message",
  "  /list               who is online (the server also sends the list now and then)",
  "  /info               the server's date and version",
  "  /quit               log out and leave",
  "  /help               this text",
  "A line starting with // is sent with one / removed.",
].join("\n");
