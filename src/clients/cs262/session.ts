/**
 * The cs262 client's connection and its requests, as a state machine.
 *
 * Rules it keeps (seed 002, docs/cs262.md):
 * - One request outstanding at a time; later ones wait in `queue`. Each is answered by
 *   one RESPONSE (LISTRESPONSE for LIST); server SEND frames may arrive at any time and
 *   are printed at once.
 * - The connection is opened for the first request, not at start: the server closes a
 *   connection that has not logged in within its login timeout (10 s by default), which
 *   a person reading the help would otherwise hit. If it is closed while logged out and
 *   idle, the next request opens a new one.
 * - Losing the connection while logged in or with a request outstanding ends the client
 *   with exit code 1; bytes from the server that do not decode end it with 4.
 * - After a LOGIN succeeds, a LIST of the typed name asks for the account's own
 *   spelling (`login FRANK` prints `frank`): neither version's answer to LOGIN says it.
 * - `logout` closes the connection (the protocol has none); the next request reconnects.
 * - Version 0 (`--wire-version 0`, the original zackziegler95/chatbot server) answers
 *   less: a SEND is confirmed by its echo, DELIVER and DELETE get no answer. Each of
 *   those two is followed by a LIST that no name matches (`|`); the server answers in
 *   order, so its LISTRESPONSE says that everything the request caused has arrived.
 *   A `rate limited` RESPONSE there may refuse either frame, so the client sends a probe
 *   whose answer is always a RESPONSE (see PROBE) and reads which came first.
 */
import type { Socket } from "node:net";
import { Cs262Codec, encodeFrame } from "../../protocols/cs262/codec.js";
import { foldName } from "../../core/names.js";
import { Command, ORIGINAL_VERSION, VERSION, type Cs262Frame, type WireVersion } from "../../protocols/cs262/frames.js";
import { LIMIT_ANSWERS } from "../../protocols/cs262/wire-errors.js";
import { asciiOnly } from "../../protocols/render-text.js";
import { FrameReader } from "../../transport/frame-reader.js";
import type { CodecError } from "../../transport/stream-codec.js";
import { connectTo, describeConnectError } from "../shared/connect.js";
import { printable } from "../shared/printable.js";
import { RequestQueue } from "../shared/request-queue.js";
import type { Printer } from "../shared/terminal.js";
import type { Request } from "./commands.js";

/** After a "rate limited" RESPONSE: the pause before sending the request again. */
const RATE_LIMITED_RETRY_MS = 100;
/** Server frames this client accepts: a LISTRESPONSE may be as large as the server allows. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** After quit or end of input: time for our last bytes to leave before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;

export const Exit = {
  /** quit, Ctrl+C, or end of input after every request was answered. */
  Ok: 0,
  /** The connection could not be made, or was lost while logged in or waiting for an answer. */
  ConnectionLost: 1,
  /** The server sent bytes that do not decode, or a frame not allowed at that point. */
  ProtocolError: 4,
} as const;

/** A LIST no name matches: its answer marks the end of a version-0 DELIVER or DELETE. */
const END_MARK: Cs262Frame = { command: Command.List, pattern: "|" };

/**
 * Version 0: sent after a `rate limited` RESPONSE to a DELIVER or DELETE, when that may
 * answer the request (refused; the mark's LISTRESPONSE follows) or its end mark (the
 * request was done; nothing follows). A SEND with no message is refused by every server
 * state (`empty message`, `log in first`, `rate limited`), so its answer is a RESPONSE,
 * never a LISTRESPONSE: an empty LISTRESPONSE before it is the mark's, and the request
 * was the one refused. Answers come in order, so no timer is needed to tell.
 */
const PROBE = (account: string | undefined): Cs262Frame => ({ command: Command.Send, sender: account ?? "", recipient: account ?? "", message: "" });

/** What is waiting for an answer: a typed request, or the spelling LIST after a login. */
type Outstanding = Request | { readonly kind: "spelling"; readonly typed: string };

export interface SessionEvents {
  /** Requests waiting behind the outstanding one, for flow control of piped input. */
  backlog(waiting: number): void;
}

