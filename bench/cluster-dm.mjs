#!/usr/bin/env node
/**
 * Cross-node direct messages through the cluster's router (docs/cluster.md#routing):
 * one nats-server and two node processes, each a Hub over a ClusterRouter. Node B has
 * `--senders` members that take every event (no sockets); node A has as many senders,
 * each sending a DM to its partner on B and waiting for the hub's answer before the next
 * (as a lab client waits for SEND-OK). Reports the answered rate and the latency of
 * hub.direct on A (send to answer, through B's delivery), measured after a warm-up.
 *
 *   npx tsc -p tsconfig.json && node bench/cluster-dm.mjs [--senders 256] [--warmup 2] [--measure 10] [--body 64]
 *
 * Uses the in-test registry (test/cluster/router-test-names.ts), so it measures the
 * router and the hub, not the names bucket.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = new URL("../dist/", import.meta.url);
const { values } = parseArgs({
  options: {
    senders: { type: "string", default: "256" },
    warmup: { type: "string", default: "2" },
    measure: { type: "string", default: "10" },
    body: { type: "string", default: "64" },
    role: { type: "string" },
    url: { type: "string" },
    namespace: { type: "string", default: "bench" },
  },
});
const senders = Number(values.senders);

async function node(role, url) {
  const { connect } = await import("@nats-io/transport-node");
  const { ClusterRouter } = await import(new URL("src/cluster/cluster-router.js", ROOT).href);
  const { clusterKeys } = await import(new URL("src/cluster/keys.js", ROOT).href);
  const { Hub } = await import(new URL("src/core/hub.js", ROOT).href);
  const { TestClusterNames } = await import(new URL("test/cluster/router-test-names.js", ROOT).href);
  const nc = await connect({ servers: url, name: `bench-${role}` });
  const names = new TestClusterNames(role);
  const router = new ClusterRouter(nc, clusterKeys(values.namespace), names);
  const hub = new Hub({ registry: names, router, limits: { maxMessageBytes: 65536 } });
  await router.start();
  let delivered = 0;
  const member = (name) => ({
    name,
    dialect: "bench",
    wantsPresence: false,
    deliver: (e) => {
      if (e.kind === "direct") delivered++;
      return true;
    },
    disconnect: () => undefined,
  });
  const members = Array.from({ length: senders }, (_, i) => member(`${role.toLowerCase()}${i}`));
  for (const m of members) if (hub.join(m, m.name) !== "ok") throw new Error(`${m.name} could not join`);
  process.send({ ready: true });

  if (role === "B") {
    process.on("message", async (msg) => {
      if (msg.stop) {
        process.send({ delivered });
        await router.close();
        await nc.close();
        process.exit(0);
      }
    });
    return;
  }

  // Node A: wait until B's members are in the replica (their join envelopes).
  while (names.size < 2 * senders) await new Promise((r) => setTimeout(r, 20));
  const text = "x".repeat(Number(values.body));
  const warmupEnd = performance.now() + Number(values.warmup) * 1000;
  const measureEnd = warmupEnd + Number(values.measure) * 1000;
  const latencies = [];
  let answered = 0;
  let failed = 0;
  const loop = async (i) => {
    const from = members[i];
    const to = `b${i}`;
    for (;;) {
      const start = performance.now();
      if (start >= measureEnd) return;
      let result;
      try {
        result = await hub.direct(from, to, text);
      } catch {
        result = "rejected";
      }
      const end = performance.now();
      if (start >= warmupEnd && end <= measureEnd) {
        if (result === "ok") {
          answered++;
          latencies.push(end - start);
        } else failed++;
      }
    }
  };
  const cpuBefore = process.cpuUsage();
  await Promise.all(members.map((_, i) => loop(i)));
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((x, y) => x - y);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const seconds = Number(values.measure);
  process.send({
    rate: answered / seconds,
    failed,
    p50: q(0.5),
    p99: q(0.99),
    max: latencies.at(-1),
    cpuA: (cpu.user + cpu.system) / 1e6 / (seconds + Number(values.warmup)),
  });
  await router.close();
  await nc.close();
  process.exit(0);
}

async function main() {
  const { startNatsServer } = await import(new URL("test/helpers/nats-server.js", ROOT).href);
  const server = await startNatsServer();
  const self = fileURLToPath(import.meta.url);
  const args = (role) => [...process.argv.slice(2), "--role", role, "--url", server.url];
  const spawnNode = (role) => {
    const child = fork(self, args(role), { stdio: "inherit" });
    const ready = new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`node ${role} exited (${code})`)));
    });
    return { child, ready };
  };
  const children = [];
  // Bounded: a run that hangs is stopped, and its nats-server removed.
  const limit = setTimeout(() => {
    console.error("cluster-dm: no result in time; stopping");
    for (const c of children) c.kill("SIGKILL");
    void server.dispose().then(() => process.exit(1));
  }, (Number(values.warmup) + Number(values.measure) + 60) * 1000);
  try {
    // A first: it learns B's members from their join envelopes.
    const a = spawnNode("A");
    children.push(a.child);
    await a.ready;
    const b = spawnNode("B");
    children.push(b.child);
    await b.ready;
    const result = await new Promise((resolve) => a.child.once("message", resolve));
    b.child.send({ stop: true });
    const bReport = await new Promise((resolve) => b.child.once("message", resolve));
    const fmt = (ms) => `${ms.toFixed(2)} ms`;
    console.log(
      `senders ${senders}, body ${values.body} B: ${Math.round(result.rate).toLocaleString("en")} DMs/s answered ok, ` +
        `p50 ${fmt(result.p50)}, p99 ${fmt(result.p99)}, max ${fmt(result.max)}, not ok ${result.failed}, ` +
        `node A CPU ${(result.cpuA * 100).toFixed(0)}%, B delivered ${bReport.delivered.toLocaleString("en")} in all`,
    );
  } finally {
    clearTimeout(limit);
    await server.dispose();
  }
}

if (values.role) await node(values.role, values.url);
else await main();
