/**
 * One TCP connection to the implementation under test, as a case drives it: what it
 * sends is kept (for a failure report), what arrives waits in a buffer until a case
 * takes it. Every wait has a limit and fails with what came back instead.
 */
import { connect, type Socket } from "node:net";
import { fail } from "../verdict.js";
import { showBytes, type WireView } from "../wire-view.js";
import { Arrivals } from "./arrivals.js";

/** A parser handed the bytes received and not yet taken: the value and how many bytes it used, or undefined for "not yet". */
export type Take<T> = (pending: Buffer) => { value: T; used: number } | undefined;

export const DEFAULT_WAIT_MS = 3000;

export class StreamProbe {
  private pending: Buffer = Buffer.alloc(0);
  private readonly sent: Buffer[] = [];
  private readonly arrivals = new Arrivals();
  private ended = false;
  /** How long a wait lasts when a call gives no limit (the run's --time-scale applied). */
  waitMs = DEFAULT_WAIT_MS;
  /** Resolves when the peer has closed the connection (or it broke). */
  readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    readonly view: WireView,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => {
      this.pending = this.pending.length === 0 ? d : Buffer.concat([this.pending, d]);
      this.arrivals.notify();
    });
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.ended = true;
        this.arrivals.notify();
        resolve();
      }),
    );
  }

  static connect(host: string, port: number, view: WireView, ms = DEFAULT_WAIT_MS): Promise<StreamProbe> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${host}:${port} within ${ms} ms`));
      }, ms);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new StreamProbe(socket, view));
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to ${host}:${port}: ${err.message}`));
      });
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Bytes received and not yet taken. */
  get unread(): Buffer {
    return this.pending;
  }

  send(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    this.sent.push(bytes);
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** `data` in writes of `size` bytes with `gapMs` between them: framing must not depend on how bytes arrive. */
  async sendInPieces(data: string | Uint8Array, size = 1, gapMs = 2): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    this.sent.push(bytes);
    for (let i = 0; i < bytes.length && !this.socket.destroyed; i += size) {
      this.socket.write(bytes.subarray(i, i + size));
      await sleep(gapMs);
    }
  }

  /** What this probe sent, as a failure report shows it. */
  shownSent(): string {
    return showBytes(Buffer.concat(this.sent), this.view);
  }

  /** Wait until `take` finds its value in what arrived; fail, describing `expected`, if it does not within `ms`. */
  async expect<T>(expected: string, take: Take<T>, ms = this.waitMs): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = take(this.pending);
      if (found) {
        this.pending = this.pending.subarray(found.used);
        return found.value;
      }
      const left = deadline - Date.now();
      if (this.ended || left <= 0) {
        const why = this.ended ? "then the connection closed" : `nothing more within ${ms} ms`;
        return fail({ sent: this.shownSent(), expected, got: `${showBytes(this.pending, this.view)}; ${why}` });
      }
      await this.arrivals.next(left);
    }
  }

  /** Exactly these bytes next. */
  expectBytes(bytes: string | Uint8Array, ms = this.waitMs): Promise<void> {
    const want = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
    const expected = showBytes(want, this.view);
    return this.expect(
      expected,
      (p) => {
        const n = Math.min(p.length, want.length);
        if (!p.subarray(0, n).equals(want.subarray(0, n))) {
          return fail({ sent: this.shownSent(), expected, got: showBytes(p, this.view) });
        }
        return p.length >= want.length ? { value: undefined, used: want.length } : undefined;
      },
      ms,
    );
  }

  /** The next line (up to `\n`, which is not returned; a `\r` before it is kept). */
  line(expected = "a line ending in \\n", ms = this.waitMs): Promise<string> {
    return this.expect(
      expected,
      (p) => {
        const end = p.indexOf(0x0a);
        return end < 0 ? undefined : { value: p.toString("utf8", 0, end), used: end + 1 };
      },
      ms,
    );
  }

  /** The next line must be `want` (exactly) or match it. */
  async expectLine(want: string | RegExp, ms = this.waitMs): Promise<string> {
    const expected = typeof want === "string" ? JSON.stringify(want + "\n") : `a line matching ${want}`;
    const got = await this.line(expected, ms);
    const ok = typeof want === "string" ? got === want : want.test(got);
    if (!ok) fail({ sent: this.shownSent(), expected, got: JSON.stringify(got + "\n") });
    return got;
  }

  /** Lines until one matches `want`, skipping others (e.g. notices a case does not check). */
  async skipToLine(want: string | RegExp, ms = this.waitMs): Promise<string> {
    const deadline = Date.now() + ms;
    const expected = typeof want === "string" ? `a line ${JSON.stringify(want + "\n")}` : `a line matching ${want}`;
    for (;;) {
      const got = await this.line(expected, Math.max(1, deadline - Date.now()));
      if (typeof want === "string" ? got === want : want.test(got)) return got;
    }
  }

  /** The peer closes the connection within `ms`. */
  async expectClosed(expected = "the connection closed", ms = this.waitMs): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.closed.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms))),
    ]);
    clearTimeout(timer);
    if (timedOut) fail({ sent: this.shownSent(), expected, got: `still open after ${ms} ms; unread: ${showBytes(this.pending, this.view)}` });
  }

  /** Nothing arrives for `ms` (and the connection stays open unless `mayClose`). */
  async expectNothing(expected: string, ms = 300, mayClose = false): Promise<void> {
    await sleep(ms);
    if (this.pending.length > 0 || (this.ended && !mayClose)) {
      fail({ sent: this.shownSent(), expected, got: `${showBytes(this.pending, this.view)}${this.ended ? "; the connection closed" : ""}` });
    }
  }

  /** Forget what arrived so far (e.g. notices before the exchange a case checks). */
  drain(): void {
    this.pending = Buffer.alloc(0);
  }

  close(): void {
    this.socket.destroy();
  }

}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
