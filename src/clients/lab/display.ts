/** What the lab client prints (docs/lab.md "Client"; the lines the lab's own client prints). */
import type { LabReply } from "../../protocols/lab/frames.js";
import { printable } from "../shared/printable.js";

export const TEXT = {
  welcome: "Welcome to Chat Client. Enter your login:",
  loggedIn: (name: string) => `Successfully logged in as ${name}!`,
  inUse: (name: string) => `Cannot log in as ${name}. That username is already in use.`,
  disallowed: (name: string) => `Cannot log in as ${name}. That username contains disallowed characters.`,
  full: "Cannot log in. The server is full!",
  unknownInput: "Unknown command. Use !who, @<user> <message> or !quit.",
} as const;

/** The lines printed for a reply or delivery once logged in. */
export function replyLines(reply: LabReply): string[] {
  switch (reply.kind) {
    case "delivery":
      return [`From ${printable(reply.from)}: ${printable(reply.text)}`];
    case "send-ok":
      return ["The message was sent successfully"];
    case "list-ok":
      return [`There are ${reply.names.length} online users:`, ...reply.names.map(printable)];
    case "bad-dest-user":
      return ["The destination user does not exist"];
    case "bad-rqst-hdr":
      return ["Error: Unknown issue in previous message header."];
    case "bad-rqst-body":
      return ["Error: Unknown issue in previous message body."];
    case "busy":
      return [TEXT.full];
    case "hello":
    case "in-use":
    case "unknown":
      return [`Error: Unknown message from the server: ${reply.kind === "unknown" ? printable(reply.line) : reply.kind.toUpperCase()}`];
  }
}

/** Replies that answer a request of ours (a DELIVERY does not). */
export function answersRequest(reply: LabReply): boolean {
  return reply.kind !== "delivery" && reply.kind !== "unknown";
}
