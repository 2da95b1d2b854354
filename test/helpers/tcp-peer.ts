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
