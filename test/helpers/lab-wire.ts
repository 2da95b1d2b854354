/** A raw lab peer for tests: writes any bytes, reads server lines one at a time. */
import type { Socket } from "node:net";
import { Inbox } from "./inbox.js";
import { connectPeer, type PeerPort } from "./tcp-peer.js";

export class RawLab {
  private readonly lines = new Inbox<string>();
  private partial = "";
  /** Every chunk as it arrived, with its time, for tests of how bytes were split. */
  readonly chunks: { at: number; data: Buffer }[] = [];
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.chunks.push({ at: Date.now(), data: d });
      this.partial += d.toString("utf8");
      let nl: number;
      while ((nl = this.partial.indexOf("\n")) >= 0) {
        this.lines.push(this.partial.slice(0, nl));
        this.partial = this.partial.slice(nl + 1);
      }
    });
    socket.on("error", () => undefined);
    this.whenClosed = this.lines.closeOn(socket);
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.lines.closed;
  }

  static open(port: PeerPort): Promise<RawLab> {
    return connectPeer(port, "127.0.0.1", (s) => new RawLab(s));
  }

  /** Connect and log in; asserts the HELLO. */
  static async login(port: PeerPort, name: string): Promise<RawLab> {
    const peer = await RawLab.open(port);
    peer.write(`HELLO-FROM ${name}\n`);
    const reply = await peer.next();
    if (reply !== `HELLO ${name}`) throw new Error(`login ${name}: ${reply}`);
    return peer;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next line, or undefined if the connection closes first; rejects after `ms`. */
  next(ms = 3000): Promise<string | undefined> {
    return this.lines.next(ms, "line");
  }

  /** True when no line arrives within `ms`. */
  quiet(ms: number): Promise<boolean> {
    return this.lines.quiet(ms);
  }

  close(): void {
    this.socket.destroy();
  }
}
