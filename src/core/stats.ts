/**
 * What the server counts, as plain integers: the hub, the transport and the dialects
 * increment fields here on their own paths (one field increment, no allocation, no
 * metrics library), and src/metrics reads them when /metrics or the status page asks.
 *
 * Counted by dialect: the `dialect` string of the member or listener, so the hub stays
 * wire-agnostic. A process has one ChatStats, owned by its hub and shared by every
 * listener; tests that run several servers in one process each get their own.
 */
import type { DisconnectReason } from "./errors.js";

/** Every DisconnectReason at 0: the type makes a reason added later show up here (a stable shape). */
const NO_DISCONNECTS: Readonly<Record<DisconnectReason, number>> = {
  client_closed: 0,
  client_left: 0,
  protocol_error: 0,
  login_timeout: 0,
  stalled_frame: 0,
  ack_timeout: 0,
  idle_timeout: 0,
  slow_consumer: 0,
  rejected: 0,
  server_shutdown: 0,
  name_lost: 0,
  socket_error: 0,
  session_error: 0,
};

/** A limit whose hits are counted: each refused or held back something of a client's. */
export type RateLimit =
  /** A message (or frame, datagram) over --msg-rate/--msg-burst; udp: its own rate. */
  | "msg_rate"
  /** A login attempt from an address over --login-failures. */
  | "login_failures"
  /** A bcs upload over --upload-bytes-per-hour or --uploads-per-minute. */
  | "upload_quota";

export class DialectStats {
  /** Successful logins (joins). */
  logins = 0;
  /** Members of this dialect online now. */
  online = 0;
  /** Lobby messages accepted from members of this dialect. */
  lobbyIn = 0;
  /** Direct messages accepted from members of this dialect (to an online user, or queued for an account). */
  directIn = 0;
  /** Chat messages (lobby and direct) handed to members of this dialect. */
  deliveries = 0;
  /** Hits of each rate limit: messages, logins or uploads refused or held back. */
  readonly rateLimited: Record<RateLimit, number> = { msg_rate: 0, login_failures: 0, upload_quota: 0 };
  /** Connections (TCP) or registrations (udp) ended, by why. */
  readonly disconnects: Record<DisconnectReason, number> = { ...NO_DISCONNECTS };
  /** Error answers sent, by code (see `answerCodes`); a fixed small set per dialect. */
  readonly errors = new Map<string, number>();

  constructor(readonly dialect: string) {}

  errorAnswered(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}

export class ChatStats {
  private readonly byName = new Map<string, DialectStats>();
  /** Every dialect seen so far, in the order first seen. */
  readonly dialects: DialectStats[] = [];
  /** Files stored (bcs uploads completed) and their bytes. */
  filesStored = 0;
  fileBytesStored = 0;

  /** The counters of `dialect`, made on first use. */
  dialect(name: string): DialectStats {
    let d = this.byName.get(name);
    if (d === undefined) {
      d = new DialectStats(name);
      this.byName.set(name, d);
      this.dialects.push(d);
    }
    return d;
  }

  joined(dialect: string): void {
    const d = this.dialect(dialect);
    d.logins++;
    d.online++;
  }

  left(dialect: string): void {
    this.dialect(dialect).online--;
  }

  /**
   * A lobby message from a member of `fromDialect` goes to every other member online:
   * each dialect's deliveries grow by its members online (the sender's by one fewer).
   * Called before the fan-out; a member that then fails to take it is taken off with
   * `notDelivered`. O(dialects), not O(recipients).
   */
  lobbySent(fromDialect: string): void {
    const from = this.dialect(fromDialect);
    from.lobbyIn++;
    for (const d of this.dialects) d.deliveries += d.online;
    from.deliveries--;
  }

  notDelivered(dialect: string): void {
    this.dialect(dialect).deliveries--;
  }

  /** A direct message accepted from `fromDialect`; `toDialect` when it was delivered now (not queued). */
  directSent(fromDialect: string, toDialect: string | undefined): void {
    this.dialect(fromDialect).directIn++;
    if (toDialect !== undefined) this.dialect(toDialect).deliveries++;
  }

  fileStored(bytes: number): void {
    this.filesStored++;
    this.fileBytesStored += bytes;
  }
}

/**
 * A dialect's error answers by code: the key, in snake_case, under which the answer
 * stands in that dialect's wire-errors tables (`rateLimited` -> `rate_limited`; the
 * hub's own codes are snake_case already). Answers are matched by value (the very
 * object, or the string), the first table naming a value winning; an answer in no table
 * (a codec's message, made on the spot) gets `otherwise(answer)`.
 */
export function answerCodes<A>(tables: readonly Readonly<Record<string, A>>[], otherwise: (answer: A) => string): (answer: A) => string {
  const codes = new Map<A, string>();
  for (const table of tables) {
    for (const [key, answer] of Object.entries(table)) {
      if (!codes.has(answer)) codes.set(answer, key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()));
    }
  }
  return (answer) => codes.get(answer) ?? otherwise(answer);
}
