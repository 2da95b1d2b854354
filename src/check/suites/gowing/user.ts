/**
 * One gowing connection as a server case drives it: JOIN, send frames, and wait for the
 * status byte or the next frame, each with a limit. A failure shows what every
 * connection of the case sent, as frames, and what came back instead.
 *
 * Presence notices about users the case did not make (`**X is leaving the chat**` of a
 * user from an earlier case whose connection the server is still closing, or anybody
 * else on a shared server) are skipped: they are not this case's business.
 */
import type { CheckContext } from "../../context.js";
import type { StreamProbe, Take } from "../../probe/stream-probe.js";
import { DEFAULT_WAIT_MS, sleep } from "../../probe/stream-probe.js";
import { CheckFailure, fail } from "../../verdict.js";
import { ERROR, join, joiningLine, MESSAGE, showFrame, showFrames, showStatus, takeFrame, takeStatus, withoutLineEnd, type Frame } from "./wire.js";

interface CaseState {
  /** Names this case made, lower case (names compare case-insensitively, docs/wire.md). */
  readonly names: Set<string>;
  /** What each connection sent, in order, as shown in a failure report. */
  readonly sent: { label: string; shown: string[] }[];
  connections: number;
}

const states = new WeakMap<CheckContext, CaseState>();

function stateOf(ctx: CheckContext): CaseState {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { names: new Set(), sent: [], connections: 0 }));
  return s;
}

/** A fresh name for this case (1-16 characters of the name rule), known as the case's own. */
export function nameFor(ctx: CheckContext, base = "u", max = 16): string {
  const name = ctx.name(base, max);
  stateOf(ctx).names.add(name.toLowerCase());
  return name;
}

const NOTICE = /^\*\*(\S+) (?:is joining the chat|is leaving the chat|has uploaded .* to the server)\*\*[\r\n]*$/;

export interface FrameOptions {
  /** Compare the text byte for byte; otherwise a trailing CR/LF is allowed (the seed does not rule it out). */
  readonly exact?: boolean;
  /** The text need only contain the one expected (a case that does not check the line's form). */
  readonly containing?: boolean;
  readonly ms?: number;
}

export class GowingUser {
  /** Set once a JOIN of ours was accepted. */
  name = "";

  private constructor(
    private readonly ctx: CheckContext,
    readonly probe: StreamProbe,
    private readonly label: string,
  ) {}

  static async connect(ctx: CheckContext): Promise<GowingUser> {
    const state = stateOf(ctx);
    return new GowingUser(ctx, await ctx.connect(), `connection ${++state.connections}`);
  }

  /** The stand-in server's side of a connection the client under test made. */
  static accepted(ctx: CheckContext, probe: StreamProbe): GowingUser {
    const state = stateOf(ctx);
    return new GowingUser(ctx, probe, `the client's connection ${++state.connections}`);
  }

  /** A user joined under a fresh name, its own joining notice read. */
  static async joined(ctx: CheckContext, base = "u"): Promise<GowingUser> {
    const user = await GowingUser.connect(ctx);
    await user.join(nameFor(ctx, base));
    return user;
  }

  /**
   * Users joined in order, each earlier one having read the later ones' joining notices,
   * so that what each gets next is the case's business only.
   */
  static async joinedAll(ctx: CheckContext, ...bases: string[]): Promise<GowingUser[]> {
    const users: GowingUser[] = [];
    for (const base of bases) {
      const user = await GowingUser.joined(ctx, base);
      for (const earlier of users) await earlier.skipTo(MESSAGE, joiningLine(user.name));
      users.push(user);
    }
    return users;
  }

  /** JOIN `name`: the byte 00, then (among other frames) the joiner's own joining notice. */
  async join(name: string): Promise<void> {
    this.send(join(name));
    await this.expectStatus(0, `JOIN ${JSON.stringify(name)} accepted`);
    this.name = name;
    await this.skipTo(MESSAGE, joiningLine(name));
  }