export class Cs262ClientSession {
  /** Resolves to the process exit code once the client is done. */
  readonly done: Promise<number>;
  private resolveDone!: (code: number) => void;
  private over = false;
  private socket: Socket | undefined;
  private reader: FrameReader<Cs262Frame> | undefined;
  private readonly requests: RequestQueue<Request> = new RequestQueue({
    canSend: () => !this.over,
    busy: () => this.outstanding !== undefined,
    start: (request) => this.start(request),
    backlog: (waiting) => this.events.backlog(waiting),
    allAnswered: () => this.finish(Exit.Ok, true),
  });
  /** The request sent (or being connected for) and not yet answered. */
  private outstanding: Outstanding | undefined;
  /** Version 0: a RESPONSE error came for the outstanding DELIVER or DELETE. */
  private failed = false;
  /**
   * Version 0, after a `rate limited` answer to a DELIVER or DELETE: the PROBE is out
   * ("sent"), or the mark's LISTRESPONSE came before the probe's answer, so the request
   * itself was the one refused ("requestRefused").
   */
  private probing: "sent" | "requestRefused" | undefined;
  /**
   * Version 0, a SEND to oneself: the server pushes it first, then echoes the same
   * frame; the first is the message, the second the confirmation.
   */
  private selfPushDue = false;
  /** The account this connection is logged in to. */
  private account: string | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ui: Printer,
    private readonly events: SessionEvents,
    private readonly version: WireVersion = VERSION,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  enqueue(request: Request): void {
    if (this.over) return;
    this.requests.add(request);
  }

  /** End of input: finish what was typed (every answer in), then leave with 0. */
  endOfInput(): void {
    this.requests.endOfInput();
  }

  /** Ctrl+C: leave at once. */
  quitNow(): void {
    this.finish(Exit.Ok, true);
  }

  // ---- requests ---------------------------------------------------------------------

  private start(request: Request): void {
    if (request.kind === "quit") return this.finish(Exit.Ok, true);
    if (request.kind === "send" && this.account === undefined) return this.ui.err("error: log in first (create or login)");
    if ((request.kind === "deliver" || request.kind === "delete") && this.account === undefined) {
      return this.ui.err("error: log in first (create or login)");
    }
    if (request.kind === "logout") return this.logout();
    this.outstanding = request;
    if (this.socket !== undefined) return this.write(request);
    connectTo(this.host, this.port).then(
      (socket) => {
        if (this.over) return void socket.destroy();
        this.attach(socket);
        this.write(request);
      },
      (err: unknown) => {
        this.ui.err(`error: cannot connect to ${this.host}:${this.port}: ${describeConnectError(err)}`);
        this.finish(Exit.ConnectionLost);
      },
    );
  }

  private write(request: Sendable): void {
    const frame = { ...toFrame(request, this.account), version: this.version };
    const endMark = this.version === ORIGINAL_VERSION && (request.kind === "deliver" || request.kind === "delete");
    this.failed = false;
    this.probing = undefined;
    this.selfPushDue = request.kind === "send" && this.account !== undefined && foldName(request.to) === foldName(this.account);
    this.socket!.write(endMark ? Buffer.concat([encodeFrame(frame), encodeFrame({ ...END_MARK, version: this.version })]) : encodeFrame(frame));
  }

  /** Close the connection (cs262 has no logout); the next request opens a new one. */
  private logout(): void {
    if (this.account === undefined) return this.ui.err("error: not logged in");
    const socket = this.socket;
    this.socket = undefined; // its close is ours, not the server's
    this.reader = undefined;
    socket?.destroy();
    this.ui.out(`logged out of ${printable(this.account)}`);
    this.account = undefined;
  }

  private answered(): void {
    this.outstanding = undefined;
    this.requests.pump();
  }

  // ---- the connection ---------------------------------------------------------------

