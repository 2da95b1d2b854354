/**
 * The one table from hub and account outcomes to cs262 RESPONSE strings (docs/cs262.md#answers):
 * `""` is success, anything else is the error string sent to the client.
 */
import type { CreateAccountResult, JoinResult, LogInResult, SendResult } from "../../core/errors.js";

export const OK = "";

export const JOIN_ANSWERS: Record<JoinResult, string> = {
  ok: OK,
  name_invalid: "invalid name: use 1-32 of A-Z a-z 0-9 _ - .",
  name_reserved: "invalid name: reserved",
  name_taken: "name in use",
  name_owned: "name in use",
  server_full: "server full",
  already_joined: "already logged in",
};

export const SEND_ANSWERS: Record<SendResult, string> = {
  ok: OK,
  queued: OK, // kept for an offline account; answered once durable
  not_joined: "log in first",
  message_empty: "empty message",
  message_too_long: "message too long",
  user_unknown: "no such user",
  mailbox_full: "recipient's mailbox is full; not kept",
  recipient_overflow: "recipient is not reading",
  unreachable: "chat unreachable now; not sent, try again",
};

export const ACCOUNT_ANSWERS = {
  exists: "account exists",
  unknown: "no such account",
  loggedInElsewhere: "account is logged in elsewhere",
  alreadyLoggedIn: "already logged in",
  passwordRequired: "password required",
  wrongPassword: "wrong password",
  emptyPassword: "empty password",
  passwordTooLong: "password too long",
  notLoggedIn: "log in first",
  forgedSender: "sender must be the logged-in account",
  storeFailed: "could not store; try again later",
} as const satisfies Record<string, string>;

export const PROTOCOL_ANSWERS = {
  /** RESPONSE and LISTRESPONSE are the server's. */
  serverCommand: "unexpected command from a client",
} as const satisfies Record<string, string>;

/** Refusals for now: the client may try again later. */
export const LIMIT_ANSWERS = {
  /** A request over --msg-rate/--msg-burst. */
  rateLimited: "rate limited; slow down",
  /** A CREATE or LOGIN from an address over --login-failures. */
  tooManyFailedLogins: "too many refused logins from your address; try again later",
} as const satisfies Record<string, string>;

/** The hub's answers to CREATE and LOGIN (hub.accounts): its join answers and the account's own. */
export const ACCOUNT_RESULTS: Record<CreateAccountResult | LogInResult, string> = {
  ...JOIN_ANSWERS,
  account_exists: ACCOUNT_ANSWERS.exists,
  unknown_account: ACCOUNT_ANSWERS.unknown,
  logged_in_elsewhere: ACCOUNT_ANSWERS.loggedInElsewhere,
  password_required: ACCOUNT_ANSWERS.passwordRequired,
  wrong_password: ACCOUNT_ANSWERS.wrongPassword,
  login_limited: LIMIT_ANSWERS.tooManyFailedLogins,
};
