/**
 * A raw bcs peer for tests: writes any bytes, reads server frames one at a time
 * (bodies collected), and never acknowledges anything unless told to.
 */
import type { Socket } from "node:net";
import { BcsCodec, encodeFrame, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType, type BcsFrame } from "../../src/protocols/bcs/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { Inbox } from "./inbox.js";
import { connectPeer, type PeerPort } from "./tcp-peer.js";

export type Received = BcsFrame & { body?: Buffer };

export class RawBcs {
  readonly socket: Socket;
  private readonly frames = new Inbox<Received>();
  private bodyParts: Buffer[] = [];
  private withBody: Received | undefined;
  readonly whenClosed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    const reader = new FrameReader<BcsFrame>(new BcsCodec(1 << 20), {
      onFrame: (f) => {
        if (f.type === FrameType.RecvFile || f.type === FrameType.SendFile) {
          this.withBody = { ...f };
          this.bodyParts = [];
        } else this.frames.push(f);
      },
      onBody: (chunk) => this.bodyParts.push(Buffer.from(chunk)),
      onBodyEnd: () => {
        const f = this.withBody!;
        f.body = Buffer.concat(this.bodyParts);
        this.withBody = undefined;
        this.frames.push(f);
      },
      onDecodeError: (e) => {
        throw new Error(`server sent an undecodable frame: ${e.message}`);
      },
    }, 1 << 20);
    socket.on("data", (c) => reader.push(c));
    socket.on("error", () => undefined);
    this.whenClosed = this.frames.closeOn(socket);
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.frames.closed;
  }

  static open(port: PeerPort, host = "127.0.0.1"): Promise<RawBcs> {
    return connectPeer(port, host, (s) => new RawBcs(s));
  }

  /** Connect and register; asserts the `ok` and returns the peer with the user list read. */
  static async login(port: PeerPort, name: string): Promise<{ peer: RawBcs; online: string }> {
    const peer = await RawBcs.open(port);
    peer.send({ type: FrameType.Register, username: name });
    const ok = await peer.next();
    if (ok?.type !== FrameType.Status || ok.code !== 0) throw new Error(`register ${name} failed: ${JSON.stringify(ok)}`);
    const list = await peer.next();
    if (list?.type !== FrameType.Deliver) throw new Error(`no user list for ${name}: ${JSON.stringify(list)}`);
    peer.ack();
    return { peer, online: list.message };
  }

  send(frame: BcsFrame): void {
    this.socket.write(encodeFrame(frame));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  ack(): void {
    this.socket.write(encodeStatus(0, "ok"));
  }

  /** The next frame, or undefined if the connection closes first; rejects after `ms`. */
  next(ms = 3000): Promise<Received | undefined> {
    return this.frames.next(ms, "frame");
  }

  /** True when no frame arrives within `ms`. */
  quiet(ms: number): Promise<boolean> {
    return this.frames.quiet(ms);
  }

  /** Read the next deliver and acknowledge it. */
  async deliver(ms = 3000): Promise<{ from: string; message: string }> {
    const f = await this.next(ms);
    if (f?.type !== FrameType.Deliver) throw new Error(`expected a deliver, got ${JSON.stringify(f)}`);
    this.ack();
    return { from: f.from, message: f.message };
  }

  close(): void {
    this.socket.destroy();
  }
}
