/**
 * A listener that could not bind its address (in use, not permitted, not on this host):
 * the operator's mistake, not the program's, so the commands answer it in one line that
 * names the listener and the flag to change (src/cli/listen-failure.ts), not with a
 * stack trace.
 */
import type { Endpoint } from "./context.js";

export class ListenFailure extends Error {
  constructor(
    /** The listener's name: a dialect, or `http`. */
    readonly listener: string,
    readonly at: Endpoint,
    /** The system's error code: EADDRINUSE, EACCES, EADDRNOTAVAIL, ... */
    readonly code: string | undefined,
    cause: Error,
  ) {
    super(`cannot listen on ${at.host}:${at.port} for ${listener}: ${cause.message}`, { cause });
  }
}

/** `err` as a ListenFailure when it is a failed listen (TCP) or bind (UDP); otherwise itself. */
export function asListenFailure(err: unknown, listener: string, at: Endpoint): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || (e.syscall !== "listen" && e.syscall !== "bind")) return err;
  return new ListenFailure(listener, at, e.code, err);
}
