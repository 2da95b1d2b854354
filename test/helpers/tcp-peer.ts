/** Connecting a raw test peer over TCP. */
import { connect, type Socket } from "node:net";

/**
 * Connect to `host:port` and build the peer on the socket as soon as it is connected (so
 * it sees every byte); rejects if the connection fails.
 */
export function connectPeer<P>(port: number, host: string, make: (socket: Socket) => P): Promise<P> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => resolve(make(s)));
    s.once("error", reject);
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
