/**
 * Logs on stdout or stderr, which can go away under a running server: its terminal
 * closed (writes fail with EIO, and the server takes the hangup's SIGHUP as a reload and
 * lives on) or its pipe's reader gone (EPIPE). Writing then stops, quietly: the chat goes
 * on without the log.
 *
 * sonic-boom 5, not `pino.destination` (sonic-boom 4 inside pino): on such an error the
 * latter retries the write every 100 ms for ever when flushed synchronously, and pino
 * flushes it so at exit, so that a server whose terminal had gone could not be stopped
 * by SIGTERM; and its write error, unhandled, was an uncaught exception. sonic-boom 5
 * throws instead, and nothing flushes this writer at exit but its owner.
 */
import sonicBoom from "sonic-boom";
import type { LineWriter } from "./log-file.js";

/** The package is CommonJS: its module.exports is the class, which ESM sees as the default. */
const SonicBoom = sonicBoom as unknown as typeof import("sonic-boom").SonicBoom;

export function standardStream(fd: 1 | 2): LineWriter {
  const out = new SonicBoom({ fd, sync: false });
  out.on("error", function standardStreamOnError() {
    const nothing = (): void => undefined;
    // Nothing is pending any more: flushWriter (log-file.ts) reads `_len` to know.
    Object.assign(out, { write: () => true, flush: nothing, flushSync: nothing, end: nothing, _len: 0 });
  });
  return out as unknown as LineWriter;
}
