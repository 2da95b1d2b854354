/** One connection to a lab server: request lines out, decoded reply lines in. */
import type { Socket } from "node:net";
import { createReplyCodec, encodeRequest } from "../../protocols/lab/codec.js";
import type { LabReply, LabRequest } from "../../protocols/lab/frames.js";
import { FrameReader } from "../../transport/frame-reader.js";
import { connectTo } from "../shared/connect.js";

/** Longest server line we accept: a DELIVERY of the largest message, with room to spare. */
const MAX_LINE_BYTES = 1 << 20;

export class LabConnection {
  private readonly waiting: ((reply: LabReply | undefined) => void)[] = [];
  /**
   * Replies that came while nobody asked: a DELIVERY in the same packet as the HELLO
   * arrives before the caller's await on next() has resumed and set a handler. Handed
   * to the handler, in order, when it is set.
   */
  private readonly unclaimed: LabReply[] = [];
  private handler: ((reply: LabReply) => void) | undefined;
  onClose: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    const reader = new FrameReader<LabReply>(
      createReplyCodec(MAX_LINE_BYTES),
      {
        onFrame: (reply) => this.received(reply),
        onBody: () => undefined,
        onBodyEnd: () => undefined,
        onDecodeError: () => undefined, // the line codec has none
      },
      MAX_LINE_BYTES,
    );
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    socket.on("error", () => undefined); // a reset shows up as close
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(undefined);
      this.onClose?.();
    });
  }

  static async open(host: string, port: number): Promise<LabConnection> {
    return new LabConnection(await connectTo(host, port));
  }

  send(request: LabRequest): void {
    if (!this.closed) this.socket.write(encodeRequest(request));
  }

  /** The next reply (while no onReply handler is set), or undefined once closed. */
  next(): Promise<LabReply | undefined> {
    const early = this.unclaimed.shift();
    if (early) return Promise.resolve(early);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** From now on every reply goes to `handler`, starting with those that came unasked. */
  set onReply(handler: (reply: LabReply) => void) {
    this.handler = handler;
    for (const r of this.unclaimed.splice(0)) handler(r);
  }

  close(): void {
    this.socket.end();
    this.socket.destroySoon();
  }

  private received(reply: LabReply): void {
    const w = this.waiting.shift();
    if (w) w(reply);
    else if (this.handler) this.handler(reply);
    else this.unclaimed.push(reply);
  }
}
