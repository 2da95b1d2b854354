/**
 * One bcs connection as the server suite drives it: frames read whole off a StreamProbe,
 * presence notices (a `deliver` from `server`: the online list, joins, leaves, which
 * other users' comings and goings may add at any time) acknowledged and passed over
 * unless a case waits for one, and every failure shown as the frame and its hex bytes.
 */
import type { CheckContext } from "../../context.js";
import { DEFAULT_WAIT_MS, sleep, type StreamProbe } from "../../probe/stream-probe.js";
import { fail } from "../../verdict.js";
import { showBytes } from "../../wire-view.js";
import { ACK, describe, register, takeFrame, type Frame } from "./wire.js";

export type Deliver = Extract<Frame, { type: 3 }>;
export type Status = Extract<Frame, { type: 4 }>;

/** The name seed 000 gives the sender of notices. */
export const SERVER = "server";

const isNotice = (f: Frame): f is Deliver => f.type === 3 && f.from === SERVER;

export class BcsPeer {
  /** Notices passed over so far (acknowledged), for cases that look at them later. */
  readonly notices: string[] = [];

  constructor(
    readonly probe: StreamProbe,
    readonly name: string,
  ) {}

  send(bytes: Uint8Array): void {
    this.probe.send(bytes);
  }

  ack(): void {
    this.probe.send(ACK);
  }

  /** The next frame, whatever it is (nothing acknowledged). */
  async frame(expected: string, ms = DEFAULT_WAIT_MS): Promise<{ frame: Frame; raw: Buffer }> {
    const got = await this.probe.expect(
      expected,
      (p) => {
        const t = takeFrame(p);
        return t && { value: { frame: t.value, raw: Buffer.from(p.subarray(0, t.used)) }, used: t.used };
      },
      ms,
    );
    if (got.frame.type === "unknown") this.unexpected(expected, got.frame, got.raw);
    return got;
  }

  /** The first frame `match` accepts; notices before it are acknowledged and passed over, anything else fails. */
  async until<F extends Frame>(expected: string, match: (f: Frame) => f is F, ms?: number): Promise<F>;
  async until(expected: string, match: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  async until(expected: string, match: (f: Frame) => boolean, ms = DEFAULT_WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const { frame, raw } = await this.frame(expected, Math.max(1, deadline - Date.now()));
      if (match(frame)) return frame;
      if (!isNotice(frame)) this.unexpected(expected, frame, raw);
      this.notices.push(frame.message);
      this.ack();
    }
  }

  /** The next status (delivers from `server` before it acknowledged and passed over). */
  status(expected = "a status frame", ms?: number): Promise<Status> {
    return this.until(expected, (f): f is Status => f.type === 4, ms);
  }

  /** The next status must carry `code`. */
  async expectStatus(code: number, expected = `status ${code}`, ms?: number): Promise<Status> {
    const s = await this.status(expected, ms);
    if (s.code !== code) this.unexpected(expected, s);
    return s;
  }

  /** The next status must be an error (a non-zero code). */
  async expectRefusal(expected: string, ms?: number): Promise<Status> {
    const s = await this.status(expected, ms);
    if (s.code === 0) this.unexpected(expected, s);
    return s;
  }

  /** A deliver from `from` (not acknowledged: the case decides). */
  deliverFrom(from: string, expected = `a deliver from ${JSON.stringify(from)}`, ms?: number): Promise<Deliver> {
    return this.until(expected, (f): f is Deliver => f.type === 3 && f.from === from, ms);
  }

  /** A deliver from `from` with exactly `text` (not acknowledged: the case decides). */
  async expectDeliver(from: string, text: string): Promise<Deliver> {
    const d = await this.deliverFrom(from);
    if (d.message !== text) this.unexpected(`deliver from ${from}: ${JSON.stringify(text)}`, d);
    return d;
  }

  /** A deliver from `server` whose text `match` accepts; other notices are acknowledged and passed over. */
  notice(expected: string, match: (text: string) => boolean, ms?: number): Promise<Deliver> {
    return this.until(expected, (f): f is Deliver => isNotice(f) && match(f.message), ms);
  }

  /** For `ms`, nothing but notices (acknowledged) arrives, and the connection stays open. */
  async quiet(expected: string, ms = 300): Promise<void> {
    await sleep(ms);
    while (takeFrame(this.probe.unread)) {
      const { frame, raw } = await this.frame(expected, 1);
      if (!isNotice(frame)) this.unexpected(expected, frame, raw);
      this.notices.push(frame.message);
      this.ack();
    }
    if (this.probe.isClosed) fail({ sent: this.probe.shownSent(), expected, got: "the connection closed" });
  }

  /** Fail, showing the frame that came instead of what was expected. */
  unexpected(expected: string, frame: Frame, raw?: Buffer): never {
    const bytes = raw ? ` = ${showBytes(raw, "hex")}` : "";
    return fail({ sent: this.probe.shownSent(), expected, got: `${describe(frame)}${bytes}` });
  }
}

/** A new connection that has sent `register` for a fresh name and been answered `status 0`. */
export async function registered(ctx: CheckContext, base = "u"): Promise<BcsPeer> {
  const peer = await connection(ctx, ctx.name(base));
  peer.send(register(peer.name));
  await peer.expectStatus(0, `status 0 answering register ${JSON.stringify(peer.name)}`);
  return peer;
}

/** A new connection, not registered yet, that will use `name`. */
export async function connection(ctx: CheckContext, name: string): Promise<BcsPeer> {
  return new BcsPeer(await ctx.connect(), name);
}

/** `n` users registered one after another (each later one makes join notices for the earlier). */
export async function users(ctx: CheckContext, n: number): Promise<BcsPeer[]> {
  const out: BcsPeer[] = [];
  for (let i = 0; i < n; i++) out.push(await registered(ctx, String.fromCharCode(97 + i)));
  return out;
}
