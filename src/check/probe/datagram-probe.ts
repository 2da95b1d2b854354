/**
 * One UDP socket on loopback, as a case drives it: to check a datagram server it sends
 * to the target; to stand in for a server (client checks) it is bound to the port the
 * client talks to and answers whoever sent last. Datagrams wait in order until a case
 * takes them; every wait has a limit.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { fail } from "../verdict.js";
import { showBytes, type WireView } from "../wire-view.js";
import { Arrivals } from "./arrivals.js";
import { DEFAULT_WAIT_MS, sleep } from "./stream-probe.js";

export interface Datagram {
  readonly bytes: Buffer;
  readonly from: { readonly address: string; readonly port: number };
}

export class DatagramProbe {
  private readonly inbox: Datagram[] = [];
  private readonly sent: Buffer[] = [];
  private readonly arrivals = new Arrivals();
  /** Where `send` goes: the target, or (standing in for a server) whoever sent last. */
  peer: { address: string; port: number } | undefined;
  /** How long a wait lasts when a call gives no limit (the run's --time-scale applied). */
  waitMs = DEFAULT_WAIT_MS;

  private constructor(
    readonly socket: Socket,
    readonly view: WireView,
  ) {
    socket.on("message", (bytes: Buffer, rinfo: RemoteInfo) => {
      this.inbox.push({ bytes, from: { address: rinfo.address, port: rinfo.port } });
      this.arrivals.notify();
    });
    socket.on("error", () => undefined);
  }

  /** Bound to `port` on `host` (0: any free port). */
  static bind(host: string, port: number, view: WireView): Promise<DatagramProbe> {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    return new Promise((resolve, reject) => {
      socket.once("error", (err) => reject(new Error(`could not bind udp ${host}:${port}: ${err.message}`)));
      socket.bind(port, host, () => resolve(new DatagramProbe(socket, view)));
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** One datagram to `to` (default: `peer`). */
  send(data: string | Uint8Array, to = this.peer): void {
    if (!to) throw new Error("DatagramProbe.send: nobody to send to yet");
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    this.sent.push(bytes);
    this.socket.send(bytes, to.port, to.address);
  }

  shownSent(): string {
    return this.sent.length === 0 ? "(nothing)" : this.sent.map((b) => showBytes(b, this.view)).join(" | ");
  }

  /** The next datagram, whatever it is; its sender becomes `peer`. */
  next(expected = "a datagram", ms = this.waitMs): Promise<Datagram> {
    return this.waitFor(expected, () => true, ms, false);
  }

  /**
   * The first datagram `match` accepts. With `skipOthers`, datagrams before it that it
   * does not accept are dropped (notices a case does not check); without, the next one
   * must match.
   */
  async waitFor(expected: string, match: (d: Datagram) => boolean, ms = this.waitMs, skipOthers = true): Promise<Datagram> {
    const deadline = Date.now() + ms;
    const skipped: Buffer[] = [];
    for (;;) {
      const d = this.inbox.shift();
      if (d) {
        if (match(d)) {
          this.peer = d.from;
          return d;
        }
        if (!skipOthers) fail({ sent: this.shownSent(), expected, got: showBytes(d.bytes, this.view) });
        skipped.push(d.bytes);
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const others = skipped.length ? `; only ${skipped.map((b) => showBytes(b, this.view)).join(" | ")}` : "";
        return fail({ sent: this.shownSent(), expected, got: `no such datagram within ${ms} ms${others}` });
      }
      await this.arrivals.next(left);
    }
  }

  /** Nothing arrives for `ms`. */
  async expectNothing(expected: string, ms = 300): Promise<void> {
    await sleep(ms);
    const d = this.inbox.shift();
    if (d) fail({ sent: this.shownSent(), expected, got: showBytes(d.bytes, this.view) });
  }

  drain(): void {
    this.inbox.length = 0;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
