/**
 * The one table from hub outcomes to CHAT UDP answers (seed 004, docs/udp.md): OK, or
 * Error with a reason. A refusal may go to an address that has not registered, whose
 * replies are at most 64 bytes (docs/udp.md#anti-abuse), so every reason fits 61 bytes of text.
 */
import type { JoinResult, SendResult } from "../../core/errors.js";

/** `undefined` is OK; a string is the text of an Error. */
export type Answer = string | undefined;

export const JOIN_ANSWERS: Record<JoinResult, Answer> = {
  ok: undefined,
  name_taken: "name in use",
  name_owned: "name in use",
  name_invalid: "invalid name: use 1-32 of A-Z a-z 0-9 _ - .",
  name_reserved: "invalid name: reserved",
  server_full: "server full",
  already_joined: "already registered",
};

export const SEND_ANSWERS: Record<SendResult, Answer> = {
  ok: undefined,
  // Kept for an offline cs262 account: OK, but only once it is on disk (session.ts).
  queued: undefined,
  not_joined: "register first",
  message_empty: "empty message",
  message_too_long: "message too long",
  user_unknown: "no such user",
  mailbox_full: "recipient's mailbox is full",
  recipient_overflow: "recipient is not reading",
  unreachable: "chat unreachable now; not sent, try again",
};

export const PROTOCOL_ANSWERS = {
  /** REGISTER with another name from an address that holds one. */
  registeredAs: "already registered under another name; LOGOUT first",
  /** An opcode only the server sends (0, 1, 21, 23, 41, 43). */
  serverOnly: "unexpected opcode from a client",
  /** Over the per-address rate limit (told once per run of refused datagrams). */
  rateLimited: "rate limited",
  /** A PRIVATE to an offline account that could not be stored. */
  notKept: "could not keep the message; try again",
} as const satisfies Record<string, string>;
