/**
 * A stand-in server for checking a client: it listens where the client will connect,
 * and hands each accepted connection to the case as a StreamProbe, which the case then
 * answers byte by byte as the dialect's server would.
 */
import { createServer, type Server } from "node:net";
import { fail } from "../verdict.js";
import { Arrivals } from "../probe/arrivals.js";
import { DEFAULT_WAIT_MS, StreamProbe } from "../probe/stream-probe.js";
import type { WireView } from "../wire-view.js";

export class ScriptedServer {
  private readonly accepted: StreamProbe[] = [];
  private readonly all: StreamProbe[] = [];
  private readonly arrivals = new Arrivals();
  /** How long a wait lasts when a call gives no limit (the run's --time-scale applied); also its connections'. */
  waitMs = DEFAULT_WAIT_MS;

  private constructor(
    private readonly server: Server,
    readonly view: WireView,
  ) {
    server.on("connection", (socket) => {
      const probe = new StreamProbe(socket, view);
      probe.waitMs = this.waitMs;
      this.accepted.push(probe);
      this.all.push(probe);
      this.arrivals.notify();
    });
  }

  static listen(host: string, port: number, view: WireView): Promise<ScriptedServer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once("error", (err) => reject(new Error(`could not listen on ${host}:${port}: ${err.message}`)));
      server.listen({ host, port, exclusive: true }, () => resolve(new ScriptedServer(server, view)));
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  /** The next connection the client makes. */
  async accept(expected = "the client to connect", ms = this.waitMs): Promise<StreamProbe> {
    const deadline = Date.now() + ms;
    for (;;) {
      const probe = this.accepted.shift();
      if (probe) return probe;
      const left = deadline - Date.now();
      if (left <= 0) return fail({ sent: "(nothing)", expected, got: `no connection within ${ms} ms` });
      await this.arrivals.next(left);
    }
  }

  close(): Promise<void> {
    for (const p of this.all) p.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
