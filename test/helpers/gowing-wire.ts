/**
 * A raw gowing peer for tests: writes any bytes, reads what the server sends one item at
 * a time (seed 003, docs/gowing.md#frames: frames `type:u8 | len:u16 | payload`, and the JOIN reply
 * as one raw byte, handed out as `{ type: 0, text: <the status as a character> }`).
 */
import type { Socket } from "node:net";
import { encodeEmpty, encodeText } from "../../src/protocols/gowing/codec.js";
import { FrameType, JoinStatus } from "../../src/protocols/gowing/frames.js";
import { ServerStreamReader } from "../../src/protocols/gowing/server-stream.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { Inbox } from "./inbox.js";
import { connectPeer, type PeerPort } from "./tcp-peer.js";

/** A frame as received, its payload as text; a JOIN reply is type 0 with the status byte as text. */
export type Got = { readonly type: number; readonly text: string };

export class RawGowing {
  readonly socket: Socket;
  private readonly frames = new Inbox<Got>();
  readonly whenClosed: Promise<void>;
  /** A status 0 has come: from now on the server sends frames only. */
  private accepted = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    const reader = new ServerStreamReader(
      {
        status: (status) => {
          if (status === JoinStatus.Accepted) this.accepted = true;
          this.frames.push({ type: FrameType.Join, text: String.fromCharCode(status) });
        },
        frame: (f) => this.frames.push({ type: f.type, text: f.text }),
      },
      // Before acceptance our server sends only status bytes and ERROR frames (Join first).
      (byte) => !this.accepted && byte !== FrameType.Error,
    );
    socket.on("data", (c: Buffer) => reader.push(c));
    socket.on("error", () => undefined);
    this.whenClosed = this.frames.closeOn(socket);
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.frames.closed;
  }

  /** Connect; the server sends nothing before the JOIN reply. */
  static open(port: PeerPort, host = "127.0.0.1"): Promise<RawGowing> {
    return connectPeer(port, host, (s) => {
      s.setNoDelay(true);
      return new RawGowing(s);
    });
  }

  /** Connect, JOIN, and read status 0, the command list and our own joining notice. */
  static async joined(port: PeerPort, name: string): Promise<RawGowing> {
    const peer = await RawGowing.open(port);
    peer.send(FrameType.Join, name);
    const status = await peer.next();
    if (status?.type !== FrameType.Join || status.text !== "\u0000") throw new Error(`JOIN ${name} failed: ${JSON.stringify(status)}`);
    const list = await peer.next();
    if (list?.type !== FrameType.Message || list.text !== COMMAND_LIST) throw new Error(`no command list: ${JSON.stringify(list)}`);
    const notice = await peer.next();
    if (notice?.text !== `**${name} is joining the chat**`) throw new Error(`no joining notice for ${name}: ${JSON.stringify(notice)}`);
    return peer;
  }

  send(type: number, text = ""): void {
    this.socket.write(text === "" ? encodeEmpty(type) : encodeText(type, text));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next frame, or undefined if the connection closes first; rejects after `ms`. */
  next(ms = 3000): Promise<Got | undefined> {
    return this.frames.next(ms, "frame");
  }

  /** The next item, which must be a JOIN reply: its status byte. */
  async joinStatus(ms = 3000): Promise<number> {
    const f = await this.next(ms);
    if (f?.type !== FrameType.Join || f.text.length !== 1) throw new Error(`expected a JOIN reply, got ${JSON.stringify(f)}`);
    return f.text.charCodeAt(0);
  }

  /** True when no frame arrives within `ms`. */
  quiet(ms: number): Promise<boolean> {
    return this.frames.quiet(ms);
  }

  close(): void {
    this.socket.destroy();
  }
}

export const message = (text: string): Got => ({ type: FrameType.Message, text });
export const error = (text: string): Got => ({ type: FrameType.Error, text });
