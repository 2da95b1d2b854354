/**
 * The one table from hub outcomes to gowing wire answers (docs/gowing.md#frames): the JOIN status
 * byte, and the text of every type-5 ERROR frame. (How connections.log words each
 * JoinResult is the log's: src/log/gowing-logs.ts.)
 */
import type { JoinResult, SendResult } from "../../core/errors.js";
import { JoinStatus } from "./frames.js";

export type JoinAnswer =
  /** A type-0 reply with this status byte. */
  | { readonly status: number }
  /** Not a name decision: a type-5 ERROR with this text. */
  | { readonly error: string };

export const JOIN_ANSWERS = {
  ok: { status: JoinStatus.Accepted },
  name_taken: { status: JoinStatus.NameTaken },
  name_invalid: { status: JoinStatus.InvalidName },
  // docs/wire.md#reserved-names: `server` gets the dialect's "invalid name" answer, an account's name "name in use".
  name_owned: { status: JoinStatus.NameTaken },
  name_reserved: { status: JoinStatus.InvalidName },
  server_full: { status: JoinStatus.ServerFull },
  already_joined: { error: "Already joined" },
} as const satisfies Record<JoinResult, JoinAnswer>;

/** ERROR texts for MESSAGE and DIRECT outcomes other than ok. */
export const SEND_ERRORS: Record<Exclude<SendResult, "ok" | "queued">, string> = {
  not_joined: "Join first",
  message_empty: "Empty message",
  message_too_long: "Message too long",
  user_unknown: "No such user",
  mailbox_full: "Mailbox full; not kept",
  recipient_overflow: "Recipient is not reading; not delivered",
  unreachable: "The chat cannot be reached now; not sent, try again",
};

/** A DIRECT to an offline cs262 account is kept for it; this says so if keeping failed. */
export const QUEUE_FAILED = "Could not keep the message for an offline account";

export const PROTOCOL_ERRORS = {
  /** docs/gowing.md#session: any type the server does not take from a client, to the sender only. */
  unsupported: "Unsupported command",
  joinFirst: "Join first",
  messageTooLong: "Message too long",
} as const satisfies Record<string, string>;
