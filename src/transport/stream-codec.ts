/**
 * The contract between a stream dialect's pure codec and the transport's FrameReader.
 * A codec never touches I/O; decode is total (it never throws on bytes).
 */

export interface CodecError {
  /** Stable machine code, e.g. `CODEC_UNKNOWN_TYPE`. */
  readonly code: string;
  readonly message: string;
  /** Fatal errors poison the stream: nothing more is decoded and the connection closes. */
  readonly fatal: boolean;
  /** For recoverable errors: bytes to skip before decoding resumes. */
  readonly consumed?: number;
}

export type Decoded<F> =
  | {
      readonly kind: "frame";
      readonly frame: F;
      readonly consumed: number;
      /**
       * When set, the frame announces a raw body of this many bytes (a file, or an
       * oversized field to discard). The reader hands those bytes to the sink as they
       * arrive instead of buffering them.
       */
      readonly body?: number;
    }
  | { readonly kind: "need" }
  /** Bytes that belong to nothing (e.g. the rest of an over-long line): drop them. */
  | { readonly kind: "skip"; readonly consumed: number }
  | { readonly kind: "error"; readonly error: CodecError };

/**
 * One instance per connection, so a codec may keep parsing state between calls (how far
 * a partial line was already searched, whether it is discarding an over-long line).
 */
export interface StreamCodec<F> {
  /** Decode one frame at `offset`. Must not read past `buf.length` nor keep `buf`. */
  decode(buf: Buffer, offset: number): Decoded<F>;
}

export const NEED: Decoded<never> = Object.freeze({ kind: "need" });

/**
 * `createCodec` for a stateless codec that all connections share, made again when the
 * live `--max-frame-bytes` has changed (SIGHUP): connections made after a change get the
 * new limit, and each connection's codec agrees with its FrameReader's.
 */
export function sharedCodec<F>(limits: { readonly maxFrameBytes: number }, make: (maxFrameBytes: number) => StreamCodec<F>): () => StreamCodec<F> {
  let madeFor = limits.maxFrameBytes;
  let codec = make(madeFor);
  return () => {
    if (limits.maxFrameBytes !== madeFor) {
      madeFor = limits.maxFrameBytes;
      codec = make(madeFor);
    }
    return codec;
  };
}
