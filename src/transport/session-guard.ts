/**
 * The session boundary (README "Floods and abuse", Isolation): everything the transport
 * calls in dialect code (a frame, resumed input, a deadline check, a flush waiter, a
 * callback the session wrapped with `wrap`) runs inside it, so a throw ends that one
 * client's session with a logged reason and never reaches the process or another client.
 *
 * One guard per listener, shared by all its clients: what it needs of a client (where it
 * is, who it is, how to end it) is asked of the client when something throws, so no
 * closure or object is made per connection or per call.
 */
import type { Logger } from "pino";

/** A client as the guard sees it. */
export interface Guarded {
  /** `address:port` for the log line. */
  readonly remote: string;
  /** The user logged in, if any, for the log line. */
  readonly guardedUser: string | undefined;
  /** The client's session threw: end it (and only it). Must not throw. */
  sessionFailed(): void;
}

export class SessionGuard {
  constructor(
    private readonly log: Logger,
    private readonly dialect: string,
    /** The log line's message, e.g. "session failed; closing it". */
    private readonly message: string,
  ) {}

  /** `work()` inside the boundary of `client`. */
  run(client: Guarded, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.failed(client, err);
    }
  }

  /** `callback` wrapped in the boundary of `client`, for calls from outside the transport (promises, streams, timers). */
  wrap<A extends unknown[]>(client: Guarded, callback: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        callback(...args);
      } catch (err) {
        this.failed(client, err);
      }
    };
  }

  /**
   * What `client`'s session threw: logged, then the session is ended. For a hot path
   * that catches by itself rather than pay for a closure per call (a socket's data).
   */
  failed(client: Guarded, err: unknown): void {
    this.log.error({ err, dialect: this.dialect, remote: client.remote, user: client.guardedUser, reason: "session_error" }, this.message);
    client.sessionFailed();
  }
}
