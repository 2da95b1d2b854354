/**
 * Exit codes of the bcs client. The seed fixes one rule: a non-OK reply to `register`
 * exits with that status code (1 name in use, 2 invalid name, ...; docs/bcs.md#status-codes). The
 * rest are our choice, kept apart from the status codes where they can be.
 */
export const Exit = {
  /** /quit, Ctrl+C, or end of input after every request was answered. */
  Ok: 0,
  /**
   * The connection could not be made, or it ended while the client still had work
   * (the server closed it, or a file being uploaded could not be read to its end).
   * Anything the user typed that was not yet answered may be lost, so this is a failure.
   */
  ConnectionLost: 1,
  /** A name that cannot even be framed (over 65535 bytes): the same code the server uses. */
  InvalidName: 2,
  /** The server sent bytes that do not decode, or a frame the protocol does not allow here. */
  ProtocolError: 4,
} as const;
