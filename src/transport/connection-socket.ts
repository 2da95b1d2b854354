/**
 * What a Connection (connection.ts) and its parts need of the byte stream under them, and
 * nothing more: a net.Socket is one as it is (TCP, and TLS later), and a WebSocket is made
 * into one by websocket-stream.ts. So every way in reaches the same codec, session,
 * limits, deadlines and metrics: a new transport is a new ConnectionSocket, not a new
 * Connection.
 *
 * The events are a socket's, with a socket's meaning: `data` (a chunk of the stream, in
 * order; chunk boundaries mean nothing), `drain` (what was buffered for writing has gone
 * out), `end` (the peer sent all it will), `error` (then `close` follows), `close` (gone,
 * exactly once). Listeners are called with the stream as `this`.
 */
export interface ConnectionSocket {
  /** The peer, when known (a Connection is usually told its origin instead). */
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** Bytes written and not yet taken by the kernel: the outbound queue's measure of a slow reader. */
  readonly writableLength: number;
  /** Below this many unsent bytes a write never waits for `drain`. */
  readonly writableHighWaterMark: number;
  readonly destroyed: boolean;
  /** Text is written as UTF-8 (a net.Socket's default; a WebSocket sends it as a binary message). */
  write(chunk: Uint8Array | string): void;
  /** Hold writes until uncork, to leave in one go. */
  cork(): void;
  uncork(): void;
  /** Stop (and restart) delivering `data`; what arrives meanwhile waits, nothing is lost. */
  pause(): void;
  resume(): void;
  /** Finish: what is written goes out first, then the stream ends. */
  end(): void;
  /** Close at once, dropping what is unsent. */
  destroy(): void;
  setNoDelay(noDelay: boolean): void;
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "drain" | "end", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "close", listener: (hadError: boolean) => void): unknown;
}
