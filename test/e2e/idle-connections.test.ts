/**
 * 10,000 idle logged-in connections (issue 8): lab, cs262, gowing and bcs over TCP plus
 * udp registrations, held by a spawned server. Measures the server's RSS per connection
 * ((RSS after - RSS before) / N, from /proc/<pid>/status) and checks that the server
 * stays responsive while they are held: a fresh login and a message round trip each
 * take under 50 ms. The server and the load run under a raised open-file limit
 * (`ulimit -n`), the load in a child process so this process needs none.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, REPO_ROOT, serveOnly, tempDir } from "../helpers/server.js";

const dataDir = tempDir("sb-idle-");
after(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * Joins are announced to gowing and bcs users (docs/wire.md#rendering-across-dialects), so those log in last and
 * bcs after gowing: each bcs user then acknowledges only the joins of later bcs users,
 * fewer than its --queue-frames. Every login writes a notice to each gowing and bcs user
 * (a fan-out of their number), so they are the smaller share here.
 */
const COUNTS: [string, number][] = [
  ["lab", 4500],
  ["cs262", 4500],
  ["udp", 200],
  ["gowing", 600],
  ["bcs", 400],
];
const TCP_CONNECTIONS = COUNTS.filter(([d]) => d !== "udp").reduce((n, [, c]) => n + c, 0);
const ALL = COUNTS.reduce((n, [, c]) => n + c, 0);

/** `node <args>` with the soft open-file limit raised to the hard one (at least 65536 where allowed). */
function spawnWithFiles(args: string[]): ChildProcess {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec '${process.execPath}' ${quoted}`;
  return spawn("bash", ["-c", script], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
}

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

function lines(child: ChildProcess): { next(ms: number): Promise<string> } {
  const queue: string[] = [];
  let waiter: ((l: string) => void) | undefined;
  createInterface({ input: child.stdout! }).on("line", (l) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(l);
    } else queue.push(l);
  });
  return {
    next: (ms) =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no line within ${ms} ms`)), ms);
            waiter = (l) => {
              clearTimeout(t);
              resolve(l);
            };
          }),
  };
}

describe("10,000 idle connections", () => {
  it("are held with a measured RSS per connection while a login and a round trip stay under 50 ms", { timeout: 120_000 }, async () => {
    const server = spawnWithFiles([
      CLI("switchboard"),
      ...serveOnly({ lab: "0", cs262: "0", gowing: "0", bcs: "0", udp: "0" }),
      ...["--host", "127.0.0.1", "--data-dir", dataDir, "--bcs-log", "off", "--gowing-log-dir", "off"],
      // Every connection comes from 127.0.0.1: the per-address limits are not under test.
      ...["--max-connections-per-ip", "0", "--login-failures", "0"],
    ]);
    let serverErr = "";
    server.stderr!.on("data", (d) => (serverErr += d));
    let load: ChildProcess | undefined;
    try {
      const out = lines(server);
      const ports: Record<string, number> = {};
      for (;;) {
        const l = await out.next(20_000);
        const m = /^listening (\S+) (tcp|udp) \S+:(\d+)$/.exec(l);
        if (m) ports[m[1]!] = Number(m[3]);
        if (l === "ready") break;
      }
      // The server's own pid: bash exec'd node, so it is the child's.
      const pid = server.pid!;
      await new Promise((r) => setTimeout(r, 300));
      const rssBefore = rssBytes(pid);

      load = spawnWithFiles([join(REPO_ROOT, "dist/test/helpers/idle-load.js"), JSON.stringify({ ports, counts: COUNTS })]);
      let loadErr = "";
      load.stderr!.on("data", (d) => (loadErr += d));
      const loadOut = lines(load);
      const done = JSON.parse(await loadOut.next(90_000)) as { done?: boolean; error?: string; open: number; ms: number; perDialect: Record<string, number> };
      assert.ok(done.done, `the load failed: ${done.error} ${loadErr} ${serverErr.slice(-2000)}`);
      assert.equal(done.open, ALL);
      await new Promise((r) => setTimeout(r, 1000)); // join notices drained
      const rssAfter = rssBytes(pid);

      // Responsiveness while they are held: a fresh login and a message round trip (5 tries, median).
      const logins: number[] = [];
      const trips: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const peer = await RawLab.login(ports.lab!, `fresh${i}`);
        logins.push(performance.now() - t0);
        const t1 = performance.now();
        peer.write(`SEND fresh${i} ping\n`);
        const got = [await peer.next(5000), await peer.next(5000)].sort();
        trips.push(performance.now() - t1);
        assert.deepEqual(got, ["DELIVERY fresh" + i + " ping", "SEND-OK"]);
        peer.close();
      }
      load.stdin!.write("status\n");
      const status = JSON.parse(await loadOut.next(10_000)) as { open: number };
      assert.equal(status.open, ALL, "every idle connection is still open");

      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const perConn = (rssAfter - rssBefore) / ALL;
      console.log(
        `idle: ${ALL} connections (${TCP_CONNECTIONS} tcp, ${ALL - TCP_CONNECTIONS} udp) logged in in ${(done.ms / 1000).toFixed(1)} s ` +
          `(${Object.entries(done.perDialect).map(([d, ms]) => `${d} ${(ms / 1000).toFixed(1)} s`).join(", ")}); ` +
          `RSS ${(rssBefore / 2 ** 20).toFixed(1)} -> ${(rssAfter / 2 ** 20).toFixed(1)} MiB = ${(perConn / 1024).toFixed(1)} KiB per connection; ` +
          `fresh login ${logins.map((x) => x.toFixed(1)).join("/")} ms, round trip ${trips.map((x) => x.toFixed(1)).join("/")} ms`,
      );
      assert.ok(median(logins) < 50, `login median ${median(logins).toFixed(1)} ms`);
      assert.ok(median(trips) < 50, `round trip median ${median(trips).toFixed(1)} ms`);
    } finally {
      load?.kill("SIGKILL");
      // Killed rather than stopped: a graceful shutdown of 10,000 connections is not under test.
      server.kill("SIGKILL");
      await new Promise((r) => (server.exitCode !== null || server.signalCode !== null ? r(undefined) : server.once("exit", r)));
    }
  });
});
