/**
 * The server end of TLS over an accepted TCP socket: node:tls does the protocol, this
 * only hands it the socket. What it returns is a net.Socket like any other (a TLSSocket),
 * which a Connection reads and writes as it would the plain one: codecs, sessions,
 * limits and deadlines do not know the difference. In particular a handshake that
 * stalls is a connection that has not logged in, closed at the login deadline, and one
 * that fails (a client that speaks no TLS) is a socket error that closes it.
 */
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";

/**
 * Start the server side of TLS on `socket` with `context`. `received` are bytes of the
 * handshake already read from it by an earlier stage (what followed a PROXY header).
 */
export function serveTls(socket: Socket, context: SecureContext, received?: Buffer): TLSSocket {
  if (received !== undefined && received.length > 0) {
    // Given back to the socket, paused so that nothing reads them out before the TLS
    // socket does: it takes what is buffered first, then reads on from the handle.
    socket.pause();
    socket.unshift(received);
  }
  // The TLS socket takes over the socket's handle and reports its errors; an error the
  // socket itself might still emit must not go unhandled.
  socket.on("error", ignore);
  return new TLSSocket(socket, { isServer: true, secureContext: context });
}

function ignore(): void {}
