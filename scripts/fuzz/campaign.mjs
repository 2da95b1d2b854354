#!/usr/bin/env node
// `npm run fuzz -- --minutes N`: a fuzz campaign against a real `switchboard serve`
// process with every dialect on a free loopback port and its data in a temp dir.
// Several clients per dialect send mutated valid traffic (bit flips, truncation,
// splicing, length-field corruption, random chunking, connection drops); one probe per
// dialect logs in and round-trips a message every few hundred ms. A probe that times
// out is a hang; the process exiting is a crash (its in-flight inputs are saved, and
// the server is restarted). Prints iterations per dialect, crashes and hangs, and exits
// non-zero on any. Loopback only; every connection and wait is bounded.
// The `ws-bcs` target is bcs over the web listener's /ws/bcs (websocket.mjs): upgrades,
// then hand-built WebSocket frames, malformed ones among them, carrying mutated bcs
// traffic; its probe is a bcs client over a WebSocket.
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createProbe } from "./probes.mjs";
import { chunk, mutate, rng, validSession } from "./traffic.mjs";
import { websocketSession } from "./websocket.mjs";

const { values: opts } = parseArgs({
  options: {
    minutes: { type: "string", default: "1" },
    seed: { type: "string" },
    clients: { type: "string", default: "3" },
    "probe-interval": { type: "string", default: "300" },
    "probe-timeout": { type: "string", default: "5000" },
    out: { type: "string" },
    // A directory: the server runs with --heapsnapshot-signal=SIGUSR2 and writes a heap
    // snapshot there after warm-up (30 s) and at the end, to tell a leak from stored data.
    "heap-snapshots": { type: "string" },
    // Seconds between RSS lines (the memory check reads them; 30 by default).
    "report-every": { type: "string", default: "30" },
  },
});
const minutes = Number(opts.minutes);
if (!(minutes > 0)) throw new Error("--minutes must be a positive number");
const seed = opts.seed === undefined ? Date.now() % 2 ** 31 : Number(opts.seed);
const clientsPerDialect = Math.max(1, Number(opts.clients));
const probeInterval = Number(opts["probe-interval"]);
const probeTimeout = Number(opts["probe-timeout"]);
const ROOT = new URL("../../", import.meta.url).pathname;
const DIALECTS = ["lab", "gowing", "bcs", "cs262", "udp"];
/** What is fuzzed: every dialect on its own port, and bcs over a WebSocket on the web port. */
const TARGETS = [...DIALECTS, "ws-bcs"];
/** The dialect a target's traffic is made of, and the listener it goes to. */
const dialectOf = (target) => (target === "ws-bcs" ? "bcs" : target);
const portOf = (s, target) => (target === "ws-bcs" ? s.ports.web : s.ports[target]);
const work = mkdtempSync(join(tmpdir(), "sb-fuzz-"));
const outDir = opts.out ?? join(work, "crashes");
const snapshotDir = opts["heap-snapshots"];
const reportEveryMs = Math.max(1, Number(opts["report-every"])) * 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = Object.fromEntries(TARGETS.map((d) => [d, { iterations: 0, bytes: 0, drops: 0, refused: 0, probes: 0, latencies: [] }]));
const crashes = [];
const hangs = [];
let running = true;

// ---- the server -------------------------------------------------------------------

let server; // { child, pid, ports, exited, stderrTail() }
let generation = 0;

