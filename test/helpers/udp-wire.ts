/**
 * A raw CHAT UDP peer for tests: its own socket on 127.0.0.1, sends any bytes, and reads
 * the server's datagrams one at a time (kept raw, so sizes can be checked).
 */
import { createSocket, type Socket } from "node:dgram";
import { decodeDatagram, encodeFrame } from "../../src/protocols/udp/codec.js";
import { Op, type UdpFrame } from "../../src/protocols/udp/frames.js";
import { Inbox } from "./inbox.js";

export class RawUdp {
  /** Never closed: a udp socket has no connection to lose. */
  private readonly received = new Inbox<Buffer>();

  private constructor(
    readonly socket: Socket,
    readonly serverPort: number,
    readonly serverHost: string,
  ) {
    socket.on("message", (msg) => this.received.push(msg));
    socket.on("error", () => undefined);
  }

  /** A peer on its own free port, talking to the server at `port`. */
  static async open(port: number, host = "127.0.0.1"): Promise<RawUdp> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    // Nothing closes a udp socket from the server's side: a test that fails before it
    // closes its peer must not keep the test process, and so CI, waiting forever. (A
    // pending next() keeps the process up by its own timer.)
    socket.unref();
    return new RawUdp(socket, port, host);
  }

  /** Open and register `name`; asserts the OK. */
  static async registered(port: number, name: string): Promise<RawUdp> {
    const peer = await RawUdp.open(port);
    peer.send({ op: Op.Register, name });
    const reply = await peer.next();
    if (reply.op !== Op.Ok) throw new Error(`register ${name} failed: ${JSON.stringify(reply)}`);
    return peer;
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  send(frame: UdpFrame): void {
    this.write(encodeFrame(frame));
  }

  write(bytes: Uint8Array): void {
    this.socket.send(bytes, this.serverPort, this.serverHost);
  }

  /** The next datagram as received; rejects after `ms`. */
  nextRaw(ms = 3000): Promise<Buffer> {
    return this.received.next(ms, "datagram") as Promise<Buffer>; // never undefined: never closed
  }

  /** The next datagram, decoded; throws if the server sent something undecodable. */
  async next(ms = 3000): Promise<UdpFrame> {
    const d = await this.nextRaw(ms);
    const decoded = decodeDatagram(d);
    if (!decoded.ok) throw new Error(`the server sent an undecodable datagram: ${decoded.error.message} (${d.toString("hex")})`);
    return decoded.frame;
  }

  /** The next datagram that is not a 43 list (periodic lists may come at any time). */
  async nextNotList(ms = 3000): Promise<UdpFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = await this.next(Math.max(1, deadline - Date.now()));
      if (f.op !== Op.UserList) return f;
    }
  }

  /** A whole user list: 43 datagrams up to one without the trailing NUL. */
  async list(ms = 3000): Promise<{ names: string[]; sizes: number[] }> {
    const names: string[] = [];
    const sizes: number[] = [];
    for (;;) {
      const d = await this.nextRaw(ms);
      const decoded = decodeDatagram(d);
      if (!decoded.ok || decoded.frame.op !== Op.UserList) throw new Error(`expected a 43 list datagram, got ${d.toString("hex")}`);
      names.push(...decoded.frame.names);
      sizes.push(d.length);
      if (!decoded.frame.more) return { names, sizes };
    }
  }

  /** Everything that arrives within `ms`, raw. */
  async drain(ms: number): Promise<Buffer[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.received.takeAll();
  }

  /** True when nothing arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    return (await this.drain(ms)).length === 0;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
