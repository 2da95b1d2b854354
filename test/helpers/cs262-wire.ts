/**
 * A raw cs262 peer for tests: writes any bytes, reads server frames one at a time, and
 * has shorthands for the requests (each returns the server's answer).
 */
import type { Socket } from "node:net";
import { Cs262Codec, encodeFrame } from "../../src/protocols/cs262/codec.js";
import { Command, type Cs262Frame } from "../../src/protocols/cs262/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { Inbox } from "./inbox.js";
import { connectPeer } from "./tcp-peer.js";

export type Pushed = { sender: string; recipient: string; message: string };

export class RawCs262 {
  readonly socket: Socket;
  private readonly frames = new Inbox<Cs262Frame>();
  readonly whenClosed: Promise<void>;

  private constructor(socket: Socket) {
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

  static open(port: number, host = "127.0.0.1"): Promise<RawCs262> {
    return connectPeer(port, host, (s) => new RawCs262(s));
  }

  /** Connect and CREATE (or LOGIN, when `login`); throws unless the answer is success. */
  static async account(port: number, name: string, password?: string, login = false): Promise<RawCs262> {
    const peer = await RawCs262.open(port);
    const error = login ? await peer.login(name, password) : await peer.create(name, password);
    if (error !== "") throw new Error(`${login ? "LOGIN" : "CREATE"} ${name} failed: ${error}`);
    return peer;
  }

  send(frame: Cs262Frame): void {
    this.socket.write(encodeFrame(frame));
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

  /** SEND and its RESPONSE (frames pushed before the RESPONSE are kept in order for next()). */
  message(sender: string, recipient: string, message: string): Promise<string> {
    this.send({ command: Command.Send, sender, recipient, message });
    return this.response();
  }

  /** DELIVER: the pushed messages up to its RESPONSE, and that RESPONSE. */
  async deliver(ms = 5000): Promise<{ messages: Pushed[]; error: string }> {
    this.send({ command: Command.Deliver });
    const messages: Pushed[] = [];
    for (;;) {
      const f = await this.next(ms);
      if (f?.command === Command.Send) messages.push({ sender: f.sender, recipient: f.recipient, message: f.message });
      else if (f?.command === Command.Response) return { messages, error: f.error };
      else throw new Error(`unexpected answer to DELIVER: ${JSON.stringify(f)}`);
    }
  }

  remove(): Promise<string> {
    this.send({ command: Command.Delete });
    return this.response();
  }

  close(): void {
    this.socket.destroy();
  }
}
