/**
 * A raw gowing peer for tests: writes any bytes, reads server frames one at a time
 * (seed 003, WIRE.md 5: `type:u8 | len:u16 | payload`).
 */
import type { Socket } from "node:net";
import { encodeEmpty, encodeText, GowingCodec } from "../../src/protocols/gowing/codec.js";
import { FrameType, type GowingFrame } from "../../src/protocols/gowing/frames.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { Inbox } from "./inbox.js";
import { connectPeer } from "./tcp-peer.js";

/** A frame as received: known types with their payload as text, unknown ones as their type. */
export type Got = { readonly type: number; readonly text: string };

export class RawGowing {
  readonly socket: Socket;
  private readonly frames = new Inbox<Got>();
  readonly whenClosed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    const reader = new FrameReader<GowingFrame>(
      new GowingCodec(3 + 0xffff),
      {
        onFrame: (f) => this.frames.push(f.kind === "text" ? { type: f.type, text: f.text } : { type: f.type, text: `<${f.size} bytes skipped>` }),
        onBody: () => undefined,
        onBodyEnd: () => undefined,
        onDecodeError: (e) => {
          throw new Error(`server sent an undecodable frame: ${e.message}`);
        },
      },
      3 + 0xffff,
    );
    socket.on("data", (c) => reader.push(c));
    socket.on("error", () => undefined);
    this.whenClosed = this.frames.closeOn(socket);
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.frames.closed;
  }

  /** Connect; the command list is left unread. */
  static open(port: number, host = "127.0.0.1"): Promise<RawGowing> {
    return connectPeer(port, host, (s) => {
      s.setNoDelay(true);
      return new RawGowing(s);
    });
  }

  /** Connect, read the command list, JOIN, and read status 0 and our own joining notice. */
  static async joined(port: number, name: string): Promise<RawGowing> {
    const peer = await RawGowing.open(port);
    const list = await peer.next();
    if (list?.type !== FrameType.Message || list.text !== COMMAND_LIST) throw new Error(`no command list: ${JSON.stringify(list)}`);
    peer.send(FrameType.Join, name);
    const status = await peer.next();
    if (status?.type !== FrameType.Join || status.text !== "\u0000") throw new Error(`JOIN ${name} failed: ${JSON.stringify(status)}`);
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

  /** The status byte of the next frame, which must be a JOIN reply. */
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
