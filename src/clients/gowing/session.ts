/**
 * The gowing client's side of the wire, as a state machine (seed 003, docs/gowing.md):
 *
 *   joining --0--> chatting --@exit / end of input--> over
 *      |  \--1, 2--> naming --a name--> joining
 *      \--3--> over (server full)
 *
 * - JOIN is sent at once on connecting. Its reply is one raw byte (docs/gowing.md#frames, and what
 *   the public student servers send), read as such only while a JOIN is outstanding.
 * - Once joined, the client prints its own help (what to type here) in place of the
 *   server's command list, which names protocol commands, not what this client takes.
 * - `@list`, `@msg <name> <text>` and `@help` are extensions beside the seed's `@exit`
 *   (the student specification lists LIST and DIRECT as its extras).
 * - A name the server refuses (status 1 taken, 2 invalid) makes the client ask for
 *   another (seed: "loop back to the request for a username"), on the same connection.
 *   If the server closed it meanwhile (its login deadline), the next JOIN reconnects.
 * - Typed lines are queued while a JOIN is outstanding, so piped input keeps its order.
 * - What the user types is held to ASCII (docs/wire.md#text): each non-ASCII character is sent
 *   as `?`. Nothing here throws on server bytes.
 */
import type { Socket } from "node:net";
import { encodeEmpty, encodeText } from "../../protocols/gowing/codec.js";
import { FrameType, JoinStatus, MAX_PAYLOAD_BYTES, type GowingFrame } from "../../protocols/gowing/frames.js";
import { ServerStreamReader } from "../../protocols/gowing/server-stream.js";
import { asciiOnly } from "../../protocols/render-text.js";
import { connectTo, describeConnectError } from "../shared/connect.js";
import { chatPrompt, HELP_LINES, isCommandList, NAME_PROMPT, nameProblem, parseTyped, receivedLine } from "./display.js";
import { Exit } from "./exit-codes.js";
import type { Terminal } from "./terminal.js";

/** A server that accepts the connection but never answers JOIN is given up on. */
const JOIN_REPLY_TIMEOUT_MS = 15_000;
/** After @exit: time for LEAVE to leave before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;
/** Piped input is read ahead only this far while a JOIN is outstanding. */
const BACKLOG_HIGH = 256;
const BACKLOG_LOW = 32;

const END_OF_INPUT = Symbol("end of input");
type Typed = string | typeof END_OF_INPUT;

type Phase = "joining" | "naming" | "chatting" | "over";

export class GowingClient {
  /** Resolves to the process exit code once the session is over. */
  readonly done: Promise<number>;
  private resolveDone!: (code: number) => void;
  private phase: Phase = "joining";
  private socket: Socket | undefined;
  private readonly typed: Typed[] = [];
  private inputPaused = false;
  private replyTimer: NodeJS.Timeout | undefined;
  /** A JOIN was sent and its one-byte reply is the next thing the server sends. */
  private awaitingStatus = false;
  /** Joined, and the server's command list is still to come: shown as our help instead. */
  private commandListDue = false;
  /** The connection closed under an outstanding JOIN once already: do not loop. */
  private rejoined = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private name: string,
    private readonly ui: Terminal,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  start(): void {
    this.ui.start({
      line: (line) => this.typedIn(line),
      end: () => this.typedIn(END_OF_INPUT),
      interrupt: () => (this.phase === "chatting" ? this.leave() : this.finish(Exit.Ok)),
    });
    void this.join();
  }

  // ---- the user's side --------------------------------------------------------------

  private typedIn(item: Typed): void {
    if (this.phase === "over") return;
    this.typed.push(item);
    this.drainTyped();
  }

  private drainTyped(): void {
    while (this.typed.length > 0 && (this.phase === "naming" || this.phase === "chatting")) {
      const item = this.typed.shift()!;
      if (this.phase === "naming") this.nameTyped(item);
      else this.chatTyped(item);
    }
    this.updateFlow();
  }

  private nameTyped(item: Typed): void {
    if (item === END_OF_INPUT) {
      this.ui.err("error: input ended before the server accepted a name");
      return this.finish(Exit.NoName);
    }
    const problem = nameProblem(item);
    if (problem !== undefined) {
      this.ui.out(`Sorry, ${problem}.`);
      return this.ui.showPrompt(NAME_PROMPT);
    }
    this.name = item;
    void this.join();
  }

  private chatTyped(item: Typed): void {
    if (item === END_OF_INPUT) return this.leave();
    const typed = parseTyped(item);
    switch (typed.kind) {
      case "exit":
        return this.leave();
      case "blank":
        break;
      case "help":
        for (const line of HELP_LINES) this.ui.out(line);
        break;
      case "list":
        this.write(encodeEmpty(FrameType.List));
        break;
      case "problem":
        this.ui.err(`error: ${typed.text}`);
        break;
      case "direct":
        // `@name text`: our server takes the target with or without the @, and the public
        // Python server only with it (it drops the first character of the target).
        this.send(FrameType.Direct, `@${typed.target} ${typed.text}`);
        break;
      case "chat":
        this.send(FrameType.Message, typed.text);
        break;
    }
    this.ui.showPrompt(chatPrompt(this.name));
  }

  private send(type: number, text: string): void {
    const ascii = asciiOnly(text);
    if (ascii.length > MAX_PAYLOAD_BYTES) this.ui.err("error: message too long");
    else this.write(encodeText(type, ascii));
  }

  // ---- the server's side ------------------------------------------------------------

