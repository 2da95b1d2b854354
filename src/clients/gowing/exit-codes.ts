/** Exit codes of the gowing client (our choice: the seed names none). */
export const Exit = {
  /** `@exit`, end of input, or Ctrl+C. */
  Ok: 0,
  /** The connection could not be made, or the server closed it. */
  ConnectionLost: 1,
  /** The name was refused before connecting (blank, or with spaces), or input ended while a name was asked for. */
  NoName: 2,
  /** The server answered JOIN with status 3: it is full. */
  ServerFull: 3,
  /** The server sent something the protocol does not allow there. */
  ProtocolError: 4,
} as const;