  private attach(socket: Socket): void {
    const reader = new FrameReader<Cs262Frame>(
      new Cs262Codec(MAX_FRAME_BYTES),
      {
        onFrame: (frame) => this.onFrame(frame),
        onBody: () => undefined,
        onBodyEnd: () => undefined,
        onDecodeError: (error) => this.onDecodeError(error),
      },
      MAX_FRAME_BYTES,
    );
    this.socket = socket;
    this.reader = reader;
    let error: NodeJS.ErrnoException | undefined;
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) reader.push(chunk);
    });
    socket.on("error", (err) => (error ??= err));
    socket.on("close", () => {
      if (this.socket === socket) this.onClosed(error);
    });
  }

  private onClosed(error: NodeJS.ErrnoException | undefined): void {
    this.socket = undefined;
    this.reader = undefined;
    if (this.over) return;
    void error; // a reset or an orderly close: the same to the user (the wording all clients share)
    if (this.account === undefined && this.outstanding === undefined) {
      // Logged out and idle (e.g. the login timeout passed): nothing is lost.
      this.ui.err("error: the server closed the connection; the next command reconnects");
      return;
    }
    this.ui.err("error: the server closed the connection");
    this.finish(Exit.ConnectionLost);
  }

  private onFrame(frame: Cs262Frame): void {
    if (this.over) return;
    switch (frame.command) {
      case Command.Send:
        if (this.isEcho(frame)) return this.onResponse("");
        return this.ui.out(`${printable(frame.sender)}: ${printable(frame.message)}`);
      case Command.Response:
        return this.onResponse(frame.error);
      case Command.ListResponse:
        return this.onListResponse(frame.names);
      default:
        return this.protocolError(`unexpected command ${frame.command} from the server`);
    }
  }

  /** Version 0's confirmation of the outstanding SEND: the same SEND, echoed. */
  private isEcho(frame: Cs262Frame & { command: typeof Command.Send }): boolean {
    const request = this.outstanding;
    if (this.version !== ORIGINAL_VERSION || request?.kind !== "send" || this.account === undefined) return false;
    const sent = toFrame(request, this.account) as typeof frame;
    const same = foldName(frame.sender) === foldName(sent.sender) && foldName(frame.recipient) === foldName(sent.recipient) && frame.message === sent.message;
    if (same && this.selfPushDue) {
      this.selfPushDue = false;
      return false;
    }
    return same;
  }

  private onListResponse(names: readonly string[]): void {
    const request = this.outstanding;
    switch (request?.kind) {
      case "list": {
        const shown = names.map(printable);
        this.ui.out(`accounts: ${shown.length > 0 ? shown.join(", ") : "(none)"}`);
        return this.answered();
      }
      case "spelling": {
        // The account's own spelling; the typed one if the server lists no such name.
        const own = names.find((n) => foldName(n) === foldName(request.typed)) ?? request.typed;
        this.account = own;
        this.ui.out(`logged in as ${printable(own)}`);
        return this.answered();
      }
      case "deliver":
      case "delete":
        if (this.version !== ORIGINAL_VERSION) break;
        // The mark's answer before the probe's: the `rate limited` was the request's.
        if (this.probing === "sent") return void (this.probing = "requestRefused");
        // The end mark; everything the request caused has arrived.
        return this.succeeded(request);
    }
    this.protocolError("LISTRESPONSE without a LIST");
  }

  private onResponse(error: string): void {
    const request = this.outstanding;
    if (request !== undefined && this.version === ORIGINAL_VERSION && (request.kind === "deliver" || request.kind === "delete")) {
      return this.onEndedByMark(request, error);
    }
    if (request?.kind === "spelling") {
      // The spelling LIST refused (e.g. rate limited): the typed name will do.
      return this.onListResponse([]);
    }
    if (error === LIMIT_ANSWERS.rateLimited && request !== undefined && request.kind !== "quit" && request.kind !== "logout") {
      return this.retryLater(request); // a LIST too: it has no other answer to wait for
    }
    if (request === undefined || request.kind === "list") {
      // The server's last word before it closes (e.g. a frame it could not take).
      if (error !== "") return this.ui.err(`error: ${printable(error)}`);
      return this.protocolError("RESPONSE with no request outstanding");
    }
    if (error !== "") {
      this.ui.err(`error: ${printable(error)}`);
      return this.answered();
    }
    this.succeeded(request);
  }

  /**
   * Version 0, a RESPONSE while a DELIVER or DELETE and its end mark are out. Any RESPONSE
   * ends the wait (never waiting for a LISTRESPONSE that will not come): the request's
   * refusal is printed and the mark's answer awaited; a second one is the mark's.
   */
  private onEndedByMark(request: Request & { kind: "deliver" | "delete" }, error: string): void {
    if (this.probing === "sent") {
      // The probe's answer first: the mark was refused, the request was done.
      this.probing = undefined;
      return this.succeeded(request);
    }
    if (this.probing === "requestRefused") {
      // The probe's answer after the mark's: the request did nothing; send it again.
      this.probing = undefined;
      return this.retryLater(request);
    }
    if (error === "") return; // a success version 0 does not send: the mark's answer ends it
    if (this.failed) {
      // Refused, and its mark too: both answers are in.
      if (error !== LIMIT_ANSWERS.rateLimited) this.ui.err(`error: ${printable(error)}`);
      return this.answered();
    }
    if (error === LIMIT_ANSWERS.rateLimited) {
      // The request's refusal or the mark's: the probe's answer tells (see PROBE).
      this.probing = "sent";
      this.socket?.write(encodeFrame({ ...PROBE(this.account), version: this.version }));
      return;
    }
    // Refused (a mark is refused only for the rate): the mark's answer still follows.
    this.failed = true;
    this.ui.err(`error: ${printable(error)}`);
  }

  /**
   * Over the server's message rate: the same request again after a pause, so that piped
   * input goes more slowly instead of losing requests.
   */
  private retryLater(request: Sendable): void {
    setTimeout(() => {
      if (!this.over && this.outstanding === request) this.write(request);
    }, RATE_LIMITED_RETRY_MS);
  }

  private succeeded(request: Request): void {
    switch (request.kind) {
      case "create":
        this.account = request.name;
        this.ui.out(`created account ${printable(request.name)}; logged in`);
        break;
      case "login": {
        // Logged in; `logged in as` waits for the account's own spelling.
        this.outstanding = { kind: "spelling", typed: request.name };
        this.socket?.write(encodeFrame({ command: Command.List, pattern: asciiOnly(request.name), version: this.version }));
        return;
      }
      case "send":
        this.ui.out(`sent to ${printable(request.to)}`);
        break;
      case "deliver":
        if (!this.failed) this.ui.out("no more kept messages");
        break;
      case "delete":
        if (this.failed) break;
        this.ui.out(`deleted account ${printable(this.account ?? "")}; logged out`);
        this.account = undefined;
        break;
    }
    this.answered();
  }

  private onDecodeError(error: CodecError): void {
    if (this.over) return;
    this.ui.err(`error: undecodable data from server (${error.message})`);
    this.finish(Exit.ProtocolError);
  }

  private protocolError(what: string): void {
    this.ui.err(`error: protocol error from server: ${what}`);
    this.finish(Exit.ProtocolError);
  }

  /** End the session once; `graceful`: let our last bytes leave before closing. */
  private finish(code: number, graceful = false): void {
    if (this.over) return;
    this.over = true;
    this.reader?.pause();
    const socket = this.socket;
    if (socket !== undefined && !socket.destroyed) {
      if (graceful) {
        socket.end();
        const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
        socket.once("close", () => clearTimeout(cut));
      } else {
        socket.destroy();
      }
    }
    this.resolveDone(code);
  }
}

/** Requests that become a frame. */
type Sendable = Exclude<Request, { kind: "quit" } | { kind: "logout" }>;

/** The frame for a request; text is made ASCII, as cs262 carries nothing else (docs/wire.md#text). */
function toFrame(request: Sendable, account: string | undefined): Cs262Frame {
  switch (request.kind) {
    case "create":
      return { command: Command.Create, name: asciiOnly(request.name), password: request.password && asciiOnly(request.password) };
    case "login":
      return { command: Command.Login, name: asciiOnly(request.name), password: request.password && asciiOnly(request.password) };
    case "list":
      return { command: Command.List, pattern: request.pattern && asciiOnly(request.pattern) };
    case "send":
      return { command: Command.Send, sender: account ?? "", recipient: asciiOnly(request.to), message: asciiOnly(request.text) };
    case "deliver":
      return { command: Command.Deliver };
    case "delete":
      return { command: Command.Delete };
  }
}
