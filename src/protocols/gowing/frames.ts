/**
 * gowing frames (seed 003, docs/gowing.md#frames): `type:u8 | len:u16 | payload`, big-endian, the
 * payload ASCII. The same six types travel both ways. Type numbers are the wire's:
 * stable, do not reorder.
 */
export const FrameType = {
  /** client: the name wanted. The server's reply is one raw status byte, not a frame. */
  Join: 0,
  /** client: leaving (payload ignored). */
  Leave: 1,
  /** client: text for everyone else; server: every chat line and notice. */
  Message: 2,
  /** client: empty request; server: the online names joined by `, `. */
  List: 3,
  /** client: `target text`; server: `[X] (private) text` to the target. */
  Direct: 4,
  /** server: an error, to the sender of the bad command only. */
  Error: 5,
} as const;

/** The raw byte that answers JOIN (docs/gowing.md#frames; 3 is Switchboard's own). */
export const JoinStatus = {
  Accepted: 0,
  NameTaken: 1,
  InvalidName: 2,
  /** Decision: `--max-users` reached. The seed has no such case. */
  ServerFull: 3,
} as const;

/** Bytes before the payload: type and length. */
export const HEADER_BYTES = 3;
/** The most a u16 length can announce. */
export const MAX_PAYLOAD_BYTES = 0xffff;

export type GowingFrame =
  /** A whole frame of a known type (0-5), payload decoded as UTF-8 text. */
  | { readonly kind: "text"; readonly type: number; readonly text: string }
  /**
   * The header of a frame whose payload is not buffered: an unknown type (6-255), or a
   * payload over the frame limit. The `size` payload bytes follow as a body, which the
   * reader streams to the session and the session skips; the stream stays in sync.
   */
  | { readonly kind: "skipped"; readonly type: number; readonly size: number };
