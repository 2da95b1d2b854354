/**
 * A hub answer that is still to come (a networked port, a login waiting for its
 * address's allowance), for a stream session: the connection reads nothing more until
 * it comes, so the client's later requests are answered after this one.
 */
import type { Conn } from "../transport/session.js";

/**
 * Pause `conn`'s input until `pending` settles, then call `answered` with its value
 * inside the session boundary and read on. `answered` must not start another wait.
 * For answers that do not fail (a join): a rejection is thrown inside the boundary
 * too, which closes the connection as session_error, logged.
 */
export function afterPending<T>(conn: Conn, pending: Promise<T>, answered: (value: T) => void): void {
  conn.pauseInput();
  pending.then(
    conn.guarded((value: T) => {
      answered(value);
      conn.resumeInput();
    }),
    conn.guarded((err: unknown) => {
      throw err;
    }),
  );
}
