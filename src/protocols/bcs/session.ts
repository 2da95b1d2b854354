/**
 * One bcs connection: frames <-> hub calls, and hub events -> ack-paced delivers.
 *
 * Pacing (seed 000, docs/bcs.md#messages-and-ack-pacing): at most one `deliver`/`fnotify` is unacknowledged at a
 * time; the rest wait in `pending`, which is bounded by the queue-frames limit (a
 * client that lets it fill is a slow consumer). Replies (`status`, `recvfile`) are not
 * paced. While a file is being downloaded nothing else is written, so no frame can
 * land inside the file's bytes.
 *
 * Floods (docs/bcs.md#floods-and-abuse-limits, status 7 "rate limited"): a frame over the message rate is answered
 * `status 7` and dropped (acks are free: a client must be able to acknowledge what it is
 * sent); so is a register from an address with too many refused logins (then closed,
 * as every refused register is), and an upload over the user's allowance.
 *
 * A register's answer may be pending (a networked name registry): input is paused until
 * it comes, so the status for it precedes every other answer.
 */
import { isPending } from "../../core/answer.js";
import type { Client } from "../../core/client-events.js";
import type { DisconnectReason, JoinResult, LoginLimited } from "../../core/errors.js";
import type { HubEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import { SERVER_NAME } from "../../core/names.js";
import { answerCodes } from "../../core/stats.js";
import type { Member } from "../../core/ports.js";
import { isRefusal, type CommitResult, type Download, type DownloadRefusal, type FileStore, type Upload, type UploadRefusal } from "../../core/file-store.js";
import type { Logger } from "../../log/ops-log.js";
import type { TransportLimits } from "../../transport/limits.js";
import type { CodecError } from "../../transport/stream-codec.js";
import type { Conn, StreamSession } from "../../transport/session.js";
import { isSplitDelivery } from "../../transport/split-delivery.js";
import { afterPending } from "../pending-answer.js";
import { encodeDeliver, encodeFNotify, encodeRecvFileHeader, encodeStatus } from "./codec.js";
import type { BcsLimits } from "./limits.js";
import { PresenceBatch } from "./presence-batch.js";
import { FrameType, Status, type BcsFrame } from "./frames.js";
import {
  DOWNLOAD_REFUSALS,
  FILE_ANSWERS,
  JOIN_ANSWERS,
  LIMIT_ANSWERS,
  PROTOCOL_ANSWERS,
  SEND_ANSWERS,
  SHUTDOWN_ANSWER,
  UPLOAD_REFUSALS,
  type StatusAnswer,
} from "./wire-errors.js";

export interface BcsContext {
  readonly hub: Hub;
  /** Where uploads are kept: it checks names, sizes and each user's upload allowance. */
  readonly files: FileStore;
  readonly log: Logger;
  readonly limits: Readonly<TransportLimits & BcsLimits>;
}

/** Error answers by code, for the metrics; made on the spot: a bad file name or a codec's message. */
const errorCode = answerCodes<StatusAnswer>([JOIN_ANSWERS, SEND_ANSWERS, FILE_ANSWERS, PROTOCOL_ANSWERS, LIMIT_ANSWERS], (a) =>
  a[0] === Status.FileError ? "bad_file_name" : "malformed",
);

/** Bytes of a download buffered for the socket before reading more of the file. */
const DOWNLOAD_HIGH_WATER = 1024 * 1024;

/** Renderings of events shared by many recipients (lobby, presence, files): encoded once. */
const rendered = new WeakMap<HubEvent, Buffer>();

function render(event: HubEvent): Buffer {
  if (event.kind === "direct") return encodeDeliver(event.from, "(private) " + event.text);
  let frame = rendered.get(event);
  if (frame === undefined) {
    switch (event.kind) {
      case "lobby":
        frame = encodeDeliver(event.from, event.text);
        break;
      case "join":
        frame = encodeDeliver(SERVER_NAME, `${event.name} has connected`);
        break;
      case "leave":
        frame = encodeDeliver(SERVER_NAME, `${event.name} has disconnected`);
        break;
      case "file":
        frame = encodeFNotify(event.from, event.file);
        break;
    }
    rendered.set(event, frame);
  }
  return frame;
}

/**
 * The goodbye at shutdown (docs/bcs.md "Shutdown"): a deliver from `server`, like the
 * join and leave notices, which the client prints as `server: The server is going down`.
 */
const GOODBYE = encodeDeliver(SERVER_NAME, "The server is going down");
/**
 * The same goodbye, paced the same way, when a cluster node must let the user go: its
 * name went to another node's user (docs/cluster.md#names). Requests meanwhile get
 * NAME_LOST_ANSWER instead of SHUTDOWN_ANSWER: the server is not going down.
 */
const NAME_LOST = encodeDeliver(SERVER_NAME, "Your name was taken by another node while this one was cut off");
const NAME_LOST_ANSWER: StatusAnswer = [Status.ServerFull, "your name was taken by another node"];

/**
 * The delaybot's first answer, to be written in two parts (transport/split-delivery.ts):
 * rendered when it is delivered, since only then is it known to be split.
 */
class SplitDeliver {
  constructor(readonly frame: Buffer) {}
}

/**
 * A paced item: a hub event, a frame rendered for this client only (the user list), the
 * joins and leaves folded together while they waited (PresenceBatch), or a split deliver.
 */
type Paced = HubEvent | Buffer | PresenceBatch | SplitDeliver;

export class BcsSession implements StreamSession<BcsFrame>, Member {
  readonly dialect = "bcs";
  name = "";
  /** True once `status ok` for register has been queued. */
  private registered = false;
  private readonly pending: Paced[] = [];
  private pendingHead = 0;
  private awaitingAck = false;
  private ackSince = 0;
  private upload: { readonly upload: Upload; readonly name: string; readonly size: number } | undefined;
  /** From a getfile request until its reply is complete: delivers wait, so none lands in the file. */
  private downloading = false;
  private download: Download | undefined;
  /** Set when asked to go at shutdown: the goodbye is queued, and the connection closes once it is sent. */
  private leaving: DisconnectReason | undefined;

  constructor(
    private readonly conn: Conn,
    private readonly ctx: BcsContext,
  ) {
    ctx.hub.clientEvents.report({ kind: "connected", client: this.client });
  }

  // ---- Member (hub side) ------------------------------------------------------------

  deliver(event: HubEvent): boolean {
    const item = event.kind === "direct" && isSplitDelivery() ? new SplitDeliver(render(event)) : event;
    if (this.registered && !this.awaitingAck && !this.downloading && this.pendingHead === this.pending.length) {
      return this.sendPaced(item);
    }
    if (event.kind === "join" || event.kind === "leave") return this.queuePresence(event.kind, event.name);
    if (this.pending.length - this.pendingHead >= this.ctx.limits.queueFrames) return false;
    this.pending.push(item);
    return true;
  }

  /** What waits for this client's acks, for the slow-consumer log line. */
  get queuedFrames(): number {
    return this.pending.length - this.pendingHead;
  }

  /**
   * A join or leave that must wait joins the presence batch at the end of the queue, if
   * there is one: a login storm cannot fill the queue (docs/bcs.md "Presence"). Folded
   * only into the last item, so no notice overtakes a message queued before it.
   */
  private queuePresence(kind: "join" | "leave", name: string): boolean {
    const last = this.pending.length > this.pendingHead ? this.pending[this.pending.length - 1] : undefined;
    let batch = last instanceof PresenceBatch ? last : undefined;
    if (batch === undefined) {
      if (this.pending.length - this.pendingHead >= this.ctx.limits.queueFrames) return false;
      batch = new PresenceBatch();
      this.pending.push(batch);
    }
    if (kind === "join") batch.join(name);
    else batch.leave(name);
    return true;
  }

  disconnect(reason: DisconnectReason): void {
    if (reason === "slow_consumer") return this.conn.destroy(reason);
    const goodbye = reason === "server_shutdown" ? GOODBYE : reason === "name_lost" ? NAME_LOST : undefined;
    if (goodbye === undefined || !this.registered || this.leaving !== undefined) return this.conn.close(reason);
    // Paced like every deliver, after what was queued before it: the client sees every
    // message sent before the shutdown, then the goodbye. A client that stops acking
    // never gets it; the shutdown deadline then cuts the connection.
    this.leaving = reason;
    this.pending.push(goodbye);
    this.pump();
  }

  // ---- frames from the client -------------------------------------------------------

  onFrame(frame: BcsFrame): void {
    if (!this.registered) return this.beforeRegister(frame);
    // Saying goodbye: acks are still read (they pace the goodbye), nothing else is served.
    if (this.leaving !== undefined && frame.type !== FrameType.Status) return this.reply(this.leaving === "name_lost" ? NAME_LOST_ANSWER : SHUTDOWN_ANSWER);
    switch (frame.type) {
      case FrameType.Send:
        return this.reply(SEND_ANSWERS[this.sendToLobby(frame.message)]);
      case FrameType.Status:
        return this.acknowledged();
      case FrameType.SendFile:
        return this.beginUpload(frame.filename, frame.size);
      case FrameType.GetFile:
        return this.beginDownload(frame.filename);
      case FrameType.Register:
        return this.reply(PROTOCOL_ANSWERS.alreadyRegistered);
      case "oversize":
        // The oversized string follows as a body, which onBody drops.
        if (frame.of === FrameType.Send) return this.reply(PROTOCOL_ANSWERS.messageTooLong);
        if (frame.of === FrameType.GetFile) return this.reply(PROTOCOL_ANSWERS.fileNameTooLong);
        return this.reply(PROTOCOL_ANSWERS.alreadyRegistered);
      default:
        // deliver, fnotify and recvfile are server frames (a recvfile body is dropped).
        return this.reply(PROTOCOL_ANSWERS.unexpectedFrame);
    }
  }

  /**
   * The ack of an outstanding deliver does not count against the message rate: a client
   * must be able to acknowledge whatever it is sent. A stray ack (nothing outstanding)
   * counts like any frame, so a flood of them is slowed as well.
   */
  isRateFree(frame: BcsFrame): boolean {
    return frame.type === FrameType.Status && this.awaitingAck;
  }

  /** docs/bcs.md#status-codes, status 7: the request is refused, the client may send it again later. */
  overRate(frame: BcsFrame): void {
    // A stray ack is ignored anyway: it gets no answer, only the wait.
    if (frame.type === FrameType.Status) return;
    // A refused sendfile's contents follow as a body, which onBody drops (no upload).
    this.reply(LIMIT_ANSWERS.rateLimited);
  }

  onBody(chunk: Buffer): void {
    const up = this.upload;
    if (up === undefined) return; // a refused upload or an oversized field: discarded
    if (!up.upload.write(chunk)) {
      this.conn.pauseInput();
      up.upload.onDrain(() => this.conn.resumeInput());
    }
  }

  onBodyEnd(): void {
    const up = this.upload;
    if (up === undefined) return;
    this.upload = undefined;
    const answer = up.upload.commit();
    if (!isPending(answer)) return this.committed(up.name, up.size, answer);
    this.conn.pauseInput(); // the reply must precede anything the client sends next
    answer.then(
      this.conn.guarded((result: CommitResult) => {
        this.committed(up.name, up.size, result);
        this.conn.resumeInput(); // after the reply: it precedes the answers to what comes next
      }),
      this.conn.guarded((err: unknown) => {
        this.ctx.log.error({ err, file: up.name }, "storing an upload failed");
        this.reply(FILE_ANSWERS.storeFailed);
        this.conn.resumeInput();
      }),
    );
  }

  onDecodeError(error: CodecError): void {
    this.reply([Status.ProtocolError, error.message]);
    if (error.fatal) this.conn.close("protocol_error");
  }

  onClose(reason: DisconnectReason): void {
    this.upload?.upload.abort();
    this.upload = undefined;
    this.download?.close();
    this.download = undefined;
    this.ctx.hub.leave(this); // idempotent; abandons a register still being answered
    this.ctx.hub.clientEvents.report({ kind: "disconnected", client: this.client, name: this.registered ? this.name : undefined, reason });
  }

  checkDeadline(now: number): DisconnectReason | undefined {
    // A long download holds acks up on the client's side: the clock restarts after it.
    if (this.awaitingAck && !this.downloading && now - this.ackSince > this.ctx.limits.ackTimeoutMs) {
      return "ack_timeout";
    }
    return undefined;
  }

  // ---- handlers ---------------------------------------------------------------------

  private beforeRegister(frame: BcsFrame): void {
    if (frame.type === "oversize" && frame.of === FrameType.Register) return this.refuse(PROTOCOL_ANSWERS.nameTooLong);
    if (frame.type !== FrameType.Register) return this.refuse(PROTOCOL_ANSWERS.registerFirst);
    const name = frame.username;
    this.name = name; // set first: events racing the join are queued under this name
    // Past the address's refused logins: status 7 and close, as every refused register.
    const from = { address: this.conn.remoteAddress, overAllowance: "refuse" } as const;
    const result = this.ctx.hub.join(this, name, { from });
    if (isPending(result)) afterPending(this.conn, result, (answer) => this.answerRegister(name, answer));
    else this.answerRegister(name, result);
  }

  /** The answer to a register. */
  private answerRegister(name: string, result: JoinResult | LoginLimited): void {
    // A register refused for its address's allowance never reached the hub: no login to report.
    if (result !== "login_limited") this.reportLogin(name, result);
    if (result !== "ok") {
      this.name = "";
      this.pending.length = 0;
      return this.refuse(result === "login_limited" ? LIMIT_ANSWERS.tooManyFailedLogins : JOIN_ANSWERS[result]);
    }
    this.conn.loggedIn();
    this.reply(JOIN_ANSWERS.ok);
    this.registered = true;
    const others = this.ctx.hub.names().filter((n) => n !== name);
    const lists = userListMessages(others).map((list) => encodeDeliver(SERVER_NAME, list));
    this.pending.splice(this.pendingHead, 0, ...lists);
    this.pump();
  }

  private sendToLobby(text: string) {
    return this.ctx.hub.lobby(this, text);
  }

  private acknowledged(): void {
    // A status with no deliver outstanding is a stray ack: harmless, ignored.
    if (!this.awaitingAck) return;
    this.awaitingAck = false;
    this.pump();
  }

  /** sendfile: the store says where the body goes, or why it does not (the body is then dropped). */
  private beginUpload(filename: string, size: number): void {
    const answer = this.ctx.files.beginUpload(this.name, filename, size);
    if (!isPending(answer)) return this.uploadBegun(filename, size, answer);
    this.conn.pauseInput(); // the body waits until it has somewhere to go
    answer.then(
      this.conn.guarded((begun: Upload | UploadRefusal) => {
        if (this.conn.closed) return void (isRefusal(begun) || begun.abort());
        this.uploadBegun(filename, size, begun);
        this.conn.resumeInput();
      }),
      this.conn.guarded((err: unknown) => {
        this.ctx.log.error({ err, file: filename }, "beginning an upload failed");
        this.reply(FILE_ANSWERS.storeFailed);
        this.conn.resumeInput();
      }),
    );
  }

  private uploadBegun(filename: string, size: number, begun: Upload | UploadRefusal): void {
    if (!isRefusal(begun)) {
      this.upload = { upload: begun, name: filename, size };
      return;
    }
    if (begun.refused === "bad_name") return this.reply([Status.FileError, begun.problem]);
    if (begun.refused === "over_quota_now" || begun.refused === "over_quota_ever") this.ctx.hub.stats.dialect(this.dialect).rateLimited.upload_quota++;
    this.reply(UPLOAD_REFUSALS[begun.refused]);
  }

  private committed(filename: string, size: number, result: CommitResult): void {
    if (result === "exists") return this.reply(FILE_ANSWERS.exists);
    this.reply([Status.Ok, "ok"]);
    this.ctx.hub.stats.fileStored(size);
    this.ctx.hub.clientEvents.report({ kind: "stored", client: this.client, user: this.name, file: filename, size });
    this.ctx.hub.fileStored(this, filename);
  }

  /** getfile: a refusal at once is answered at once; otherwise nothing else is read or delivered until it is answered. */
  private beginDownload(filename: string): void {
    const answer = this.ctx.files.openDownload(filename);
    if (!isPending(answer) && isRefusal(answer)) return this.reply(downloadRefusal(answer));
    this.downloading = true;
    this.conn.pauseInput(); // answer this request before reading the next one
    if (!isPending(answer)) return this.downloadOpened(answer);
    answer.then(
      this.conn.guarded((opened: Download | DownloadRefusal) => {
        if (this.conn.closed) return void (isRefusal(opened) || opened.close());
        this.downloadOpened(opened);
      }),
      this.conn.guarded((err: unknown) => {
        this.ctx.log.error({ err, file: filename }, "opening a download failed");
        this.endDownload(FILE_ANSWERS.notFound);
      }),
    );
  }

  private downloadOpened(opened: Download | DownloadRefusal): void {
    if (isRefusal(opened)) return this.endDownload(downloadRefusal(opened));
    if (opened.size > 0xffffffff) {
      opened.close();
      return this.endDownload(FILE_ANSWERS.tooLarge);
    }
    this.streamFile(opened);
  }

  /** recvfile: the header, then the file as the store hands it over, paced by the socket. */
  private streamFile(file: Download): void {
    this.download = file;
    // Replies to the getfile (conn.reply): a download never makes its reader a slow consumer.
    this.conn.reply(encodeRecvFileHeader(file.size));
    // The store calls session code from outside the transport: each callback is guarded.
    file.start({
      chunk: this.conn.guarded((chunk: Buffer) => {
        if (!this.conn.reply(chunk)) return file.close();
        if (this.conn.pendingBytes > DOWNLOAD_HIGH_WATER) {
          file.pause();
          this.conn.whenFlushed(() => file.resume());
        }
      }),
      end: this.conn.guarded(() => this.endDownload(undefined)),
      error: this.conn.guarded((err: Error) => {
        // The length is already on the wire: the stream cannot be completed or resynced.
        this.ctx.log.error({ err }, "reading a download failed");
        this.download = undefined;
        this.conn.close("session_error");
      }),
    });
  }

  /** The getfile is answered (by `answer`, or by the complete recvfile): carry on. */
  private endDownload(answer: StatusAnswer | undefined): void {
    if (answer) this.reply(answer);
    this.download = undefined;
    this.downloading = false;
    this.ackSince = Date.now(); // the client could not ack while the file was coming
    this.conn.resumeInput();
    this.pump();
  }

  // ---- output -----------------------------------------------------------------------

  private reply(answer: StatusAnswer): void {
    this.conn.reply(encodeStatus(answer[0], answer[1]));
    if (answer[0] !== Status.Ok) {
      this.ctx.hub.stats.dialect(this.dialect).errorAnswered(errorCode(answer));
      // Server-defined errors go to the operational log (stderr), never the chat log.
      const remote = `${this.conn.remoteAddress}:${this.conn.remotePort}`;
      this.ctx.log.info({ dialect: "bcs", remote, user: this.name || undefined, status: answer[0] }, answer[1]);
    }
  }

  /** For the logs (src/log/): the bcs chat log records each registration. */
  private reportLogin(name: string, result: JoinResult): void {
    this.ctx.hub.clientEvents.report({ kind: "login", client: this.client, name, result });
  }

  private get client(): Client {
    return { dialect: this.dialect, address: this.conn.remoteAddress, port: this.conn.remotePort };
  }

  private refuse(answer: StatusAnswer): void {
    this.reply(answer);
    this.conn.close("rejected");
  }

  private sendPaced(item: Paced): boolean {
    const sent = Buffer.isBuffer(item)
      ? this.conn.send(item)
      : item instanceof PresenceBatch
        ? this.conn.send(item.render())
        : item instanceof SplitDeliver
        ? this.conn.sendSplit(item.frame)
        : this.conn.send(render(item));
    if (!sent) return false;
    this.awaitingAck = true;
    this.ackSince = Date.now();
    return true;
  }

  /** Send the next paced item if nothing is outstanding. */
  private pump(): void {
    while (!this.awaitingAck && !this.downloading && this.pendingHead < this.pending.length) {
      const item = this.pending[this.pendingHead]!;
      this.pending[this.pendingHead++] = undefined as unknown as Paced; // let it be collected
      if (this.pendingHead === this.pending.length) {
        this.pending.length = 0;
        this.pendingHead = 0;
      } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
        this.pending.splice(0, this.pendingHead);
        this.pendingHead = 0;
      }
      // A batch whose joins and leaves all cancelled out has nothing to say: the next one.
      if (!(item instanceof PresenceBatch && item.empty)) this.sendPaced(item);
    }
    if (this.leaving !== undefined && this.pendingHead === this.pending.length) this.conn.close(this.leaving);
  }

}

/** The answer to a getfile the store refused: a bad name with the store's reason (status 6). */
function downloadRefusal(refusal: DownloadRefusal): StatusAnswer {
  return refusal.refused === "bad_name" ? [Status.FileError, refusal.problem] : DOWNLOAD_REFUSALS[refusal.refused];
}

/** Longest user-list message: well within a u16 string and a client's 64 KiB frame limit. */
export const MAX_USER_LIST_BYTES = 60_000;

/**
 * The user list for a newcomer: `online: a, b` (or `online: nobody else`), split over
 * several messages of whole names when it would not fit one (thousands online; a u16
 * string holds at most 65535 bytes, docs/bcs.md#frames). Names are ASCII, so length is bytes.
 */
export function userListMessages(others: readonly string[], maxBytes = MAX_USER_LIST_BYTES): string[] {
  if (others.length === 0) return ["online: nobody else"];
  const lists: string[] = [];
  let list = "";
  for (const n of others) {
    if (list !== "" && list.length + 2 + n.length > maxBytes) {
      lists.push(list);
      list = "";
    }
    list += list === "" ? `online: ${n}` : `, ${n}`;
  }
  lists.push(list);
  return lists;
}
