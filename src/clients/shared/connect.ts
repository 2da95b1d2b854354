/** Opening the TCP connection, with a bound on how long that may take. */
import { connect, type Socket } from "node:net";

/** The OS may retry a silent host for minutes; a chat client should say so sooner. */
const CONNECT_TIMEOUT_MS = 10_000;

export function connectTo(host: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.setNoDelay(true); // chat lines are small and should not wait for Nagle
      resolve(socket);
    });
  });
}

/**
 * What every TCP client prints on stderr (and then exits 1) when the server closes the
 * connection: one wording for all of them (issue 15 point 6).
 */
export const SERVER_CLOSED = "error: the server closed the connection";

/** `ECONNREFUSED` and friends read better as their code than as Node's full message. */
export function describeConnectError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === "string") return e.code === "ENOTFOUND" ? "unknown host" : e.code;
  return e instanceof Error ? e.message : String(err);
}
