/**
 * One registered bcs connection, as a state machine driven by frames and typed requests.
 *
 * Rules it keeps (seed 000, docs/bcs.md):
 * - `register` first; a non-zero status reply ends the session with that code.
 * - At most one request (send, sendfile, getfile) is outstanding; later ones wait in
 *   `queue` until the previous reply (`status`, or a whole `recvfile`) has arrived.
 * - Every `deliver`/`fnotify` is acknowledged with `status 0 "ok"` at once, also while a
 *   request is outstanding: acks are not requests. The one exception is while a file's
 *   bytes are being written, when nothing may interleave: the ack follows the last byte.
 * - A server frame that does not decode, or one the protocol does not allow at that
 *   point, ends the session with exit code 4. Nothing here throws on server bytes.
 */
import type { Socket } from "node:net";
import { basename } from "node:path";
import { fileNameProblem } from "../../core/file-names.js";
import { BcsCodec, encodeOneString, encodeSendFileHeader, encodeStatus } from "../../protocols/bcs/codec.js";
import { FrameType, Status, type BcsFrame } from "../../protocols/bcs/frames.js";
import { FrameReader } from "../../transport/frame-reader.js";
import type { CodecError } from "../../transport/stream-codec.js";
import type { Request } from "./commands.js";
import { chatLine, printable, uploadNoticeLine } from "./display.js";
import { Download, resolveDestination } from "./download.js";
import { Exit } from "./exit-codes.js";
import { SERVER_CLOSED } from "../shared/connect.js";
import { RequestQueue } from "../shared/request-queue.js";
import type { Printer } from "../shared/terminal.js";
import type { ProgressDisplay, TransferProgress } from "./progress.js";
import { openUpload, writeBody, type OpenedUpload } from "./upload.js";

/** The largest server frame is a deliver: 5 + 2 * 65535 bytes. Files stream and are exempt. */
const MAX_FRAME_BYTES = 5 + 2 * 0xffff;
/** A bcs string has a u16 length. */
const MAX_STRING_BYTES = 0xffff;
/** A server that accepts the connection but never answers `register` is given up on. */
const REGISTER_TIMEOUT_MS = 15_000;
/** After /quit or end of input: time for our last bytes to leave before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;
const ACK = encodeStatus(Status.Ok, "ok");
/** After a `status 7` to a send: the pause before sending it again (the server's rate refills meanwhile). */
const RATE_LIMITED_RETRY_MS = 100;

interface Reply {
  readonly code: number;
  readonly message: string;
}

type Outstanding =
  /** Local work (opening a file, checking a directory) before anything is sent. */
  | { readonly kind: "preparing" }
  | { readonly kind: "send"; readonly frame: Buffer }
  | {
      readonly kind: "sendfile";
      readonly name: string;
      readonly upload: OpenedUpload;
      readonly progress: TransferProgress;
      bodySent: boolean;
      reply: Reply | undefined;
    }
  | {
      readonly kind: "getfile";
      readonly name: string;
      readonly dest: string;
      download: Download | undefined;
      progress: TransferProgress | undefined;
      saving: boolean;
    };

export interface SessionEvents {
  /** `register` was accepted: start reading the user's input. */
  registered(): void;
  /** Requests waiting behind the outstanding one, for flow control of piped input. */
  backlog(waiting: number): void;
  /** A file transfer begins: how to show its progress (a bar on a terminal, else nothing). */
  transfer: ProgressDisplay;
}

const FRAME_NAMES: Record<number, string> = {
  [FrameType.Register]: "register",
  [FrameType.Send]: "send",
  [FrameType.Deliver]: "deliver",
  [FrameType.Status]: "status",
  [FrameType.SendFile]: "sendfile",
  [FrameType.FNotify]: "fnotify",
  [FrameType.GetFile]: "getfile",
  [FrameType.RecvFile]: "recvfile",
};