function startServer() {
  const dataDir = join(work, "data");
  const args = [
    join(ROOT, "dist/src/cli/switchboard.js"), "serve", "--host", "127.0.0.1",
    ...DIALECTS.flatMap((d) => [`--${d}-port`, "0"]), "--web-port", "0", "--http-port", "0",
    "--data-dir", dataDir, "--bcs-log", "off", "--gowing-log-dir", "off",
    // Short deadlines, so abandoned fuzz connections do not pile up; small files.
    "--login-timeout", "3s", "--stall-timeout", "3s", "--ack-timeout", "3s", "--max-file-size", "1MB",
    "--udp-idle-timeout", "5s", "--udp-list-interval", "2s",
    // Every fuzz client and probe comes from 127.0.0.1: per-address limits would lock the
    // probes out with the fuzzers (they are tested on their own, test/e2e/address-limits).
    "--max-connections-per-ip", "0", "--login-failures", "0",
  ];
  const nodeFlags = snapshotDir ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${snapshotDir}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SWITCHBOARD_LOG_LEVEL: "error" } });
  let tail = "";
  child.stderr.on("data", (d) => (tail = (tail + d).slice(-16_000)));
  const ports = {};
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 20 s: ${tail}`)), 20_000);
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before ready: ${tail}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^listening (\S+) (tcp|udp) \S+:(\d+)$/.exec(line);
      if (m) ports[m[1]] = Number(m[3]);
      if (line === "ready") {
        clearTimeout(timer);
        generation++;
        resolve({ child, pid: child.pid, ports, exited, generation, stderrTail: () => tail, up: true });
      }
    });
  });
}

/**
 * The server's memory as one line: RSS, and from its /metrics the V8 heap in use and the
 * memory outside it that V8 knows of (Buffers): RSS that neither explains is the native
 * allocator's (freed but kept, or held by native code).
 */
async function memoryLine(s) {
  const rss = rssKiB(s.pid);
  try {
    const res = await fetch(`http://127.0.0.1:${s.ports.http}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    const metric = (name) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1]) / 1e6;
    return `RSS ${(rss / 1024).toFixed(0)} MB (V8 heap used ${metric("nodejs_heap_size_used_bytes").toFixed(1)} MB, external ${metric("nodejs_external_memory_bytes").toFixed(1)} MB)`;
  } catch {
    return `RSS ${(rss / 1024).toFixed(0)} MB`;
  }
}

function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
  } catch {
    return undefined;
  }
}

/** Asks the server for a heap snapshot and waits until the file is written whole. */
async function heapSnapshot(label) {
  if (!snapshotDir || !server.up) return;
  const before = new Set(readdirSync(snapshotDir));
  server.child.kill("SIGUSR2");
  const deadline = Date.now() + 120_000;
  let file;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    file ??= readdirSync(snapshotDir).find((f) => !before.has(f) && f.endsWith(".heapsnapshot"));
    if (file === undefined) continue;
    const size = statSync(join(snapshotDir, file)).size;
    if (size > 0 && size === lastSize) break;
    lastSize = size;
  }
  if (file === undefined) return console.error(`heap snapshot ${label}: none written`);
  renameSync(join(snapshotDir, file), join(snapshotDir, `${label}.heapsnapshot`));
  console.log(`fuzz: heap snapshot ${label} written (${(lastSize / 1e6).toFixed(1)} MB); ${await memoryLine(server)}`);
}

/** Inputs each worker has in flight, so a crash can be replayed. */
const inFlight = new Map();

async function watchServer() {
  while (running) {
    const s = server;
    const { code, signal } = await s.exited;
    s.up = false;
    if (!running) return;
    const crash = { at: new Date().toISOString(), code, signal, stderr: s.stderrTail(), dir: join(outDir, `crash-${crashes.length + 1}`) };
    crashes.push(crash);
    mkdirSync(crash.dir, { recursive: true });
    writeFileSync(join(crash.dir, "stderr.txt"), crash.stderr);
    for (const [worker, input] of inFlight) {
      writeFileSync(join(crash.dir, `${worker}.json`), JSON.stringify({ ...input, chunks: input.chunks.map((c) => c.toString("hex")) }, null, 1));
    }
    console.error(`CRASH: server exited (code ${code}, signal ${signal}); inputs in flight saved in ${crash.dir}`);
    server = await startServer();
  }
}

// ---- fuzz workers -----------------------------------------------------------------

/** Splice donors: frames of earlier sessions of the same dialect. */
const donors = Object.fromEntries(TARGETS.map((d) => [d, []]));