  send(bytes: Buffer): void {
    this.log(showFrames(bytes));
    this.probe.send(bytes);
  }

  /** The stand-in server's answer to JOIN: one raw byte, with any frames after it in the same write. */
  sendStatus(status: number, ...frames: Buffer[]): void {
    this.log(showStatus(status));
    if (frames.length > 0) this.log(showFrames(Buffer.concat(frames)));
    this.probe.send(Buffer.concat([Buffer.from([status]), ...frames]));
  }

  /** `bytes` in writes of `size` bytes (framing must not depend on how bytes arrive). */
  sendInPieces(bytes: Buffer, size: number): Promise<void> {
    this.log(`${showFrames(bytes)} in writes of ${size} byte${size === 1 ? "" : "s"}`);
    return this.probe.sendInPieces(bytes, size);
  }

  /**
   * The next byte, read as the answer to JOIN, must be `want`. With `afterErrors`, ERROR
   * frames may come first (answers to frames sent before the JOIN; 05 is no status).
   */
  async expectStatus(want: number, what: string, options: { ms?: number; afterErrors?: boolean } = {}): Promise<void> {
    const ms = options.ms ?? this.wait;
    const expected = `${showStatus(want)} (${what})`;
    if (options.afterErrors) {
      const deadline = Date.now() + ms;
      while ((await this.take(expected, (p) => (p.length > 0 ? { value: p[0]!, used: 0 } : undefined), ms)) === ERROR) {
        await this.take(expected, takeFrame, Math.max(1, deadline - Date.now()));
      }
    }
    const got = await this.take(expected, takeStatus, ms);
    if (got !== want) this.failGot(expected, `${showStatus(got)}, then ${showFrames(this.probe.unread)}`);
  }

  /** The next byte, read as the answer to JOIN, must be a refusal (anything but 00). */
  async expectRefusal(what: string, ms = this.wait): Promise<number> {
    const expected = `a JOIN status byte other than 00 (${what})`;
    const got = await this.take(expected, takeStatus, ms);
    if (got === 0) this.failGot(expected, `${showStatus(got)}, then ${showFrames(this.probe.unread)}`);
    return got;
  }

