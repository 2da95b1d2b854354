/**
 * The HTTP admin port (docs/http.md): GET or HEAD only.
 * - `/healthz`: the process is up and serving (200 while this server answers at all);
 * - `/readyz`: 200 when every listener accepts connections and the store is open, else
 *   503 naming what is not; asked live on every request, never cached;
 * - `/metrics`: Prometheus text exposition (src/metrics);
 * - `/`: the status page, and `/status.json`, what it polls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Hub } from "../core/hub.js";
import type { Logger } from "../log/ops-log.js";
import { SwitchboardMetrics } from "../metrics/switchboard-metrics.js";
import type { ListenerProbe, ReadinessCheck } from "./probes.js";
import { RateHistory } from "./rate-history.js";
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from "./status-page.js";
import { statusSnapshot, totals, type StatusSources } from "./status.js";

export interface AdminSources extends StatusSources {
  readonly hub: Hub;
  readonly probes: readonly ListenerProbe[];
  /** Further parts /readyz waits for (the store). */
  readonly readiness: readonly ReadinessCheck[];
  readonly log: Logger;
}

const TEXT = "text/plain; charset=utf-8";

/** The parts that are not ready now, by name; empty when all are. */
export function notReady(checks: Iterable<ReadinessCheck>): string[] {
  const names: string[] = [];
  for (const c of checks) if (!c.ready()) names.push(c.name);
  return names;
}

export class HttpAdmin {
  private readonly server: Server;
  private readonly metrics: SwitchboardMetrics;
  private readonly rates: RateHistory;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly sources: AdminSources,
  ) {
    this.metrics = new SwitchboardMetrics({ stats: sources.hub.stats, probes: sources.probes, startedAt: sources.startedAt, version: sources.version, cluster: sources.cluster });
    this.rates = new RateHistory(() => totals(sources.hub.stats));
    this.server = createServer((req, res) => this.handle(req, res));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off("error", reject);
        // After a successful listen an error (e.g. EMFILE on accept) is logged, never thrown.
        this.server.on("error", (err) => this.sources.log.error({ err }, "http admin error"));
        this.rates.start();
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    this.rates.stop();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": TEXT, allow: "GET, HEAD" }).end("method not allowed: use GET or HEAD\n");
      return;
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    switch (q < 0 ? url : url.slice(0, q)) {
      case "/healthz":
        return this.text(res, 200, "ok\n");
      case "/readyz":
        return this.readyz(res);
      case "/metrics":
        return void this.scrape(res);
      case "/":
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": STATUS_PAGE_CSP,
          "x-content-type-options": "nosniff",
          "cache-control": "no-store",
        });
        res.end(STATUS_PAGE_HTML);
        return;
      case "/status.json":
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
        res.end(JSON.stringify(statusSnapshot(this.sources, this.rates.series())));
        return;
      default:
        return this.text(res, 404, "not found\n");
    }
  }

  private readyz(res: ServerResponse): void {
    const down = notReady([...this.sources.probes, ...this.sources.readiness]);
    if (down.length === 0) this.text(res, 200, "ready\n");
    else this.text(res, 503, `not ready: ${down.join(", ")}\n`);
  }

  private async scrape(res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await this.metrics.exposition();
    } catch (err) {
      this.sources.log.error({ err }, "collecting metrics failed");
      return this.text(res, 500, "collecting metrics failed\n");
    }
    res.writeHead(200, { "content-type": this.metrics.contentType, "cache-control": "no-store" }).end(body);
  }

  private text(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { "content-type": TEXT, "cache-control": "no-store" }).end(body);
  }
}