function nextInput(target, worker, iteration, port) {
  const iterSeed = (seed * 1_000_003 + TARGETS.indexOf(target) * 7919 + worker * 104_729 + iteration) >>> 0;
  const r = rng(iterSeed);
  const dialect = dialectOf(target);
  const own = `fz${target.slice(0, 2)}${worker}${r.int(4)}`;
  const frames = validSession(dialect, r, own);
  const pool = donors[target];
  for (const f of frames) if (pool.length < 200) pool.push(f);
  else if (r.chance(0.05)) pool[r.int(pool.length)] = f;
  const { frames: mutated, applied } = r.chance(0.85) ? mutate(dialect, r, frames, pool) : { frames, applied: [] };
  if (target === "ws-bcs") {
    // The upgrade in one piece (or not), then the WebSocket frames cut anywhere into TCP writes.
    const ws = websocketSession(r, port, Buffer.concat(mutated));
    const upgrade = r.chance(0.8) ? [ws.upgrade] : chunk(r, ws.upgrade);
    const chunks = [...upgrade, ...chunk(r, ws.frames)];
    const dropAfter = r.chance(0.25) ? r.int(chunks.length + 1) : -1;
    return { dialect: target, seed: iterSeed, applied: [...applied, ...ws.applied], chunks, dropAfter, linger: 10 + r.int(120), pause: r.chance(0.3) };
  }
  const chunks = dialect === "udp" ? mutated : chunk(r, Buffer.concat(mutated));
  // Connection drop: stop after this many chunks, at once (-1: send everything, then end).
  const dropAfter = r.chance(0.25) ? r.int(chunks.length + 1) : -1;
  return { dialect, seed: iterSeed, applied, chunks, dropAfter, linger: 10 + r.int(120), pause: r.chance(0.3) };
}

function tcpIteration(port, input) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      socket.destroy();
      resolve(outcome);
    };
    // Nothing waits forever: a stuck iteration ends after 3 s (the probes judge liveness).
    const guard = setTimeout(() => finish("ok"), 3000);
    socket.on("error", (err) => finish(err.code === "ECONNREFUSED" ? "refused" : "ok"));
    socket.on("close", () => finish("ok"));
    socket.on("data", () => undefined); // read and drop: a fuzzer is not a slow consumer
    socket.once("connect", async () => {
      for (let i = 0; i < input.chunks.length; i++) {
        if (done) return;
        if (i === input.dropAfter) return finish("drop");
        socket.write(input.chunks[i]);
        if (input.pause && i % 4 === 3) await sleep(1);
      }
      if (input.dropAfter === input.chunks.length) return finish("drop");
      await sleep(input.linger);
      socket.end();
    });
  });
}

function udpIteration(port, input) {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.on("error", () => undefined);
    socket.on("message", () => undefined);
    socket.bind(0, "127.0.0.1", async () => {
      for (let i = 0; i < input.chunks.length; i++) {
        if (i === input.dropAfter) break; // the peer goes silent (the idle limit logs it out)
        socket.send(input.chunks[i], port, "127.0.0.1");
        if (input.pause) await sleep(1);
      }
      await sleep(input.linger);
      socket.close();
      resolve(input.dropAfter >= 0 ? "drop" : "ok");
    });
  });
}

async function worker(dialect, index) {
  const id = `${dialect}-${index}`;
  for (let iteration = 0; running; iteration++) {
    const s = server;
    if (!s.up) {
      await sleep(50);
      continue;
    }
    const input = nextInput(dialect, index, iteration, portOf(s, dialect));
    inFlight.set(id, input);
    const outcome = dialect === "udp" ? await udpIteration(s.ports.udp, input) : await tcpIteration(portOf(s, dialect), input);
    const st = stats[dialect];
    if (outcome === "refused") {
      st.refused++;
      await sleep(50);
      continue;
    }
    st.iterations++;
    st.bytes += input.chunks.reduce((n, c) => n + c.length, 0);
    if (outcome === "drop") st.drops++;
  }
  inFlight.delete(id);
}

// ---- probes -------------------------------------------------------------------------

async function probeLoop(dialect) {
  const name = `probe${dialect}`;
  let n = 0;
  while (running) {
    const s = server;
    if (!s.up) {
      await sleep(100);
      continue;
    }
    const probe = createProbe(dialect, portOf(s, dialect), name);
    try {
      await probe.start(probeTimeout);
      while (running && s.up) {
        await sleep(probeInterval);
        if (!running || !s.up) break;
        const t0 = performance.now();
        await probe.roundTrip(`t${n++}`, probeTimeout);
        stats[dialect].latencies.push(performance.now() - t0);
        stats[dialect].probes++;
      }
    } catch (err) {
      await sleep(20); // a crash shows as the exit event first
      if (running && s.up && s === server) {
        hangs.push({ at: new Date().toISOString(), dialect, error: err.message });
        console.error(`HANG: ${err.message}`);
      }
    } finally {
      probe.close();
    }
  }
}

