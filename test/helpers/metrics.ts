/**
 * For tests of the HTTP admin port: a plain HTTP request, and a parser of the Prometheus
 * text exposition format (0.0.4) that reads every sample with its labels, so a test can
 * ask for one series and compare exact values.
 */
import { request } from "node:http";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request to 127.0.0.1:`port`; rejects after `ms`. */
export function httpGet(port: number, path: string, method = "GET", ms = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.setTimeout(ms, () => req.destroy(new Error(`${method} ${path}: no answer within ${ms} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class Exposition {
  /** Metric family name -> its `# TYPE`. */
  readonly types = new Map<string, string>();
  readonly samples: Sample[] = [];

  /**
   * The value of the one sample of `name` whose labels include `labels` (0 when there is
   * none: a counter not yet counted). Throws if several samples match.
   */
  value(name: string, labels: Record<string, string> = {}): number {
    const matching = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (matching.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} samples`);
    return matching[0]?.value ?? 0;
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parse the text exposition format; throws on a line it cannot read (which a test should see). */
export function parseExposition(text: string): Exposition {
  const e = new Exposition();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m) e.types.set(m[1]!, m[2]!);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`not a sample line: ${line}`);
    let at = name.length;
    const labels: Record<string, string> = {};
    if (line[at] === "{") {
      at++;
      while (line[at] !== "}") {
        const key = NAME.exec(line.slice(at))?.[0];
        if (key === undefined || line[at + key.length] !== "=" || line[at + key.length + 1] !== '"') throw new Error(`bad label in: ${line}`);
        at += key.length + 2;
        let value = "";
        for (;;) {
          const c = line[at++];
          if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
          if (c === '"') break;
          if (c === "\\") {
            const escaped = line[at++];
            value += escaped === "n" ? "\n" : escaped;
          } else value += c;
        }
        labels[key] = value;
        if (line[at] === ",") at++;
      }
      at++;
    }
    const [valueText = ""] = line.slice(at).trim().split(/\s+/);
    // As Prometheus reads it (Go's ParseFloat): NaN and Inf in any case (prom-client writes `Nan`).
    const special = valueText.toLowerCase();
    const value = special === "nan" ? NaN : special === "+inf" || special === "inf" ? Infinity : special === "-inf" ? -Infinity : Number(valueText);
    if (valueText === "" || (Number.isNaN(value) && special !== "nan")) throw new Error(`bad value in: ${line}`);
    e.samples.push({ name, labels, value });
  }
  return e;
}

/** GET /metrics and parse it; fails unless it is a 200 in the Prometheus text format. */
export async function scrape(port: number): Promise<Exposition> {
  const res = await httpGet(port, "/metrics");
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`);
  if (!String(res.headers["content-type"]).startsWith("text/plain; version=0.0.4")) throw new Error(`/metrics content-type ${String(res.headers["content-type"])}`);
  return parseExposition(res.body);
}

/** Scrape until `check` passes (the server handles what a peer sent on its own time); rejects after `ms`. */
export async function scrapeUntil(port: number, check: (e: Exposition) => boolean, ms = 5000): Promise<Exposition> {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = await scrape(port);
    if (check(e)) return e;
    if (Date.now() > deadline) throw new Error(`metrics did not reach the expected state within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
