/**
 * The cs262 client's connection and its requests, as a state machine.
 *
 * Rules it keeps (seed 002, WIRE.md 4):
 * - One request outstanding at a time; later ones wait in `queue`. Each is answered by
 *   one RESPONSE (LISTRESPONSE for LIST); server SEND frames may arrive at any time and
 *   are printed at once.
 * - The connection is opened for the first request, not at start: the server closes a
 *   connection that has not logged in within its login timeout (10 s by default), which
 *   a person reading the help would otherwise hit. If it is closed while logged out and
 *   idle, the next request opens a new one.
 * - Losing the connection while logged in or with a request outstanding ends the client
 *   with exit code 1; bytes from the server that do not decode end it with 4.
 */
import type { Socket } from "node:net";
import { Cs262Codec, encodeFrame } from "../../protocols/cs262/codec.js";
import { Command, type Cs262Frame } from "../../protocols/cs262/frames.js";
import { LIMIT_ANSWERS } from "../../protocols/cs262/wire-errors.js";
import { asciiOnly } from "../../protocols/render-text.js";
import { FrameReader } from "../../transport/frame-reader.js";
import type { CodecError } from "../../transport/stream-codec.js";
import { connectTo, describeConnectError } from "../shared/connect.js";
import { printable } from "../shared/printable.js";
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
  private readonly queue: Request[] = [];
  /** The request sent (or being connected for) and not yet answered. */
  private outstanding: Request | undefined;
  /** The account this connection is logged in to. */
  private account: string | undefined;
  private inputEnded = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ui: Printer,
    private readonly events: SessionEvents,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  enqueue(request: Request): void {
    if (this.over) return;
    this.queue.push(request);
    this.pump();
  }

  /** End of input: finish what was typed (every answer in), then leave with 0. */
  endOfInput(): void {
    this.inputEnded = true;
    this.pump();
  }

  /** Ctrl+C: leave at once. */
  quitNow(): void {
    this.finish(Exit.Ok, true);
  }

  // ---- requests ---------------------------------------------------------------------

  private pump(): void {
    while (!this.over && this.outstanding === undefined && this.queue.length > 0) this.start(this.queue.shift()!);
    if (this.over) return;
    this.events.backlog(this.queue.length);
    if (this.outstanding === undefined && this.queue.length === 0 && this.inputEnded) this.finish(Exit.Ok, true);
  }

  private start(request: Request): void {
    if (request.kind === "quit") return this.finish(Exit.Ok, true);
    if (request.kind === "send" && this.account === undefined) return this.ui.err("error: log in first (create or login)");
    if ((request.kind === "deliver" || request.kind === "delete") && this.account === undefined) {
      return this.ui.err("error: log in first (create or login)");
    }
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

  private write(request: Exclude<Request, { kind: "quit" }>): void {
    this.socket!.write(encodeFrame(toFrame(request, this.account)));
  }

  private answered(): void {
    this.outstanding = undefined;
    this.pump();
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
    const why = error?.code !== undefined ? ` (${error.code})` : "";
    if (this.account === undefined && this.outstanding === undefined) {
      // Logged out and idle (e.g. the login timeout passed): nothing is lost.
      this.ui.err(`connection closed by server${why}; the next command reconnects`);
      return;
    }
    this.ui.err(`connection closed by server${why}`);
    this.finish(Exit.ConnectionLost);
  }

  private onFrame(frame: Cs262Frame): void {
    if (this.over) return;
    switch (frame.command) {
      case Command.Send:
        return this.ui.out(`${printable(frame.sender)}: ${printable(frame.message)}`);
      case Command.Response:
        return this.onResponse(frame.error);
      case Command.ListResponse: {
        if (this.outstanding?.kind !== "list") return this.protocolError("LISTRESPONSE without a LIST");
        const names = frame.names.map(printable);
        this.ui.out(`accounts: ${names.length > 0 ? names.join(", ") : "(none)"}`);
        return this.answered();
      }
      default:
        return this.protocolError(`unexpected command ${frame.command} from the server`);
    }
  }

  private onResponse(error: string): void {
    const request = this.outstanding;
    if (request === undefined || request.kind === "list") {
      // The server's last word before it closes (e.g. a frame it could not take).
      if (error !== "") return this.ui.err(`error: ${printable(error)}`);
      return this.protocolError("RESPONSE with no request outstanding");
    }
    if (error === LIMIT_ANSWERS.rateLimited) {
      // Over the server's message rate: the same request again after a pause, so that
      // piped input goes more slowly instead of losing requests.
      setTimeout(() => {
        if (!this.over && this.outstanding === request && request.kind !== "quit") this.write(request);
      }, RATE_LIMITED_RETRY_MS);
      return;
    }
    if (error !== "") {
      this.ui.err(`error: ${printable(error)}`);
      return this.answered();
    }
    switch (request.kind) {
      case "create":
        this.account = request.name;
        this.ui.out(`created account ${printable(request.name)}; logged in`);
        break;
      case "login":
        this.account = request.name;
        this.ui.out(`logged in as ${printable(request.name)}`);
        break;
      case "send":
        this.ui.out(`sent to ${printable(request.to)}`);
        break;
      case "deliver":
        this.ui.out("no more kept messages");
        break;
      case "delete":
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

/** The frame for a request; text is made ASCII, as cs262 carries nothing else (WIRE.md 1). */
function toFrame(request: Exclude<Request, { kind: "quit" }>, account: string | undefined): Cs262Frame {
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
