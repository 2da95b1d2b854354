/**
 * A raw gowing peer for tests: writes any bytes, reads server frames one at a time
 * (seed 003, WIRE.md 5: `type:u8 | len:u16 | payload`).
 */
import { connect, type Socket } from "node:net";
import { encodeEmpty, encodeText, GowingCodec } from "../../src/protocols/gowing/codec.js";
import { FrameType, type GowingFrame } from "../../src/protocols/gowing/frames.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { FrameReader } from "../../src/transport/frame-reader.js";

/** A frame as received: known types with their payload as text, unknown ones as their type. */
export type Got = { readonly type: number; readonly text: string };

export class RawGowing {
  readonly socket: Socket;
  private readonly frames: Got[] = [];
  private waiters: ((f: Got | undefined) => void)[] = [];
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    const reader = new FrameReader<GowingFrame>(
      new GowingCodec(3 + 0xffff),
      {
        onFrame: (f) => this.push(f.kind === "text" ? { type: f.type, text: f.text } : { type: f.type, text: `<${f.size} bytes skipped>` }),
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
    this.whenClosed = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve();
      }),
    );
  }

  /** Connect; the command list is left unread. */
  static open(port: number, host = "127.0.0.1"): Promise<RawGowing> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => {
        s.setNoDelay(true);
        resolve(new RawGowing(s));
      });
      s.once("error", reject);
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
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no frame within ${ms} ms`));
      }, ms);
      const waiter = (fr: Got | undefined): void => {
        clearTimeout(timer);
        resolve(fr);
      };
      this.waiters.push(waiter);
    });
  }

  /** The status byte of the next frame, which must be a JOIN reply. */
  async joinStatus(ms = 3000): Promise<number> {
    const f = await this.next(ms);
    if (f?.type !== FrameType.Join || f.text.length !== 1) throw new Error(`expected a JOIN reply, got ${JSON.stringify(f)}`);
    return f.text.charCodeAt(0);
  }

  /** True when no frame arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    if (this.frames.length > 0) return false;
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  close(): void {
    this.socket.destroy();
  }

  private push(f: Got): void {
    const w = this.waiters.shift();
    if (w) w(f);
    else this.frames.push(f);
  }
}

export const message = (text: string): Got => ({ type: FrameType.Message, text });
export const error = (text: string): Got => ({ type: FrameType.Error, text });