// ---- the campaign -------------------------------------------------------------------

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main() {
  console.log(`fuzz: seed ${seed}, ${minutes} min, ${clientsPerDialect} clients per dialect, work dir ${work}`);
  server = await startServer();
  const rssStart = rssKiB(server.pid);
  const watcher = watchServer();
  const tasks = [];
  for (const d of TARGETS) {
    tasks.push(probeLoop(d));
    for (let i = 0; i < clientsPerDialect; i++) tasks.push(worker(d, i));
  }
  const endAt = Date.now() + minutes * 60_000;
  let lastReport = Date.now();
  let warmSnapshot = snapshotDir !== undefined;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  while (Date.now() < endAt) {
    await sleep(1000);
    if (warmSnapshot && Date.now() - (endAt - minutes * 60_000) >= 30_000) {
      warmSnapshot = false;
      await heapSnapshot("warm");
    }
    if (Date.now() - lastReport >= reportEveryMs) {
      lastReport = Date.now();
      const its = TARGETS.map((d) => `${d} ${stats[d].iterations}`).join(", ");
      console.log(`fuzz: ${Math.round((endAt - Date.now()) / 1000)} s left; iterations ${its}; ${await memoryLine(server)}; crashes ${crashes.length}, hangs ${hangs.length}`);
    }
  }
  const rssEnd = rssKiB(server.pid);
  running = false;
  await Promise.all(tasks);
  if (snapshotDir) {
    // Past every deadline (login, stall, ack, udp idle): what is left belongs to no client.
    await sleep(8000);
    console.log(`fuzz: quiet 8 s after the last client; ${await memoryLine(server)}`);
    await heapSnapshot("end");
  }
  // A clean shutdown is part of the check: SIGTERM must end the process within 10 s.
  const s = server;
  s.child.kill("SIGTERM");
  const stopped = await Promise.race([s.exited, sleep(10_000).then(() => undefined)]);
  if (stopped === undefined) {
    hangs.push({ at: new Date().toISOString(), dialect: "shutdown", error: "no exit within 10 s of SIGTERM" });
    s.child.kill("SIGKILL");
  } else if (stopped.code !== 0) {
    crashes.push({ at: new Date().toISOString(), code: stopped.code, signal: stopped.signal, stderr: s.stderrTail(), dir: "(shutdown)" });
  }
  await Promise.race([watcher, sleep(100)]);

  console.log("");
  console.log("dialect  iterations  drops  MB sent  probe round trips  p50 ms  p99 ms  max ms");
  for (const d of TARGETS) {
    const st = stats[d];
    const l = st.latencies.sort((a, b) => a - b);
    console.log(
      `${d.padEnd(8)} ${String(st.iterations).padStart(10)} ${String(st.drops).padStart(6)} ${(st.bytes / 1e6).toFixed(1).padStart(8)} ${String(st.probes).padStart(18)} ${percentile(l, 0.5).toFixed(1).padStart(7)} ${percentile(l, 0.99).toFixed(1).padStart(7)} ${(l.at(-1) ?? NaN).toFixed(1).padStart(7)}`,
    );
  }
  console.log(`server RSS: ${rssStart} KiB at start, ${rssEnd} KiB at the end`);
  console.log(`crashes: ${crashes.length}`);
  for (const c of crashes) console.log(`  ${c.at} code ${c.code} signal ${c.signal}: inputs in ${c.dir}\n    ${c.stderr.split("\n").slice(-6).join("\n    ")}`);
  console.log(`hangs: ${hangs.length}`);
  for (const h of hangs) console.log(`  ${h.at} ${h.dialect}: ${h.error}`);
  const summary = { seed, minutes, iterations: Object.fromEntries(TARGETS.map((d) => [d, stats[d].iterations])), crashes: crashes.length, hangs: hangs.length };
  console.log(`summary ${JSON.stringify(summary)}`);
  if (crashes.length === 0) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work} (crash inputs under ${outDir})`);
  process.exitCode = crashes.length + hangs.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  server?.child.kill("SIGKILL");
  process.exit(2);
});
