/**
 * A WebSocket test peer for the web listener's `/ws/<dialect>` (docs/web.md): the `ws`
 * package's client, sending a dialect's bytes in binary messages split at odd places
 * (a message may end inside a frame or hold the end of one and the start of the next),
 * and decoding what the server sends with the dialect's own reader, whatever its
 * messages' boundaries.
 */
import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { BcsCodec, encodeStatus } from "../../src/protocols/bcs/codec.js";
import type { BcsFrame } from "../../src/protocols/bcs/frames.js";
import { Cs262Codec } from "../../src/protocols/cs262/codec.js";
import type { Cs262Frame } from "../../src/protocols/cs262/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { ServerStreamReader } from "../../src/protocols/gowing/server-stream.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import type { StreamCodec } from "../../src/transport/stream-codec.js";
import { Inbox } from "./inbox.js";

/** Turns the server's bytes into items, as they come (any chunking). */
export interface Decoder {
  push(chunk: Buffer): void;
}
export type MakeDecoder<T> = (out: (item: T) => void) => Decoder;

/** lab: one item per line. */
export const labLines: MakeDecoder<string> = (out) => {
  let partial = "";
  return {
    push(chunk) {
      partial += chunk.toString("utf8");
      let nl: number;
      while ((nl = partial.indexOf("\n")) >= 0) {
        out(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    },
  };
};

/** gowing: the JOIN reply as `{ type: 0, text: <status character> }`, then frames. */
export const gowingFrames: MakeDecoder<{ type: number; text: string }> = (out) => {
  let accepted = false;
  return new ServerStreamReader(
    {
      status: (status) => {
        if (status === 0) accepted = true;
        out({ type: GowingType.Join, text: String.fromCharCode(status) });
      },
      frame: (f) => out({ type: f.type, text: f.text }),
    },
    (byte) => !accepted && byte !== GowingType.Error,
  );
};

/** A frame reader over a new codec (bcs, cs262: no bodies in these tests). */
function framesOf<F>(codec: () => StreamCodec<F>): MakeDecoder<F> {
  return (out) =>
    new FrameReader<F>(codec(), {
      onFrame: out,
      onBody: () => undefined,
      onBodyEnd: () => undefined,
      onDecodeError: (e) => {
        throw new Error(`server sent an undecodable frame: ${e.message}`);
      },
    }, 1 << 20);
}
export const bcsFrames: MakeDecoder<BcsFrame> = framesOf(() => new BcsCodec(1 << 20));
export const cs262Frames: MakeDecoder<Cs262Frame> = framesOf(() => new Cs262Codec(1 << 20));
/** Bytes as they come, for tests that look at the stream itself. */
export const rawBytes: MakeDecoder<Buffer> = (out) => ({ push: out });

/** Message sizes that cut the stream at odd places: a frame of any length ends up split, and a message often holds the end of one frame and the start of the next. */
const SPLITS = [1, 3, 2, 7, 5, 11, 4, 13];

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface OpenOptions {
  /** The Origin header (none by default: `ws` sends none unless told). */
  readonly origin?: string;
  readonly headers?: Record<string, string>;
}

export class WsPeer<T> {
  private readonly items = new Inbox<T>();
  private split = 0;
  /** Binary messages received, and whether any was text. */
  messages = 0;
  textMessages = 0;
  readonly closed: Promise<Closed>;

  private constructor(
    readonly ws: WebSocket,
    decoder: MakeDecoder<T>,
  ) {
    const d = decoder((item) => this.items.push(item));
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      this.messages++;
      if (!isBinary) this.textMessages++;
      d.push(data);
    });
    ws.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.items.close();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** Open `ws://127.0.0.1:<port><path>`; rejects when the upgrade is refused (see `refusal`). */
  static open<T>(port: number, path: string, decoder: MakeDecoder<T>, options: OpenOptions = {}): Promise<WsPeer<T>> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { ...(options.origin !== undefined && { origin: options.origin }), headers: options.headers ?? {} });
    const peer = new WsPeer(ws, decoder);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(peer));
      ws.once("unexpected-response", (_req, res: IncomingMessage) => {
        reject(new Error(`upgrade refused: ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
      ws.once("error", reject);
    });
  }

  /** The HTTP status and body of an upgrade the server refuses; rejects if it accepts it. */
  static refusal(port: number, path: string, options: OpenOptions = {}): Promise<{ status: number; body: string }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { ...(options.origin !== undefined && { origin: options.origin }), headers: options.headers ?? {} });
    ws.on("error", () => undefined);
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        ws.terminate();
        reject(new Error(`${path}: the upgrade was accepted`));
      });
      ws.once("unexpected-response", (_req, res: IncomingMessage) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      });
    });
  }

  /** `bytes` as binary messages split at odd places (SPLITS, continuing where the last write stopped). */
  write(bytes: Uint8Array | string): void {
    const b = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let at = 0; at < b.length; ) {
      const n = SPLITS[this.split++ % SPLITS.length]!;
      this.ws.send(b.subarray(at, at + n), { binary: true });
      at += n;
    }
  }

  /** `bytes` as exactly one binary message. */
  writeMessage(bytes: Uint8Array | string): void {
    this.ws.send(typeof bytes === "string" ? Buffer.from(bytes) : bytes, { binary: true });
  }

  /** The next item, or undefined if the connection closes first; rejects after `ms`. */
  next(ms = 5000): Promise<T | undefined> {
    return this.items.next(ms, "item");
  }

  /** True when no item arrives within `ms`. */
  quiet(ms: number): Promise<boolean> {
    return this.items.quiet(ms);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A bcs `status 0 "ok"`: the ack of a deliver. */
export const BCS_ACK = encodeStatus(0, "ok");
