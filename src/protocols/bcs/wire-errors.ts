/** The one table from hub and file store outcomes to bcs status answers (docs/bcs.md#status-codes). */
import type { JoinResult, SendResult } from "../../core/errors.js";
import type { DownloadRefusal, UploadRefusal } from "../../core/file-store.js";
import { Status } from "./frames.js";

export type StatusAnswer = readonly [code: number, message: string];

export const JOIN_ANSWERS: Record<JoinResult, StatusAnswer> = {
  ok: [Status.Ok, "ok"],
  name_taken: [Status.NameInUse, "name in use"],
  name_invalid: [Status.InvalidName, "invalid name: use 1-32 of A-Z a-z 0-9 _ - ."],
  name_reserved: [Status.InvalidName, "invalid name: reserved"],
  name_owned: [Status.NameInUse, "name in use"],
  server_full: [Status.ServerFull, "server full"],
  already_joined: [Status.ProtocolError, "already registered"],
};

export const SEND_ANSWERS: Record<SendResult, StatusAnswer> = {
  ok: [Status.Ok, "ok"],
  // bcs sends no direct messages, so it never gets this; it would be a success.
  queued: [Status.Ok, "ok"],
  not_joined: [Status.ProtocolError, "register first"],
  message_empty: [Status.BadMessage, "empty message"],
  message_too_long: [Status.BadMessage, "message too long"],
  user_unknown: [Status.ProtocolError, "no such user"],
  mailbox_full: [Status.ProtocolError, "recipient's mailbox is full"],
  recipient_overflow: [Status.ProtocolError, "recipient is not reading"],
  // Like a full server: busy for now, try again (docs/cluster.md#failures).
  unreachable: [Status.ServerFull, "chat unreachable now; not sent, try again"],
};

export const FILE_ANSWERS = {
  tooLarge: [Status.FileError, "file too large"],
  exists: [Status.FileError, "file exists"],
  notFound: [Status.FileError, "file not found"],
  storeFailed: [Status.FileError, "could not store file"],
} as const satisfies Record<string, StatusAnswer>;

export const PROTOCOL_ANSWERS = {
  registerFirst: [Status.ProtocolError, "register first"],
  unexpectedFrame: [Status.ProtocolError, "unexpected frame type from a client"],
  alreadyRegistered: [Status.ProtocolError, "already registered"],
  nameTooLong: [Status.InvalidName, "invalid name: too long"],
  messageTooLong: [Status.BadMessage, "message too long"],
  fileNameTooLong: [Status.FileError, "file name too long"],
} as const satisfies Record<string, StatusAnswer>;

/** A request while the server says goodbye (docs/bcs.md "Shutdown"): it cannot serve it any more. */
export const SHUTDOWN_ANSWER: StatusAnswer = [Status.ServerFull, "the server is going down"];

/** docs/bcs.md#status-codes, status 7 "rate limited": temporary refusals; the client may try again later. */
export const LIMIT_ANSWERS = {
  /** A frame over --msg-rate/--msg-burst (acks excepted). */
  rateLimited: [Status.RateLimited, "rate limited; slow down"],
  /** A register from an address over --login-failures; the connection is then closed. */
  tooManyFailedLogins: [Status.RateLimited, "too many refused logins from your address; try again later"],
  /** A sendfile over the user's --upload-bytes-per-hour or --uploads-per-minute. */
  uploadsLater: [Status.RateLimited, "upload limit reached; try again later"],
  /** A file larger than a whole hour's allowance can never be accepted: a file error. */
  overHourlyUploads: [Status.FileError, "file larger than the hourly upload limit"],
} as const satisfies Record<string, StatusAnswer>;

/** A sendfile the file store refused; a bad name is answered with the store's reason (status 6). */
export const UPLOAD_REFUSALS: Record<Exclude<UploadRefusal["refused"], "bad_name">, StatusAnswer> = {
  too_large: FILE_ANSWERS.tooLarge,
  exists: FILE_ANSWERS.exists,
  over_quota_now: LIMIT_ANSWERS.uploadsLater,
  over_quota_ever: LIMIT_ANSWERS.overHourlyUploads,
};

/** A getfile the file store refused; a bad name as for uploads. */
export const DOWNLOAD_REFUSALS: Record<Exclude<DownloadRefusal["refused"], "bad_name">, StatusAnswer> = {
  not_found: FILE_ANSWERS.notFound,
};