export class ClientSession {
  /** Resolves to the process exit code once the session is over. */
  readonly done: Promise<number>;
  private resolveDone!: (code: number) => void;
  private phase: "registering" | "chatting" | "over" = "registering";
  private readonly requests: RequestQueue<Request> = new RequestQueue({
    canSend: () => this.phase === "chatting",
    busy: () => this.outstanding !== undefined,
    start: (request) => this.start(request),
    backlog: (waiting) => this.events.backlog(waiting),
    allAnswered: () => this.finish(Exit.Ok, true),
  });
  private outstanding: Outstanding | undefined;
  /** File bytes are being written: no other frame may be written until they are all out. */
  private bodyInFlight = false;
  private deferredAcks = 0;
  private readonly reader: FrameReader<BcsFrame>;
  private readonly registerTimer: NodeJS.Timeout;
  private socketError: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly username: string,
    private readonly ui: Printer,
    private readonly events: SessionEvents,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.reader = new FrameReader<BcsFrame>(
      new BcsCodec(MAX_FRAME_BYTES),
      {
        onFrame: (frame) => this.onFrame(frame),
        onBody: (chunk) => this.onBody(chunk),
        onBodyEnd: () => this.onBodyEnd(),
        onDecodeError: (error) => this.onDecodeError(error),
      },
      MAX_FRAME_BYTES,
    );
    socket.on("data", (chunk: Buffer) => this.reader.push(chunk));
    socket.on("error", (err) => (this.socketError ??= err));
    socket.on("close", () => this.onSocketClosed());
    this.registerTimer = setTimeout(() => {
      this.ui.err(`error: no reply to register within ${REGISTER_TIMEOUT_MS / 1000} s`);
      this.finish(Exit.ConnectionLost);
    }, REGISTER_TIMEOUT_MS);
    socket.write(encodeOneString(FrameType.Register, username));
  }

  // ---- the user's side --------------------------------------------------------------

  /** A typed request, sent in order once everything before it has been answered. */
  enqueue(request: Request): void {
    if (this.phase === "over") return;
    this.requests.add(request);
  }

  /** End of input: finish what was typed (wait for every reply), then leave with 0. */
  endOfInput(): void {
    this.requests.endOfInput();
  }

  /** Ctrl+C: leave at once, dropping whatever is queued or outstanding. */
  quitNow(): void {
    this.finish(Exit.Ok, true);
  }

  // ---- requests ---------------------------------------------------------------------

  /** The outstanding request is answered (or failed locally): go on with the next. */
  private complete(): void {
    this.outstanding = undefined;
    this.requests.pump();
  }

  private start(request: Request): void {
    switch (request.kind) {
      case "quit":
        return this.finish(Exit.Ok, true);
      case "send":
        return this.startSend(request.text);
      case "sendfile":
        return this.startSendFile(request.path);
      case "getfile":
        return this.startGetFile(request.name, request.dest);
    }
  }

  private startSend(text: string): void {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_STRING_BYTES) {
      this.ui.err(`error: message too long (${bytes} bytes; a bcs message holds at most ${MAX_STRING_BYTES})`);
      return;
    }
    this.ui.out(chatLine(this.username, text));
    const frame = encodeOneString(FrameType.Send, text);
    this.outstanding = { kind: "send", frame };
    this.socket.write(frame);
  }

  private startSendFile(path: string): void {
    const name = basename(path);
    // Checked here with the server's own rule so that a refused name costs no upload.
    const problem = fileNameProblem(name);
    if (problem !== undefined) {
      this.ui.err(`error: cannot send ${path}: ${problem}`);
      return;
    }
    this.outstanding = { kind: "preparing" };
    openUpload(path).then(
      (upload) => {
        if (this.phase === "over") return void upload.stream?.destroy();
        this.beginUpload(path, name, upload);
      },
      (err: unknown) => {
        this.ui.err(`error: cannot send ${path}: ${describeError(err)}`);
        this.complete();
      },
    );
  }

  private beginUpload(path: string, name: string, upload: OpenedUpload): void {
    const progress = this.events.transfer(name, upload.size);
    const request: Outstanding & { kind: "sendfile" } = { kind: "sendfile", name, upload, progress, bodySent: false, reply: undefined };
    this.outstanding = request;
    this.bodyInFlight = true;
    this.socket.write(encodeSendFileHeader(name, upload.size));
    writeBody(upload, this.socket, (n) => progress.add(n)).then(
      () => {
        if (this.phase === "over") return;
        this.bodyInFlight = false;
        this.flushDeferredAcks();
        request.bodySent = true;
        // A refusal (e.g. too large) may have come before the body was all sent.
        if (request.reply !== undefined) this.settleUpload(request);
      },
      (err: unknown) => {
        if (this.phase === "over") return;
        // The length is already on the wire: the frame cannot be finished nor taken back.
        this.ui.err(`error: cannot send ${path}: ${describeError(err)}; closing the connection`);
        this.finish(Exit.ConnectionLost);
      },
    );
  }

  private settleUpload(request: Outstanding & { kind: "sendfile" }): void {
    const reply = request.reply!;
    if (reply.code === Status.Ok) {
      request.progress.done();
      this.ui.out(`uploaded ${printable(request.name)}`);
    } else {
      request.progress.drop();
      this.ui.err(`error: ${printable(reply.message)}`);
    }
    this.complete();
  }

  private startGetFile(name: string, dest: string | undefined): void {
    const problem = fileNameProblem(name);
    if (problem !== undefined) {
      this.ui.err(`error: cannot get ${name}: ${problem}`);
      return;
    }
    this.outstanding = { kind: "preparing" };
    resolveDestination(name, dest).then(
      (target) => {
        if (this.phase === "over") return;
        this.outstanding = { kind: "getfile", name, dest: target, download: undefined, progress: undefined, saving: false };
        this.socket.write(encodeOneString(FrameType.GetFile, name));
      },
      (err: unknown) => {
        this.ui.err(`error: cannot save ${name}: ${describeError(err)}`);
        this.complete();
      },
    );
  }

  // ---- frames from the server -------------------------------------------------------

  private onFrame(frame: BcsFrame): void {
    if (this.phase === "over") return;
    if (this.phase === "registering") return this.onRegisterReply(frame);
    switch (frame.type) {
      case FrameType.Deliver:
        this.ui.out(chatLine(frame.from, frame.message));
        return this.ack();
      case FrameType.FNotify:
        this.ui.out(uploadNoticeLine(frame.user, frame.file));
        return this.ack();
      case FrameType.Status:
        return this.onReply({ code: frame.code, message: frame.message });
      case FrameType.RecvFile:
        return this.onRecvFile(frame.size);
      default:
        // register, send, sendfile, getfile (or an oversized one of those) are client frames.
        return this.protocolError(`unexpected ${describeFrame(frame)} frame`);
    }
  }

  private onRegisterReply(frame: BcsFrame): void {
    if (frame.type !== FrameType.Status) return this.protocolError(`expected a status reply to register, got ${describeFrame(frame)}`);
    clearTimeout(this.registerTimer);
    if (frame.code !== Status.Ok) {
      // The seed's rule: a refused registration exits with the server's status code.
      this.ui.err(`error: ${printable(frame.message)}`);
      return this.finish(frame.code);
    }
    this.phase = "chatting";
    this.events.registered();
    this.requests.pump();
  }

  private onReply(reply: Reply): void {
    const request = this.outstanding;
    if (request === undefined || request.kind === "preparing" || (request.kind === "getfile" && request.download !== undefined)) {
      return this.protocolError("status reply with no request outstanding");
    }
    switch (request.kind) {
      case "send":
        // Over the server's message rate (docs/bcs.md#floods-and-abuse-limits, status 7): the same line again after
        // a pause, so that piped input goes more slowly instead of losing lines.
        if (reply.code === Status.RateLimited) return this.resendLater(request);
        if (reply.code !== Status.Ok) this.ui.err(`error: ${printable(reply.message)}`);
        return this.complete();
      case "sendfile":
        if (request.reply !== undefined) return this.protocolError("two replies to one sendfile");
        request.reply = reply;
        if (request.bodySent) this.settleUpload(request);
        return;
      case "getfile":
        // getfile succeeds with a recvfile; any status is a refusal.
        this.ui.err(`error: ${reply.code === Status.Ok ? `no file sent for ${request.name}` : printable(reply.message)}`);
        return this.complete();
    }
  }

  private resendLater(request: Outstanding & { kind: "send" }): void {
    setTimeout(() => {
      if (this.phase === "chatting" && this.outstanding === request) this.socket.write(request.frame);
    }, RATE_LIMITED_RETRY_MS);
  }

  private onRecvFile(size: number): void {
    const request = this.outstanding;
    if (request?.kind !== "getfile" || request.download !== undefined) return this.protocolError("recvfile without a getfile");
    request.download = new Download(request.dest, size);
    request.progress = this.events.transfer(request.name, size);
  }

  private onBody(chunk: Buffer): void {
    const request = this.outstanding;
    if (this.phase === "over" || request?.kind !== "getfile" || request.download === undefined) return;
    request.progress?.add(chunk.length);
    if (!request.download.write(chunk)) {
      // The disk is behind: stop reading the socket (the reader keeps what it holds).
      this.reader.pause();
      this.socket.pause();
      request.download.onDrain(() => {
        if (this.phase === "over") return;
        this.reader.resume();
        if (!this.reader.isPaused) this.socket.resume();
      });
    }
  }

  private onBodyEnd(): void {
    const request = this.outstanding;
    if (this.phase === "over" || request?.kind !== "getfile" || request.download === undefined) return;
    const download = request.download;
    const progress = request.progress;
    request.saving = true;
    download.finish().then(
      (savedAs) => {
        progress?.done();
        this.ui.out(`downloaded ${printable(request.name)} (${download.size} bytes) to ${printable(savedAs)}`);
      },
      (err: unknown) => {
        progress?.drop();
        this.ui.err(`error: cannot save ${printable(request.name)} to ${printable(download.dest)}: ${describeError(err)}`);
      },
    ).finally(() => {
      if (this.phase !== "over") this.complete();
    });
  }

  private onDecodeError(error: CodecError): void {
    if (this.phase === "over") return;
    this.ui.err(`error: undecodable data from server (${error.message})`);
    this.finish(Exit.ProtocolError);
  }

  private protocolError(what: string): void {
    this.ui.err(`error: protocol error from server: ${what}`);
    this.finish(Exit.ProtocolError);
  }

  /**
   * The server closed the connection before we were done. That is exit 1 whether or not
   * input had ended: if we were still waiting, some request went unanswered and may not
   * have reached anyone. (When we are done first — /quit, Ctrl+C, or end of input with
   * every reply in — the session is already over and this is not reached: exit 0.)
   */
  private onSocketClosed(): void {
    if (this.phase === "over") return;
    this.ui.err(SERVER_CLOSED); // one wording in every client (issue 15 point 6)
    this.finish(Exit.ConnectionLost);
  }

  // ---- output -----------------------------------------------------------------------

  private ack(): void {
    if (this.bodyInFlight) this.deferredAcks++;
    else this.socket.write(ACK);
  }

  private flushDeferredAcks(): void {
    for (; this.deferredAcks > 0; this.deferredAcks--) this.socket.write(ACK);
  }

  /** End the session once. `graceful`: let our last bytes (acks) leave before closing. */
  private finish(code: number, graceful = false): void {
    if (this.phase === "over") return;
    this.phase = "over";
    clearTimeout(this.registerTimer);
    this.reader.pause();
    const request = this.outstanding;
    this.outstanding = undefined;
    if (request?.kind === "sendfile") request.upload.stream?.destroy();
    if (request?.kind === "getfile" && !request.saving) request.download?.abort();
    if (request?.kind === "sendfile" || request?.kind === "getfile") request.progress?.drop();
    // Half a file frame must not be followed by a clean close that looks like success.
    if (graceful && !this.bodyInFlight && !this.socket.destroyed) {
      this.socket.end();
      const cut = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.socket.once("close", () => clearTimeout(cut));
    } else {
      this.socket.destroy();
    }
    this.resolveDone(code);
  }
}

function describeFrame(frame: BcsFrame): string {
  return frame.type === "oversize" ? `oversized ${FRAME_NAMES[frame.of] ?? "unknown"}` : (FRAME_NAMES[frame.type] ?? "unknown");
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ENOENT") return "no such file or directory";
  if (e?.code === "EACCES") return "permission denied";
  if (e?.code === "EISDIR") return "is a directory";
  return e instanceof Error ? e.message : String(err);
}