  private async join(): Promise<void> {
    this.phase = "joining";
    if (this.socket === undefined && !(await this.connect())) return;
    this.awaitingStatus = true;
    this.write(encodeText(FrameType.Join, this.name));
    clearTimeout(this.replyTimer);
    this.replyTimer = setTimeout(() => {
      this.ui.err(`error: no answer to JOIN within ${JOIN_REPLY_TIMEOUT_MS / 1000} s`);
      this.finish(Exit.ConnectionLost);
    }, JOIN_REPLY_TIMEOUT_MS);
  }

  private async connect(): Promise<boolean> {
    let socket: Socket;
    try {
      socket = await connectTo(this.host, this.port);
    } catch (err) {
      this.ui.err(`error: cannot connect to ${this.host}:${this.port}: ${describeConnectError(err)}`);
      this.finish(Exit.ConnectionLost);
      return false;
    }
    if (this.phase === "over") {
      socket.destroy();
      return false;
    }
    this.awaitingStatus = false;
    const reader = new ServerStreamReader(
      { status: (status) => this.joinAnswered(status), frame: (frame) => this.onFrame(frame) },
      () => this.awaitingStatus,
    );
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) reader.push(chunk);
    });
    socket.on("error", () => undefined); // 'close' follows; it says what matters
    socket.on("close", () => this.onSocketClosed(socket));
    socket.on("drain", () => this.updateFlow());
    this.socket = socket;
    return true;
  }

  /** A frame (the reader has skipped types this client does not know, so the protocol may grow). */
  private onFrame(frame: GowingFrame & { kind: "text" }): void {
    if (this.phase === "over") return;
    switch (frame.type) {
      case FrameType.Message:
        if (this.commandListDue && isCommandList(frame.text)) {
          this.commandListDue = false;
          return;
        }
        return this.ui.out(receivedLine(frame.text));
      case FrameType.List:
      case FrameType.Direct:
        return this.ui.out(receivedLine(frame.text));
      case FrameType.Error:
        return this.ui.err(`error: ${receivedLine(frame.text)}`);
      case FrameType.Join:
        // A server of the old framed reply (`00 00 01 status`) would land here.
        this.ui.err("error: the server sent a JOIN frame; it does not answer JOIN with one byte as gowing servers do");
        return this.finish(Exit.ProtocolError);
      default:
        return; // LEAVE means nothing from a server
    }
  }

  private joinAnswered(status: number): void {
    this.awaitingStatus = false;
    if (this.phase === "over") return;
    clearTimeout(this.replyTimer);
    this.rejoined = false;
    const name = receivedLine(this.name);
    switch (status) {
      case JoinStatus.Accepted:
        this.phase = "chatting";
        this.commandListDue = true;
        for (const line of HELP_LINES) this.ui.out(line);
        this.ui.showPrompt(chatPrompt(this.name));
        return this.drainTyped();
      case JoinStatus.NameTaken:
        this.ui.out(`The name ${name} is already in use.`);
        return this.askName();
      case JoinStatus.InvalidName:
        this.ui.out(`The name ${name} is not allowed: use 1-32 of A-Z a-z 0-9 _ - .`);
        return this.askName();
      case JoinStatus.ServerFull:
        this.ui.err("error: the server is full");
        return this.finish(Exit.ServerFull);
      default:
        this.ui.err(`error: the server answered JOIN with an unknown status (${status})`);
        return this.finish(Exit.ProtocolError);
    }
  }

  private askName(): void {
    this.phase = "naming";
    this.ui.showPrompt(NAME_PROMPT);
    this.drainTyped();
  }

  private onSocketClosed(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    switch (this.phase) {
      case "over":
      case "naming":
        return; // the next JOIN reconnects
      case "joining":
        // Our JOIN may have crossed the server's login deadline: one fresh try.
        if (!this.rejoined) {
          this.rejoined = true;
          return void this.join();
        }
        break;
      case "chatting":
        break;
    }
    this.ui.err("error: the server closed the connection");
    this.finish(Exit.ConnectionLost);
  }

  // ---- ending -----------------------------------------------------------------------

  /** @exit, end of input, Ctrl+C: LEAVE, then close (docs/gowing.md#session). */
  private leave(): void {
    const socket = this.socket;
    this.phase = "over";
    clearTimeout(this.replyTimer);
    this.ui.close();
    if (socket === undefined) return this.resolveDone(Exit.Ok);
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    socket.once("close", () => {
      clearTimeout(timer);
      this.resolveDone(Exit.Ok);
    });
    socket.end(encodeEmpty(FrameType.Leave));
  }

  private finish(code: number): void {
    if (this.phase === "over") return;
    this.phase = "over";
    clearTimeout(this.replyTimer);
    this.ui.close();
    this.socket?.destroy();
    this.socket = undefined;
    this.resolveDone(code);
  }

  private write(bytes: Buffer): void {
    this.socket?.write(bytes);
    this.updateFlow();
  }

  /** Piped input waits while lines pile up behind a JOIN or the socket is backed up. */
  private updateFlow(): void {
    const backed = this.socket?.writableNeedDrain === true;
    if (!this.inputPaused && (backed || this.typed.length >= BACKLOG_HIGH)) {
      this.inputPaused = true;
      this.ui.pauseInput();
    } else if (this.inputPaused && !backed && this.typed.length <= BACKLOG_LOW) {
      this.inputPaused = false;
      this.ui.resumeInput();
    }
  }
}
