/**
 * The first stage of every connection on a listener with the PROXY protocol on: the
 * socket's first bytes must be a header (v1 or v2, see proxy-protocol.ts), as with
 * haproxy's `accept-proxy` and nginx's `proxy_protocol`; otherwise anyone who reaches the
 * port could claim any address. Only once the header is read is the connection handed on
 * (to be admitted under the client's real address and get a session); a connection
 * without a valid header never reaches a session: it is closed without a reply.
 *
 * Bounds on connections that have not sent their header yet:
 * - time: the header must be complete within the login deadline, checked by the
 *   listener's one watchdog (no timer per connection);
 * - number: they are counted under the address they connect from (the proxy's, or an
 *   intruder's) in their own table, at most `maxPerAddress` at once (awaitingHeaderLimit
 *   says why that is not --max-connections-per-ip);
 * - memory: the reader keeps at most 107 bytes of a header.
 *
 * Failures are logged like refused connections: the first of a run, then every tenfold
 * (a run ends with the next good header), so a flood of bad connections cannot flood the
 * log. A connection closed before sending anything (a load balancer's TCP health check)
 * is no failure.
 */
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { ConnectionsPerAddress, isPowerOfTen } from "./address-limits.js";
import type { ConnectionRefusal, ConnectionRefusals } from "./connection-refusals.js";
import { ProxyHeaderReader, type ProxyHeaderError, type ProxySource } from "./proxy-protocol.js";

export interface ProxyStageOptions {
  /** For the log. */
  readonly dialect: string;
  readonly log: Logger;
  /** Where failures are counted (as refused connections, the listener's), if anywhere. */
  readonly refused?: ConnectionRefusals | undefined;
  /** Time from accept to a complete header. */
  readonly deadlineMs: number;
  /** Connections awaiting their header at once per connecting address; 0: no limit. */
  readonly maxPerAddress: number;
  /**
   * The header was read. `source` is the client (or the socket's peer, for a header that
   * names none); `rest` is what followed the header, the dialect's first bytes.
   */
  readonly onHeader: (socket: Socket, source: ProxySource, acceptedAt: number, rest: Buffer) => void;
}

/** Why a connection was closed in this stage, for the log and the metrics. */
type StageFailure = Exclude<ConnectionRefusal, "too_many_from_address">;

export class ProxyHeaderStage {
  private readonly awaiting = new Set<AwaitingHeader>();
  private readonly perAddress: ConnectionsPerAddress;
  /** Failures since the last good header. */
  private failedRun = 0;

  constructor(private readonly options: ProxyStageOptions) {
    this.perAddress = new ConnectionsPerAddress(options.maxPerAddress);
  }

  /** Connections still waiting for their header. */
  get count(): number {
    return this.awaiting.size;
  }

  /** Addresses with a connection waiting for its header. */
  get addresses(): number {
    return this.perAddress.addresses;
  }

  accept(socket: Socket, address: string): void {
    if (this.perAddress.admit(address) > 0) {
      const remote = `${address}:${socket.remotePort}`;
      socket.on("error", socketOnError);
      socket.destroy();
      this.failed(remote, "too_many_awaiting_header");
      return;
    }
    this.awaiting.add(new AwaitingHeader(this, socket, address, Date.now()));
  }

  checkDeadlines(now: number): void {
    for (const a of this.awaiting) {
      if (now - a.acceptedAt > this.options.deadlineMs) a.fail("proxy_header_timeout");
    }
  }

  /** Close every connection still waiting (the listener is closing). */
  close(): void {
    for (const a of this.awaiting) a.drop();
  }

  /** Called by AwaitingHeader once, when it leaves this stage for whatever reason. */
  settled(a: AwaitingHeader): void {
    this.awaiting.delete(a);
    this.perAddress.close(a.address);
  }

  headerRead(a: AwaitingHeader, source: ProxySource, rest: Buffer): void {
    this.failedRun = 0;
    this.options.onHeader(a.socket, source, a.acceptedAt, rest);
  }

  failed(remote: string, reason: StageFailure, error?: ProxyHeaderError): void {
    if (this.options.refused) this.options.refused[reason]++;
    const run = ++this.failedRun;
    if (!isPowerOfTen(run)) return;
    this.options.log.warn(
      { dialect: this.options.dialect, remote, reason, code: error?.code, detail: error?.message, failed: run },
      "connection closed: no valid PROXY protocol header",
    );
  }
}

/** One socket in the stage: its reader and its listeners, removed when it moves on. */
class AwaitingHeader {
  private readonly reader = new ProxyHeaderReader();
  private receivedAny = false;
  private done = false;
  /** Kept: a destroyed socket no longer knows its peer. */
  private readonly port: number;

  constructor(
    private readonly stage: ProxyHeaderStage,
    readonly socket: Socket,
    /** The address it connected from, under which it is counted while here. */
    readonly address: string,
    readonly acceptedAt: number,
  ) {
    this.port = socket.remotePort ?? 0;
    socket.on("data", this.socketOnData);
    socket.on("error", socketOnError);
    socket.on("close", this.socketOnClose);
  }

  fail(reason: StageFailure, error?: ProxyHeaderError): void {
    if (!this.leave()) return;
    this.socket.destroy();
    this.stage.failed(`${this.address}:${this.port}`, reason, error);
  }

  /** Close without counting a failure (the listener is closing). */
  drop(): void {
    if (this.leave()) this.socket.destroy();
  }

  private readonly socketOnData = (chunk: Buffer): void => {
    if (this.done) return;
    this.receivedAny = true;
    const r = this.reader.push(chunk);
    if (r.kind === "need") return;
    if (r.kind === "error") return this.fail("bad_proxy_header", r.error);
    this.leave();
    // The next owner of the socket attaches its own listeners (an error one first).
    this.socket.off("data", this.socketOnData);
    this.socket.off("close", this.socketOnClose);
    this.socket.off("error", socketOnError);
    const source = r.header.source ?? { address: this.address, port: this.port };
    this.stage.headerRead(this, source, r.rest);
  };

  private readonly socketOnClose = (): void => {
    if (this.receivedAny) this.fail("proxy_header_incomplete");
    else this.leave(); // a bare connect and close: a health check, not a failure
  };

  /** Leave the stage once; false if already left. */
  private leave(): boolean {
    if (this.done) return false;
    this.done = true;
    this.stage.settled(this);
    return true;
  }
}

/** Errors are the close's business (ECONNRESET and the like); this only keeps them from throwing. */
function socketOnError(): void {}

/**
 * Connections a connecting address may have awaiting their header at once, on one
 * listener. Not --max-connections-per-ip itself: every client of a load balancer
 * connects from its address, and a burst of them is accepted in one go before any header
 * is read (3,000 connects at once through one "proxy" peaked at 717 awaiting on a 2-core
 * machine, and a limit of 64 refused 872 of 1,000), while the header normally follows at
 * once. 1024 covers Node's listen backlog (511) twice and still bounds what an intruder
 * who reaches the port directly can hold open without a header.
 */
export const AWAITING_HEADER_PER_ADDRESS = 1024;

/** The bound for a given --max-connections-per-ip: none when that is off (0), and never below it. */
export function awaitingHeaderLimit(maxConnectionsPerAddress: number): number {
  return maxConnectionsPerAddress <= 0 ? 0 : Math.max(maxConnectionsPerAddress, AWAITING_HEADER_PER_ADDRESS);
}
