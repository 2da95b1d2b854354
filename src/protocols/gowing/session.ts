/**
 * One gowing connection: frames <-> hub calls, and hub events -> type-2/4 frames
 * (seed 003, docs/gowing.md).
 *
 * - Nothing is sent before the JOIN reply, which is one raw byte (docs/gowing.md#frames: every
 *   public client reads the first byte as the status). The command list (seed
 *   progression 2) goes to this connection only, once JOIN is accepted.
 * - JOIN may be retried on the same connection after a rejection (seed: "loop back to
 *   the request for a username"); the login deadline bounds how long that may go on.
 * - What gowing users send is held to ASCII (docs/wire.md#text): each non-ASCII character of
 *   the payload, read as UTF-8, becomes one `?` before it reaches the hub, so every
 *   dialect and the log see the same text. A trailing CR/LF of a MESSAGE or DIRECT is
 *   dropped (clients that send the typed line with its newline), and a DIRECT target
 *   may be written `@target` (as the public Python client sends it).
 * - Floods: gowing answers nothing on success, so a client over the message rate, or
 *   over its address's refused logins, is read more slowly instead of told (no
 *   overRate: the transport holds the frame; the hub answers a JOIN late).
 * - A hub answer may be pending (a networked registry or router, a JOIN waiting for its
 *   address's allowance): input is paused until it comes, so answers keep their order.
 */
