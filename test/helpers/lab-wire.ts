/** A raw lab peer for tests: writes any bytes, reads server lines one at a time. */
import { connect, type Socket } from "node:net";

export class RawLab {
  private readonly lines: string[] = [];
  private waiters: ((line: string | undefined) => void)[] = [];
  private partial = "";
  /** Every chunk as it arrived, with its time, for tests of how bytes were split. */
  readonly chunks: { at: number; data: Buffer }[] = [];
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.chunks.push({ at: Date.now(), data: d });
      this.partial += d.toString("utf8");
      let nl: number;
      while ((nl = this.partial.indexOf("\n")) >= 0) {
        this.push(this.partial.slice(0, nl));
        this.partial = this.partial.slice(nl + 1);
      }
    });
    socket.on("error", () => undefined);
    this.whenClosed = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawLab> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new RawLab(s)));
      s.once("error", reject);
    });
  }

  /** Connect and log in; asserts the HELLO. */
  static async login(port: number, name: string): Promise<RawLab> {
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
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no line within ${ms} ms`));
      }, ms);
      const waiter = (line: string | undefined): void => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push(waiter);
    });
  }

  async quiet(ms: number): Promise<boolean> {
    if (this.lines.length > 0) return false;
    await new Promise((r) => setTimeout(r, ms));
    return this.lines.length === 0;
  }

  close(): void {
    this.socket.destroy();
  }

  private push(line: string): void {
    const w = this.waiters.shift();
    if (w) w(line);
    else this.lines.push(line);
  }
}
