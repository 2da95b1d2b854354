/** Connecting a raw test peer over TCP, or over TLS. */
import { connect, type Socket } from "node:net";
import { connect as connectTls, type ConnectionOptions } from "node:tls";

/** A TLS listener's port, and how to connect to it. */
export interface TlsPort {
  readonly port: number;
  readonly tls: ConnectionOptions;
  /**
   * Plaintext sent before the handshake (a PROXY protocol header), in a segment of its
   * own: the handshake starts 20 ms after it was written.
   */
  readonly before?: Buffer;
}

/** Where a peer connects: a plain TCP port, or a TLS one (each wire helper takes either). */
export type PeerPort = number | TlsPort;

/**
 * Connect to `host:port` and build the peer on the socket as soon as it is connected (so
 * it sees every byte): for a TLS port, on the TLS socket once the handshake is done.
 * Rejects if the connection (or the handshake) fails.
 */
export function connectPeer<P>(port: PeerPort, host: string, make: (socket: Socket) => P): Promise<P> {
  return new Promise((resolve, reject) => {
    if (typeof port === "number") {
      const s = connect(port, host, () => resolve(make(s)));
      s.once("error", reject);
      return;
    }
    const raw = connect(port.port, host, () => {
      const handshake = (): void => {
        const s = connectTls({ ...port.tls, socket: raw }, () => resolve(make(s)));
        s.once("error", reject);
      };
      if (port.before === undefined) handshake();
      else raw.write(port.before, () => setTimeout(handshake, 20));
    });
    raw.once("error", reject);
  });
}

/** A bare TCP connection: what arrives on it, and when it closes. */
export function bare(port: number): Promise<{ socket: Socket; received: () => number; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = connect(port, "127.0.0.1", () => resolve({ socket, received: () => received, closed }));
    socket.on("data", (d) => (received += d.length));
    socket.on("error", () => undefined);
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    socket.once("error", reject);
  });
}

/** `p`, or a rejection naming `what` if it has not settled within `ms`. */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
