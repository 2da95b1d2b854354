/**
 * Incremental reader for stream codecs: owns the bytes left over between chunks, runs
 * the codec's decode in a loop, streams announced bodies without buffering them, and
 * supports pausing (the session is busy, e.g. writing a file) without losing bytes.
 */
import type { CodecError, StreamCodec } from "./stream-codec.js";

export interface FrameSink<F> {
  onFrame(frame: F): void;
  /** Raw body bytes announced by the last frame; the chunk aliases the socket's buffer. */
  onBody(chunk: Buffer): void;
  onBodyEnd(): void;
  onDecodeError(error: CodecError): void;
}

const EMPTY = Buffer.alloc(0);

export class FrameReader<F> {
  private buf: Buffer = EMPTY;
  private offset = 0;
  private bodyLeft = 0;
  private inBody = false;
  private paused = false;
  private poisoned = false;
  private draining = false;
  /** When the current incomplete frame began (or a body last progressed); 0 when none. */
  partialSince = 0;

  constructor(
    private readonly codec: StreamCodec<F>,
    private readonly sink: FrameSink<F>,
    /** Most bytes kept while waiting for the rest of a frame. */
    private readonly maxBuffered: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feed received bytes. The reader may keep `chunk`: the caller must not reuse it. */
  push(chunk: Buffer): void {
    if (this.poisoned) return;
    if (this.offset < this.buf.length) {
      // Only the unfinished tail of the previous chunk is copied, never a whole stream.
      this.buf = Buffer.concat([this.buf.subarray(this.offset), chunk]);
    } else {
      this.buf = chunk;
    }
    this.offset = 0;
    this.drain();
  }

  pause(): void {
    this.paused = true;
  }

  /** Continue with bytes already received; the caller resumes the socket if still unpaused. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.draining) this.drain(); // else the running loop simply goes on
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private drain(): void {
    this.draining = true;
    try {
      this.drainLoop();
    } finally {
      this.draining = false;
    }
  }

  private drainLoop(): void {
    const buf = this.buf;
    while (!this.paused && !this.poisoned && this.offset < buf.length) {
      if (this.inBody) {
        const n = Math.min(this.bodyLeft, buf.length - this.offset);
        const chunk = buf.subarray(this.offset, this.offset + n);
        this.offset += n;
        this.bodyLeft -= n;
        this.partialSince = this.now();
        this.sink.onBody(chunk);
        if (this.bodyLeft === 0) this.endBody();
        continue;
      }
      const r = this.codec.decode(buf, this.offset);
      if (r.kind === "need") break;
      if (r.kind === "skip") {
        this.offset += r.consumed;
        continue;
      }
      if (r.kind === "error") {
        if (r.error.fatal) this.poisoned = true;
        else this.offset += Math.max(1, r.error.consumed ?? 0);
        this.sink.onDecodeError(r.error);
        continue;
      }
      this.offset += r.consumed;
      this.partialSince = 0; // a frame completed; a next incomplete one starts its own clock
      if (r.body !== undefined) {
        this.inBody = true;
        this.bodyLeft = r.body;
      }
      this.sink.onFrame(r.frame);
      if (this.inBody && this.bodyLeft === 0) this.endBody();
    }
    if (this.poisoned) {
      this.buf = EMPTY;
      this.offset = 0;
      return;
    }
    if (this.offset >= this.buf.length) {
      this.buf = EMPTY;
      this.offset = 0;
      if (!this.inBody) this.partialSince = 0;
      return;
    }
    if (this.paused) return; // keep the rest as is until resume()
    // An incomplete frame is waiting for more bytes.
    if (this.partialSince === 0) this.partialSince = this.now();
    if (this.buf.length - this.offset > this.maxBuffered) {
      this.poisoned = true;
      this.buf = EMPTY;
      this.offset = 0;
      this.sink.onDecodeError({ code: "CODEC_FRAME_TOO_LARGE", message: "frame too large", fatal: true });
    }
  }

  private endBody(): void {
    this.inBody = false;
    this.partialSince = 0;
    this.sink.onBodyEnd();
  }
}
