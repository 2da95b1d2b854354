/** The one table from hub outcomes to lab replies (seed 001 PR3-PR17, docs/lab.md#the-requirements-as-implemented). */
import type { JoinResult, SendResult } from "../../core/errors.js";
import { REPLY, type FixedReply } from "./codec.js";

/** Refusals of HELLO-FROM; each is followed by closing the connection (PR4, PR5, PR15). */
export const JOIN_REFUSALS: Record<Exclude<JoinResult, "ok">, FixedReply> = {
  name_taken: REPLY.inUse,
  name_owned: REPLY.inUse,
  name_invalid: REPLY.badRqstBody,
  name_reserved: REPLY.badRqstBody,
  server_full: REPLY.busy,
  already_joined: REPLY.badRqstHdr,
};

export const SEND_REPLIES: Record<SendResult, FixedReply> = {
  ok: REPLY.sendOk,
  // Kept for an offline cs262 account: SEND-OK, but only once it is on disk (session.ts).
  queued: REPLY.sendOk,
  not_joined: REPLY.badRqstHdr,
  message_empty: REPLY.badRqstBody,
  message_too_long: REPLY.badRqstBody,
  user_unknown: REPLY.badDestUser,
  // An offline account's mailbox is at --mailbox-limit: not kept, so not deliverable.
  mailbox_full: REPLY.badDestUser,
  // The target is being dropped as a slow consumer: it could not be delivered (PR14).
  recipient_overflow: REPLY.badDestUser,
  // lab has no lobby; its SEND never gets this (a cluster's unreachable DM rejects: BAD-DEST-USER).
  unreachable: REPLY.badDestUser,
};
