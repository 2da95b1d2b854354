/**
 * A raw cs262 peer for tests: writes any bytes, reads server frames one at a time, and
 * has shorthands for the requests (each returns the server's answer).
 *
 * It speaks either numbering (docs/cs262.md#frames). The shorthands hide how each version answers,
 * so one test covers both: a version-0 SEND's success is its echo, and DELIVER and
 * DELETE, which version 0 does not answer, are followed by a LIST that no name matches
 * (`|`), whose LISTRESPONSE marks the end of their answer (the server answers in order).
 */
import type { Socket } from "node:net";
import { Cs262Codec, encodeFrame } from "../../src/protocols/cs262/codec.js";
import { Command, VERSION, type Cs262Frame, type WireVersion } from "../../src/protocols/cs262/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { Inbox } from "./inbox.js";
import { connectPeer, type PeerPort } from "./tcp-peer.js";

export type Pushed = { sender: string; recipient: string; message: string };

export class RawCs262 {
  readonly socket: Socket;
  private readonly frames = new Inbox<Cs262Frame>();
  readonly whenClosed: Promise<void>;

  private constructor(
    socket: Socket,
    readonly version: WireVersion,
  ) {
    this.socket = socket;
    const reader = new FrameReader<Cs262Frame>(
      new Cs262Codec(16 << 20),
      {
        onFrame: (f) => this.frames.push(f),
        onBody: () => undefined,
        onBodyEnd: () => undefined,
        onDecodeError: (e) => {
          throw new Error(`server sent an undecodable frame: ${e.message}`);
        },
      },
      16 << 20,
    );
    socket.on("data", (c) => reader.push(c));
    socket.on("error", () => undefined);
    this.whenClosed = this.frames.closeOn(socket);
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.frames.closed;
  }

  static open(port: PeerPort, host = "127.0.0.1", version: WireVersion = VERSION): Promise<RawCs262> {
    return connectPeer(port, host, (s) => new RawCs262(s, version));
  }

  /** Connect and CREATE (or LOGIN, when `login`); throws unless the answer is success. */
  static async account(port: PeerPort, name: string, password?: string, login = false, version: WireVersion = VERSION): Promise<RawCs262> {
    const peer = await RawCs262.open(port, undefined, version);
    const error = login ? await peer.login(name, password) : await peer.create(name, password);
    if (error !== "") throw new Error(`${login ? "LOGIN" : "CREATE"} ${name} failed: ${error}`);
    return peer;
  }

  /** A frame in this peer's numbering. */
  send(frame: Cs262Frame): void {
    this.socket.write(encodeFrame({ ...frame, version: this.version }));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next frame, or undefined if the connection closes first; rejects after `ms`. */
  next(ms = 5000): Promise<Cs262Frame | undefined> {
    return this.frames.next(ms, "frame");
  }

  /** The next RESPONSE's error string ("" is success); fails on anything else. */
  async response(ms = 5000): Promise<string> {
    const f = await this.next(ms);
    if (f?.command !== Command.Response) throw new Error(`expected a RESPONSE, got ${JSON.stringify(f)}`);
    return f.error;
  }

  /** The next server SEND; fails on anything else. */
  async pushed(ms = 5000): Promise<Pushed> {
    const f = await this.next(ms);
    if (f?.command !== Command.Send) throw new Error(`expected a server SEND, got ${JSON.stringify(f)}`);
    return { sender: f.sender, recipient: f.recipient, message: f.message };
  }

  /** True when no frame arrives within `ms`. */
  quiet(ms: number): Promise<boolean> {
    return this.frames.quiet(ms);
  }

  create(name: string, password?: string): Promise<string> {
    this.send({ command: Command.Create, name, password });
    return this.response();
  }

  login(name: string, password?: string): Promise<string> {
    this.send({ command: Command.Login, name, password });
    return this.response();
  }

  async list(pattern?: string): Promise<readonly string[]> {
    this.send({ command: Command.List, pattern });
    const f = await this.next();
    if (f?.command !== Command.ListResponse) throw new Error(`expected a LISTRESPONSE, got ${JSON.stringify(f)}`);
    return f.names;
  }

  /** SEND and its answer (frames pushed before the answer are kept in order for next()). */
  message(sender: string, recipient: string, message: string): Promise<string> {
    this.send({ command: Command.Send, sender, recipient, message });
    return this.confirmation({ sender, recipient, message });
  }

  /**
   * The answer to a SEND: "" for success (version 1: an empty RESPONSE; version 0: the
   * SEND echoed, checked against `sent` when given), else the RESPONSE's error.
   */
  async confirmation(sent?: Pushed, ms = 5000): Promise<string> {
    if (this.version === VERSION) return this.response(ms);
    const f = await this.next(ms);
    if (f?.command === Command.Response) return f.error;
    if (f?.command !== Command.Send) throw new Error(`expected a SEND's echo, got ${JSON.stringify(f)}`);
    if (sent !== undefined && (f.sender !== sent.sender || f.recipient !== sent.recipient || f.message !== sent.message)) {
      throw new Error(`the echo ${JSON.stringify(f)} is not the SEND ${JSON.stringify(sent)}`);
    }
    return "";
  }

  /** DELIVER: the pushed messages up to its answer, and its error ("" for success). */
  async deliver(ms = 5000): Promise<{ messages: Pushed[]; error: string }> {
    this.send({ command: Command.Deliver });
    this.markEnd();
    const messages: Pushed[] = [];
    let error = "";
    for (;;) {
      const f = await this.next(ms);
      if (f?.command === Command.Send) messages.push({ sender: f.sender, recipient: f.recipient, message: f.message });
      else if (f?.command === Command.Response && this.version === VERSION) return { messages, error: f.error };
      else if (f?.command === Command.Response && error === "") error = f.error;
      else if (f?.command === Command.ListResponse && this.version !== VERSION) return { messages, error };
      else throw new Error(`unexpected answer to DELIVER: ${JSON.stringify(f)}`);
    }
  }

  /** DELETE and its error ("" for success). */
  async remove(): Promise<string> {
    this.send({ command: Command.Delete });
    if (this.version === VERSION) return this.response();
    this.markEnd();
    const f = await this.next();
    if (f?.command === Command.ListResponse) return "";
    if (f?.command !== Command.Response) throw new Error(`unexpected answer to DELETE: ${JSON.stringify(f)}`);
    const end = await this.next();
    if (end?.command !== Command.ListResponse) throw new Error(`expected the end mark, got ${JSON.stringify(end)}`);
    return f.error;
  }

  /** Version 0: a LIST matching no name, whose answer follows a DELIVER's or DELETE's. */
  private markEnd(): void {
    if (this.version !== VERSION) this.send({ command: Command.List, pattern: "|" });
  }

  close(): void {
    this.socket.destroy();
  }
}