  /** The next frame of this case (foreign presence notices skipped). */
  async nextFrame(expected: string, ms = this.wait): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = await this.take(expected, takeFrame, Math.max(1, deadline - Date.now()));
      if (!this.foreign(f)) return f;
    }
  }

  /** The next frame must be `type` with `text`. */
  async expectFrame(type: number, text: string, options: FrameOptions = {}): Promise<Frame> {
    const expected = showFrame({ type, text });
    const f = await this.nextFrame(expected, options.ms ?? this.wait);
    if (!matches(f, type, text, options.exact === true)) this.failGot(expected, this.showWithRest(f));
    return f;
  }

  /**
   * The next frame is a chat line (type 2) from `from` carrying `text`, in whatever form
   * (`[X] text`, `[X]text\n`, `X: text`): for cases about something else than the form.
   * With `afterJoining`, that user's joining notice may come first.
   */
  async expectChat(from: string, text: string, options: { afterJoining?: string } = {}): Promise<Frame> {
    const expected = `a chat line (MESSAGE, 2) from ${from} with ${JSON.stringify(text)}`;
    for (;;) {
      const f = await this.nextFrame(expected);
      if (f.type === MESSAGE && f.text.includes(from) && f.text.includes(text)) return f;
      if (options.afterJoining !== undefined && matches(f, MESSAGE, joiningLine(options.afterJoining), false)) continue;
      this.failGot(expected, this.showWithRest(f));
    }
  }

  /** Frames until one is `type` with `text` (others are allowed before it). */
  async skipTo(type: number, text: string, options: FrameOptions = {}): Promise<Frame> {
    const ms = options.ms ?? this.wait;
    const expected = `${options.containing ? `a frame of type ${type} containing ${JSON.stringify(text)}` : showFrame({ type, text })}, possibly after other frames`;
    const skipped: string[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      let f: Frame;
      try {
        f = await this.nextFrame(expected, Math.max(1, deadline - Date.now()));
      } catch (err) {
        if (err instanceof CheckFailure && skipped.length > 0) this.failGot(expected, `${skipped.join(", ")}, then ${err.detail.got}`);
        throw err;
      }
      if (options.containing ? f.type === type && f.text.includes(text) : matches(f, type, text, options.exact === true)) return f;
      skipped.push(showFrame(f));
    }
  }

  /** No frame of this case (and no stray byte) arrives for `ms`, and the connection stays open. */
  async expectNoFrame(expected: string, ms = 300): Promise<void> {
    await sleep(ms);
    for (;;) {
      const f = takeFrame(this.probe.unread);
      if (!f || !this.foreign(f.value)) break;
      await this.probe.expect("", takeFrame, 1);
    }
    if (this.probe.unread.length > 0 || this.probe.isClosed) {
      this.failGot(expected, `${showFrames(this.probe.unread)}${this.probe.isClosed ? "; the connection closed" : ""}`);
    }
  }

  /** No frame already received (e.g. after the connection closed) is `type` with `text`. */
  expectNoFrameLike(type: number, text: string, expected: string): void {
    let rest = this.probe.unread;
    for (let f = takeFrame(rest); f; f = takeFrame(rest)) {
      if (matches(f.value, type, text, false)) this.failGot(expected, showFrames(this.probe.unread));
      rest = rest.subarray(f.used);
    }
  }

  /** The server closes this connection within `ms`. */
  async expectClosed(expected: string, ms = this.wait): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([this.probe.closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms)))]);
    clearTimeout(timer);
    if (timedOut) this.failGot(expected, `still open after ${ms} ms; unread: ${showFrames(this.probe.unread)}`);
  }

  close(): void {
    this.log("(closed the connection)");
    this.probe.close();
  }

  /** How long to wait for an answer: the probe's default, times the run's --time-scale. */
  private get wait(): number {
    return this.ctx.ms(DEFAULT_WAIT_MS);
  }

  /** What every connection of the case sent, as frames. */
  shownSent(): string {
    return stateOf(this.ctx)
      .sent.map((s) => `${s.label}: ${s.shown.join(", ")}`)
      .join("; ");
  }

  failGot(expected: string, got: string): never {
    return fail({ sent: this.shownSent(), expected: `on ${this.who()}: ${expected}`, got });
  }

  private who(): string {
    return this.name === "" ? this.label : `${this.name}'s ${this.label}`;
  }

  private log(shown: string): void {
    const sent = stateOf(this.ctx).sent;
    const last = sent[sent.length - 1];
    if (last && last.label === this.label) last.shown.push(shown);
    else sent.push({ label: this.label, shown: [shown] });
  }

  private foreign(f: Frame): boolean {
    if (f.type !== MESSAGE) return false;
    const m = NOTICE.exec(f.text);
    return m !== null && !stateOf(this.ctx).names.has(m[1]!.toLowerCase());
  }

  private showWithRest(f: Frame): string {
    const rest = this.probe.unread;
    return rest.length === 0 ? showFrame(f) : `${showFrame(f)}, then ${showFrames(rest)}`;
  }

  private async take<T>(expected: string, take: Take<T>, ms: number): Promise<T> {
    try {
      return await this.probe.expect(expected, take, ms);
    } catch (err) {
      if (!(err instanceof CheckFailure)) throw err;
      const unread = this.probe.unread;
      const why = this.probe.isClosed ? "the connection closed" : `nothing ${unread.length > 0 ? "more " : ""}within ${ms} ms`;
      return this.failGot(expected, unread.length > 0 ? `${showFrames(unread)}, then ${why}` : why);
    }
  }
}

function matches(f: Frame, type: number, text: string, exact: boolean): boolean {
  return f.type === type && (exact ? f.text === text : withoutLineEnd(f.text) === text);
}
