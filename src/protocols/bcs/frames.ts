/** bcs frames (seed 000). Numbers are the wire's type bytes: stable, do not reorder. */
export const FrameType = {
  Register: 1,
  Send: 2,
  Deliver: 3,
  Status: 4,
  SendFile: 5,
  FNotify: 6,
  GetFile: 7,
  RecvFile: 8,
} as const;

/** Status codes of docs/bcs.md#status-codes. */
export const Status = {
  Ok: 0,
  NameInUse: 1,
  InvalidName: 2,
  ServerFull: 3,
  ProtocolError: 4,
  BadMessage: 5,
  FileError: 6,
  RateLimited: 7,
} as const;

export type BcsFrame =
  | { readonly type: typeof FrameType.Register; readonly username: string }
  | { readonly type: typeof FrameType.Send; readonly message: string }
  | { readonly type: typeof FrameType.Deliver; readonly from: string; readonly message: string }
  | { readonly type: typeof FrameType.Status; readonly code: number; readonly message: string }
  /** Followed by a body of `size` bytes: the file. */
  | { readonly type: typeof FrameType.SendFile; readonly filename: string; readonly size: number }
  | { readonly type: typeof FrameType.FNotify; readonly user: string; readonly file: string }
  | { readonly type: typeof FrameType.GetFile; readonly filename: string }
  /** Followed by a body of `size` bytes: the file. */
  | { readonly type: typeof FrameType.RecvFile; readonly size: number }
  /**
   * A register, send or getfile whose one string is longer than the frame limit. Not on
   * the wire as such: the codec reports it so the session can answer, and the string
   * follows as a body that the session discards, never buffered.
   */
  | { readonly type: "oversize"; readonly of: number; readonly size: number };
