/**
 * What a gowing server sends, split into JOIN status bytes and frames (docs/gowing.md#frames). Pure
 * and incremental, no I/O: for clients and test peers.
 *
 * The JOIN reply is one raw byte, not a frame, so the stream alone cannot tell a status
 * from a frame's type byte: the caller says, at each frame boundary, whether the next
 * byte is a status (a client: while its JOIN is outstanding).
 */
import { GowingCodec } from "./codec.js";
import { HEADER_BYTES, MAX_PAYLOAD_BYTES, type GowingFrame } from "./frames.js";

export interface ServerStreamSink {
  /** The raw byte that answers JOIN. */
  status(status: number): void;
  /** A frame of a known type (0-5); frames of other types are skipped unread. */
  frame(frame: GowingFrame & { kind: "text" }): void;
}

export class ServerStreamReader {
  /** Every frame a server can send fits: the u16 length bounds it. */
  private readonly codec = new GowingCodec(HEADER_BYTES + MAX_PAYLOAD_BYTES);
  private pending: Buffer = Buffer.alloc(0);
  /** Payload bytes of an unknown type still to skip. */
  private skipping = 0;

  /** @param statusNext asked at each frame boundary: is `byte` the answer to a JOIN? */
  constructor(
    private readonly sink: ServerStreamSink,
    private readonly statusNext: (byte: number) => boolean,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    for (;;) {
      if (this.skipping > 0) {
        const skipped = Math.min(this.skipping, buf.length - offset);
        this.skipping -= skipped;
        offset += skipped;
        if (this.skipping > 0) break;
      }
      if (offset >= buf.length) break;
      if (this.statusNext(buf[offset]!)) {
        this.sink.status(buf[offset]!);
        offset++;
        continue;
      }
      const decoded = this.codec.decode(buf, offset);
      if (decoded.kind !== "frame") break; // NEED: the rest of the frame is still coming
      offset += decoded.consumed;
      if (decoded.frame.kind === "skipped") this.skipping = decoded.frame.size;
      else this.sink.frame(decoded.frame);
    }
    buf = buf.subarray(offset);
    // Copied, so a large chunk is not kept alive by the few bytes of it still pending.
    this.pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }
}
