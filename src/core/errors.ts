/**
 * Outcomes of hub calls, as stable codes. Each dialect maps them to its own wire
 * answer in one table (its `wire-errors.ts`). Stable: do not rename.
 */
export type JoinResult =
  | "ok"
  | "name_invalid"
  /** `server`, the server's own name: an invalid name (docs/wire.md#reserved-names). */
  | "name_reserved"
  | "name_taken"
  /** Owned by a cs262 account that is not online: taken, like a name in use (docs/wire.md#reserved-names). */
  | "name_owned"
  | "server_full"
  | "already_joined";

/**
 * A login from an address past its allowance of refused logins (--login-failures), for
 * a caller that asked to be told at once rather than kept waiting (JoinOptions.from).
 */
export type LoginLimited = "login_limited";

/** Creating an account, which logs its creator in under its name (hub.accounts.create). */
export type CreateAccountResult = JoinResult | "account_exists" | LoginLimited;

/** Logging in to an account (hub.accounts.logIn). */
export type LogInResult =
  | JoinResult
  | "unknown_account"
  /** The account's name is online already (in any dialect). */
  | "logged_in_elsewhere"
  /** The account was made with a password and none was given. */
  | "password_required"
  | "wrong_password"
  | LoginLimited;

export type SendResult =
  | "ok"
  /**
   * The target is offline and the Mailbox took the message (a cs262 account, docs/wire.md#offline-mail).
   * A success: answer it once `hub.whenQueuedDurable` calls back.
   */
  | "queued"
  | "not_joined"
  | "message_empty"
  | "message_too_long"
  | "user_unknown"
  /** The target is an offline account whose mailbox holds the most it may (--mailbox-limit). */
  | "mailbox_full"
  /** The recipient's outbound queue was full: it is being disconnected as a slow consumer. */
  | "recipient_overflow"
  /**
   * Not everyone online can be reached now (a cluster node cut off from NATS:
   * docs/cluster.md#failures): the message went to nobody, rather than to some.
   */
  | "unreachable";

/** A lobby message reaches whoever is online: it is never queued and has no one target. */
export type LobbyResult = Extract<SendResult, "ok" | "not_joined" | "message_empty" | "message_too_long" | "unreachable">;

/** Why a member's connection ends. Logged, and shown in metrics later. */
export type DisconnectReason =
  | "client_closed"
  | "client_left"
  | "protocol_error"
  | "login_timeout"
  | "stalled_frame"
  | "ack_timeout"
  /** A udp address that sent nothing for the idle limit. */
  | "idle_timeout"
  | "slow_consumer"
  | "rejected"
  | "server_shutdown"
  /**
   * A cluster node was cut off from NATS, and meanwhile another node's user claimed this
   * user's name: the claim in the bucket keeps it (docs/cluster.md#names).
   */
  | "name_lost"
  | "socket_error"
  | "session_error";
