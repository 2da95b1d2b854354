/** The admin port's routing: what each path answers, and to which methods. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { httpGet } from "../helpers/metrics.js";
import { RawUdp } from "../helpers/udp-wire.js";
import { ANY_PORT, startHub, withOwnServer } from "../helpers/server.js";
import { VERSION } from "../../src/version.js";

const server = () => startHub({ lab: { ...ANY_PORT, bots: ["echobot"] }, udp: { ...ANY_PORT, listIntervalMs: 60_000 }, http: ANY_PORT });

describe("the HTTP admin port", () => {
  it(
    "answers /healthz, /readyz and /metrics with 200, and an unknown path with 404",
    { timeout: 20_000 },
    withOwnServer(server, async (hub) => {
      const http = hub.ports["http"]!;
      assert.deepEqual(await pick(httpGet(http, "/healthz")), [200, "ok\n"]);
      assert.deepEqual(await pick(httpGet(http, "/readyz?verbose=1")), [200, "ready\n"], "a query string is ignored");
      const metrics = await httpGet(http, "/metrics");
      assert.equal(metrics.status, 200);
      assert.match(String(metrics.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
      assert.deepEqual(await pick(httpGet(http, "/nope")), [404, "not found\n"]);
      assert.deepEqual(await pick(httpGet(http, "/healthz/")), [404, "not found\n"]);
    }),
  );

  it(
    "takes only GET and HEAD: other methods get 405 with Allow, HEAD gets no body",
    { timeout: 20_000 },
    withOwnServer(server, async (hub) => {
      const http = hub.ports["http"]!;
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const res = await httpGet(http, "/healthz", method);
        assert.equal(res.status, 405, method);
        assert.equal(res.headers["allow"], "GET, HEAD");
      }
      const head = await httpGet(http, "/metrics", "HEAD");
      assert.deepEqual([head.status, head.body], [200, ""]);
    }),
  );

  it(
    "serves the status page self-contained, with a policy that lets nothing else run or load",
    { timeout: 20_000 },
    withOwnServer(server, async (hub) => {
      const page = await httpGet(hub.ports["http"]!, "/");
      assert.equal(page.status, 200);
      assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
      const csp = String(page.headers["content-security-policy"]);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'/);
      assert.doesNotMatch(page.body, /\b(src|href)="(https?:)?\/\//, "no external asset");
      assert.doesNotMatch(page.body, /innerHTML/, "names are never parsed as HTML");
    }),
  );

  it(
    "gives the status page its data: version, uptime, who is online by dialect, and the message rates",
    { timeout: 20_000 },
    withOwnServer(server, async (hub) => {
      const http = hub.ports["http"]!;
      const alice = await RawLab.login(hub.ports["lab"]!, "alice");
      const carol = await RawUdp.registered(hub.ports["udp"]!, "carol");
      alice.write("SEND echobot one\n");
      assert.equal(await alice.next(), "SEND-OK");
      assert.equal(await alice.next(), "DELIVERY echobot one");
      const res = await httpGet(http, "/status.json");
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
      const s = JSON.parse(res.body) as {
        version: string;
        uptimeSeconds: number;
        online: { dialect: string; count: number; names: string[] }[];
        listeners: { name: string; ready: boolean }[];
        rates: { stepSeconds: number; window: number; in: number[]; out: number[] };
        totals: { in: number; out: number };
      };
      assert.equal(s.version, VERSION);
      assert.ok(s.uptimeSeconds >= 0 && s.uptimeSeconds < 60);
      assert.deepEqual(s.online, [
        { dialect: "bot", count: 1, names: ["echobot"] },
        { dialect: "lab", count: 1, names: ["alice"] },
        { dialect: "udp", count: 1, names: ["carol"] },
      ]);
      assert.deepEqual(
        s.listeners.map((l) => [l.name, l.ready]),
        [
          ["lab", true],
          ["udp", true],
        ],
      );
      assert.deepEqual(s.totals, { in: 2, out: 2 }, "alice to echobot, and its echo back");
      assert.equal(s.rates.stepSeconds, 1);
      assert.equal(s.rates.window, 300);
      assert.ok(s.rates.in.length <= 300 && s.rates.in.length === s.rates.out.length);
      alice.close();
      carol.close();
    }),
  );
});

async function pick(answer: Promise<{ status: number; body: string }>): Promise<[number, string]> {
  const a = await answer;
  return [a.status, a.body];
}
