/**
 * lab frames (seed 001, docs/lab.md#lines): newline-terminated text lines. A request is one
 * line from a client; a reply is one line from the server.
 */

export type LabRequest =
  /** `HELLO-FROM <name>` */
  | { readonly kind: "hello"; readonly name: string }
  /** `LIST` */
  | { readonly kind: "list" }
  /** `SEND <user> <msg>`: the message is everything after the user and one space. */
  | { readonly kind: "send"; readonly to: string; readonly text: string }
  /** An unknown command: BAD-RQST-HDR. */
  | { readonly kind: "bad-header" }
  /**
   * A known command with a body that cannot be used: no body where one is needed, an
   * empty message, invalid UTF-8, or a line longer than the frame limit.
   */
  | { readonly kind: "bad-body"; readonly reason: string };

export type LabReply =
  | { readonly kind: "hello"; readonly name: string }
  | { readonly kind: "in-use" }
  | { readonly kind: "busy" }
  | { readonly kind: "list-ok"; readonly names: readonly string[] }
  | { readonly kind: "send-ok" }
  | { readonly kind: "delivery"; readonly from: string; readonly text: string }
  | { readonly kind: "bad-dest-user" }
  | { readonly kind: "bad-rqst-hdr" }
  | { readonly kind: "bad-rqst-body" }
  /** A line no server of this protocol sends (the client reports it). */
  | { readonly kind: "unknown"; readonly line: string };
