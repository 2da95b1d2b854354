/**
 * The contract between a datagram dialect's pure codec and the UDP transport. One
 * datagram is one frame, so there is nothing to accumulate: decode sees the whole
 * datagram or nothing. A codec never touches I/O; decode is total (never throws on
 * bytes) and allocates only for bytes that actually arrived.
 */
import type { CodecError } from "./stream-codec.js";

export type { CodecError } from "./stream-codec.js";

export type DecodedDatagram<F> =
  | { readonly ok: true; readonly frame: F }
  | {
      readonly ok: false;
      readonly error: CodecError;
      /**
       * The datagram's type byte when it had one (a datagram of zero bytes has none), so
       * the dialect can judge what the sender meant, e.g. whether an unknown address
       * may be answered at all.
       */
      readonly typeByte: number | undefined;
    };

export interface DatagramCodec<F> {
  /** Decode one whole datagram. Must not keep `datagram` (the transport may reuse it). */
  decode(datagram: Buffer): DecodedDatagram<F>;
  /** Encode one frame as one datagram (for clients and tests; sessions use the codec's helpers). */
  encode(frame: F): Buffer;
}