import { isPending } from "../../core/answer.js";
import type { Client } from "../../core/client-events.js";
import type { DisconnectReason, JoinResult, SendResult } from "../../core/errors.js";
import type { HubEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import { isValidName } from "../../core/names.js";
import type { Member } from "../../core/ports.js";
import { answerCodes } from "../../core/stats.js";
import type { Logger } from "../../log/ops-log.js";
import type { TransportLimits } from "../../transport/limits.js";
import type { CodecError } from "../../transport/stream-codec.js";
import type { Conn, StreamSession } from "../../transport/session.js";
import { isSplitDelivery } from "../../transport/split-delivery.js";
import { afterPending } from "../pending-answer.js";
import { asciiOnly } from "../render-text.js";
import { encodeJoinReply } from "./codec.js";
import { FrameType, MAX_PAYLOAD_BYTES, type GowingFrame } from "./frames.js";
import { joinLine, renderEvent, serverFrame, withoutLineEnd } from "./render.js";
import { JOIN_ANSWERS, PROTOCOL_ERRORS, QUEUE_FAILED, SEND_ERRORS } from "./wire-errors.js";

export interface GowingContext {
  readonly hub: Hub;
  readonly log: Logger;
  readonly limits: Readonly<TransportLimits>;
}

/**
 * Sent after an accepted JOIN, as a type-2 frame, to that connection only (seed
 * progression 2). In words, as the public student servers say it: frame layouts are for
 * docs/gowing.md, and each client has its own way of typing these.
 */
export const COMMAND_LIST = "We support these commands: join, leave, talk, list, direct";
const COMMAND_LIST_FRAME = serverFrame(FrameType.Message, COMMAND_LIST);

/** The goodbye at shutdown (docs/gowing.md "Shutdown"): a notice like the join and leave ones. */
export const GOODBYE_LINE = "**The server is going down**";
const GOODBYE_FRAME = serverFrame(FrameType.Message, GOODBYE_LINE);
/** The same notice when a cluster node must let the user go: its name went to another node's user (docs/cluster.md#names). */
const NAME_LOST_LINE = "**Your name was taken by another node while this one was cut off**";
const NAME_LOST_FRAME = serverFrame(FrameType.Message, NAME_LOST_LINE);

const LIST_SEPARATOR = ", ";

/** ERROR texts by code, for the metrics; a codec's own message is a malformed frame. */
const errorCode = answerCodes<string>(
  [SEND_ERRORS, PROTOCOL_ERRORS, { already_joined: JOIN_ANSWERS.already_joined.error, queue_failed: QUEUE_FAILED }],
  () => "malformed",
);

export class GowingSession implements StreamSession<GowingFrame>, Member {
  readonly dialect = "gowing";
  name = "";
  private joined = false;
  /** Set while a JOIN is answered: events for us that race our own reply wait here. */
  private early: HubEvent[] | undefined;

  constructor(
    private readonly conn: Conn,
    private readonly ctx: GowingContext,
  ) {
    // Each connection, each name it asks for and its end go to connections.log (src/log/gowing-logs.ts).
    ctx.hub.clientEvents.report({ kind: "connected", client: this.client });
  }

  // ---- Member (hub side) ------------------------------------------------------------

  deliver(event: HubEvent): boolean {
    if (this.early !== undefined) {
      // Only a slow consumer dropped during our join can get here; keep the order.
      if (this.early.length >= this.ctx.limits.queueFrames) return false;
      this.early.push(event);
      return true;
    }
    const frame = renderEvent(event);
    // The delaybot's first answer comes in two parts (transport/split-delivery.ts).
    return event.kind === "direct" && isSplitDelivery() ? this.conn.sendSplit(frame) : this.conn.send(frame);
  }

  disconnect(reason: DisconnectReason): void {
    if (reason === "slow_consumer") return this.conn.destroy(reason);
    if (reason === "server_shutdown") this.conn.send(GOODBYE_FRAME);
    else if (reason === "name_lost") this.conn.send(NAME_LOST_FRAME);
    this.conn.close(reason);
  }

  // ---- frames from the client -------------------------------------------------------

  onFrame(frame: GowingFrame): void {
    if (frame.kind === "skipped") return this.onSkipped(frame.type, frame.size);
    switch (frame.type) {
      case FrameType.Join:
        return this.handleJoin(frame.text);
      case FrameType.Leave:
        return this.handleLeave();
      case FrameType.Message:
        return this.handleMessage(frame.text);
      case FrameType.List:
        return this.handleList();
      case FrameType.Direct:
        return this.handleDirect(frame.text);
      default:
        // ERROR (5) is the server's to send (docs/gowing.md#session: any other type is unsupported).
        return this.error(PROTOCOL_ERRORS.unsupported);
    }
  }

  /** A payload the codec did not buffer: an unknown type, or one over the frame limit. */
  private onSkipped(type: number, size: number): void {
    switch (type) {
      case FrameType.Join: {
        if (this.joined) return this.error(JOIN_ANSWERS.already_joined.error);
        // A name too long to read is an invalid one, counted as any refused name.
        const refused = this.ctx.hub.refuseLogin(this, this.loginFrom());
        if (isPending(refused)) return afterPending(this.conn, refused, () => this.unreadableName(size));
        return this.unreadableName(size);
      }
      case FrameType.Leave:
        return this.handleLeave(); // the payload means nothing for LEAVE or LIST
      case FrameType.List:
        return this.handleList();
      case FrameType.Message:
      case FrameType.Direct:
        return this.error(this.joined ? PROTOCOL_ERRORS.messageTooLong : PROTOCOL_ERRORS.joinFirst);
      default:
        return this.error(PROTOCOL_ERRORS.unsupported);
    }
  }

  onBody(): void {
    // Skipped payloads are dropped as they stream past, never held.
  }

  onBodyEnd(): void {}

  onDecodeError(error: CodecError): void {
    // The gowing codec reports none (every frame is length-delimited); the reader only
    // could, if it were given a buffer limit below the frame limit.
    this.error(error.message);
    if (error.fatal) this.conn.close("protocol_error");
  }

  onClose(reason: DisconnectReason): void {
    // Kept after LEAVE, for this line; not yet a name while a JOIN is being answered.
    const name = this.name === "" || this.early !== undefined ? undefined : this.name;
    if (this.joined) this.left();
    else this.ctx.hub.leave(this); // abandons a JOIN being answered
    this.ctx.hub.clientEvents.report({ kind: "disconnected", client: this.client, name, reason });
  }

  // ---- handlers ---------------------------------------------------------------------

  /** JOIN `name` -> type 0, len 1, status (docs/gowing.md#session); accepted: the notice to all, us included. */
  private handleJoin(name: string): void {
    if (this.joined) return this.error(JOIN_ANSWERS.already_joined.error);
    this.name = name; // the hub reads it while joining us
    this.early = [];
    const result = this.ctx.hub.join(this, name, { from: this.loginFrom() });
    if (isPending(result)) afterPending(this.conn, result, (answer) => this.answerJoin(name, answer));
    else this.answerJoin(name, result);
  }

  /** Too many refused names from this address: the hub answers the JOIN later, not with a refusal. */
  private loginFrom() {
    return { address: this.conn.remoteAddress, overAllowance: "wait" } as const;
  }

  /** The JOIN reply (a name too long to read): invalid. */
  private unreadableName(size: number): void {
    this.ctx.hub.stats.dialect(this.dialect).errorAnswered("name_invalid");
    this.reportLogin(size, "name_invalid");
    this.conn.reply(encodeJoinReply(JOIN_ANSWERS.name_invalid.status));
  }

  /** Replies (conn.reply): the JOIN may have been answered after its frame was handled. */
  private answerJoin(name: string, result: JoinResult): void {
    const early = this.early ?? [];
    this.early = undefined;
    const answer = JOIN_ANSWERS[result];
    if (!("status" in answer)) return this.error(answer.error); // cannot happen: joined is checked above
    this.reportLogin(name, result);
    this.conn.reply(encodeJoinReply(answer.status));
    if (result !== "ok") {
      this.ctx.hub.stats.dialect(this.dialect).errorAnswered(result);
      this.name = "";
      return;
    }
    this.joined = true;
    this.conn.loggedIn();
    this.conn.reply(COMMAND_LIST_FRAME);
    // The hub tells everyone else; the seed wants the joiner told too, after its reply.
    this.conn.reply(serverFrame(FrameType.Message, joinLine(name)));
    for (const event of early) this.conn.reply(renderEvent(event));
  }

  /** LEAVE -> the leaving notice to the rest, then the server closes (docs/gowing.md#session). */
  private handleLeave(): void {
    if (this.joined) this.left();
    this.conn.close("client_left");
  }

  /** MESSAGE `text` -> `[X] text` to every other client (docs/gowing.md#session). */
  private handleMessage(payload: string): void {
    if (!this.joined) return this.error(PROTOCOL_ERRORS.joinFirst);
    const text = asciiOnly(withoutLineEnd(payload));
    const result = this.ctx.hub.lobby(this, text);
    if (result !== "ok") this.sendFailed(result, undefined);
  }

  /** LIST -> type 3, every online name (all dialects, us included, join order) joined by `, `. */
  private handleList(): void {
    if (!this.joined) return this.error(PROTOCOL_ERRORS.joinFirst);
    let line = "";
    for (const name of this.ctx.hub.names()) {
      // A list too long for one u16 payload continues in further type-3 frames.
      if (line.length > 0 && line.length + LIST_SEPARATOR.length + name.length > MAX_PAYLOAD_BYTES) {
        this.conn.send(serverFrame(FrameType.List, line));
        line = "";
      }
      line = line.length === 0 ? name : line + LIST_SEPARATOR + name;
    }
    this.conn.send(serverFrame(FrameType.List, line));
  }

  /** DIRECT `target text` -> type 4 `[X] (private) text` to the target (docs/gowing.md#session). */
  private handleDirect(payload: string): void {
    if (!this.joined) return this.error(PROTOCOL_ERRORS.joinFirst);
    const clean = asciiOnly(withoutLineEnd(payload));
    const space = clean.indexOf(" ");
    const written = space < 0 ? clean : clean.slice(0, space);
    const target = written.startsWith("@") ? written.slice(1) : written;
    const text = space < 0 ? "" : clean.slice(space + 1);
    const result = this.ctx.hub.direct(this, target, text);
    if (!isPending(result)) return this.directSent(result, target);
    // Answered over the network: an error for it must come before the answers to what follows.
    this.conn.pauseInput();
    result.then(
      this.conn.guarded((answer: SendResult) => {
        this.directSent(answer, target);
        this.conn.resumeInput();
      }),
      this.conn.guarded((err: unknown) => {
        // Not handed over: reported as a message that could not be kept.
        this.ctx.log.error({ err, dialect: "gowing" }, "sending a direct message failed");
        this.error(QUEUE_FAILED);
        this.conn.resumeInput();
      }),
    );
  }

  private directSent(result: SendResult, target: string): void {
    if (result === "queued") {
      // gowing acknowledges nothing on success: only a failure to keep it is reported.
      return this.ctx.hub.whenQueuedDurable(
        this.conn.guarded((err?: Error) => {
          if (err && !this.conn.closed) this.error(QUEUE_FAILED);
        }),
      );
    }
    if (result !== "ok") this.sendFailed(result, target);
  }

  /** A JOIN and its answer: the name asked for (its size when it was too long to read). */
  private reportLogin(name: string | number, result: JoinResult): void {
    this.ctx.hub.clientEvents.report({ kind: "login", client: this.client, name, result });
  }

  private get client(): Client {
    return { dialect: this.dialect, address: this.conn.remoteAddress, port: this.conn.remotePort };
  }

  // ---- output -----------------------------------------------------------------------

  private left(): void {
    this.joined = false;
    this.ctx.hub.leave(this);
  }

  private sendFailed(result: Exclude<SendResult, "ok" | "queued">, target: string | undefined): void {
    const text = SEND_ERRORS[result];
    // Name the missing user when it is a name at all (never echo arbitrary bytes back).
    this.error(result === "user_unknown" && target !== undefined && isValidName(target) ? `${text}: ${target}` : text, result);
  }

  /** Type 5, to this connection only (docs/gowing.md#session); a reply, also when it answers later. */
  private error(text: string, code = errorCode(text)): void {
    this.conn.reply(serverFrame(FrameType.Error, text));
    this.ctx.hub.stats.dialect(this.dialect).errorAnswered(code);
    // Server-defined errors go to the operational log (stderr), never the chat log.
    const remote = `${this.conn.remoteAddress}:${this.conn.remotePort}`;
    this.ctx.log.info({ dialect: "gowing", remote, user: this.joined ? this.name : undefined }, text);
  }
}
