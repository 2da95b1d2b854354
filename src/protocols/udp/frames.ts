/**
 * CHAT UDP frames (seed 004, docs/udp.md#datagrams). One datagram is one frame:
 * `opcode:u8 | length:u16 | data[length]`. The opcodes are the RFC's numbers read as
 * decimal (REGISTER is 11 = 0x0b). Stable: these are wire values, do not renumber.
 */
export const Op = {
  /** server -> client: the request succeeded (RFC 0.1); no data. */
  Ok: 0,
  /** server -> client: the request failed (RFC 0.2); data is the reason. */
  Error: 1,
  /** client -> server: `name` (RFC 1.1). */
  Register: 11,
  /** client -> server: no data (RFC 2.1). */
  Logout: 12,
  /** client -> server: a message to everyone (RFC 4.1). */
  Public: 20,
  /** server -> client: `sender\0text` (RFC 4.2), to everyone, the sender included. */
  PublicMessage: 21,
  /** client -> server: `receiver\0text` (RFC 5.1). */
  Private: 22,
  /** server -> client: `sender\0text` (RFC 5.2). */
  PrivateMessage: 23,
  /** client -> server: no data (RFC 3.1). */
  Info: 40,
  /** server -> client: `<ISO-8601 UTC date> switchboard/<version>` (RFC 3.2). */
  InfoReply: 41,
  /** client -> server: no data (RFC 3.3). */
  List: 42,
  /** server -> client: names joined by NUL (RFC 3.4; docs/udp.md#the-user-list-43 for lists over several datagrams). */
  UserList: 43,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

export type UdpFrame =
  | { readonly op: typeof Op.Ok }
  | { readonly op: typeof Op.Error; readonly message: string }
  | { readonly op: typeof Op.Register; readonly name: string }
  | { readonly op: typeof Op.Logout }
  | { readonly op: typeof Op.Public; readonly text: string }
  | { readonly op: typeof Op.PublicMessage; readonly from: string; readonly text: string }
  | { readonly op: typeof Op.Private; readonly to: string; readonly text: string }
  | { readonly op: typeof Op.PrivateMessage; readonly from: string; readonly text: string }
  | { readonly op: typeof Op.Info }
  | { readonly op: typeof Op.InfoReply; readonly info: string }
  | { readonly op: typeof Op.List }
  /**
   * One datagram of a list. `more`: it ended with a NUL, so another datagram of the same
   * list follows (docs/udp.md#the-user-list-43); a list in one datagram has no trailing NUL.
   */
  | { readonly op: typeof Op.UserList; readonly names: readonly string[]; readonly more: boolean };

/** Every datagram the server sends fits in this many bytes, header included (docs/udp.md#what-other-dialects-events-become). */
export const MAX_SERVER_DATAGRAM = 1200;

/** The header: opcode and length. */
export const HEADER_BYTES = 3;
