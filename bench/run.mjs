#!/usr/bin/env node
// Switchboard benchmark: a real server process pinned to CPU 0, the C load generator
// (bench/gen/gen.c, built here with gcc) pinned to CPU 1, loopback only. For each
// workload: start the server with only the dialect it needs, run the generator (log in,
// warm up, measure), sample /proc for both processes, stop the server, and write a
// markdown table and JSON to bench/results/. Calibration rows run minimal Node relays
// (bench/calibration/<dialect>-relay.mjs: lab, bcs, udp) and ngIRCd
// (bench/calibration/ngircd.conf) under the same harness, so each row is also read as a
// ratio to the one of its shape. See bench/README.md.
// Plain Node, no dependencies.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const root = new URL("..", import.meta.url).pathname;
const GEN_SRC = join(root, "bench/gen/gen.c");
const GEN_BIN = join(root, "bench/.build/gen");
/** The compiled server of a checkout (--server). */
const serverOf = (checkout) => join(resolve(checkout), "dist/src/cli/switchboard.js");
/** The minimal Node relay of a dialect (lab, bcs, udp), a calibration server. */
const relay = (dialect) => join(root, `bench/calibration/${dialect}-relay.mjs`);
const NGIRCD_CONF = join(root, "bench/calibration/ngircd.conf");
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

const HELP = `usage: node bench/run.mjs [options]      (npm run bench -- [options])

  --workload <name>   all (default), lab-dm, lab-dm-ws, fanout-gowing, fanout-bcs,
                      fanout-udp, fanout (all three), idle-lab, idle-mixed, idle (both),
                      cluster (two nodes on one nats-server: lab-dm P=16 W=16 with
                      every pair split across the nodes, gowing and bcs fan-out with the
                      members split, beside the single-node rows of the same shapes);
                      lab-dm-ws is lab-dm over the web listener's /ws/lab (default
                      P=16 W=16), beside the same shape over plain TCP
  --pairs <P>         lab-dm pairs (default: the set 1,16,100)
  --window <W>        messages in flight per sender (lab-dm default: 1 for P=1, else 16;
                      fan-out default 16)
  --members <M>       fan-out members (default 100)
  --senders <S>       fan-out senders among them (default 10)
  --clients <N>       idle-lab clients (default 10000)
  --mixed-clients <N> idle-mixed clients, split over lab, gowing, bcs, udp (default 800;
                      every login is a presence notice to each bcs client, and notices
                      still waiting for its ack are folded into one, so 4000 log in too)
  --body <bytes>      message body size (default 64)
  --warmup <s>        warm-up seconds (default 3)
  --measure <s>       measured seconds (default 10)
  --out <dir>         where results go (default bench/results)
  --server-cpu <n>    CPU for the server (default 0)
  --gen-cpu <n>       CPU for the generator (default 1)
  --calibration <y|n> run the calibration rows (default yes): a minimal Node lab relay
                      beside each lab-dm row, a minimal Node bcs or udp relay beside the
                      bcs and udp fan-out rows, ngIRCd beside the fan-out rows (gowing's
                      calibration)
  --server <dir>      the Switchboard checkout whose compiled server is measured (default
                      this one), e.g. a worktree of an older commit, to compare two
                      commits under the same harness; its commit is named in the table
  --profile <dir>     run each Switchboard server with --cpu-prof, its .cpuprofile in
                      <dir> (open it in Chrome DevTools or speedscope); slows the server
`;

function parseArgs(argv) {
  const o = {
    workload: "all", pairs: undefined, window: undefined, members: 100, senders: 10, clients: 10000,
    mixedClients: 800, body: 64, warmup: 3, measure: 10, out: join(root, "bench/results"), serverCpu: 0, genCpu: 1,
    calibration: "yes", profile: "", server: root,
  };
  const numeric = new Set(["pairs", "window", "members", "senders", "clients", "mixedClients", "body", "warmup", "measure", "serverCpu", "genCpu"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stdout.write(HELP);
      process.exit(0);
    }
    if (!a.startsWith("--") || i + 1 >= argv.length) fail(`bad argument ${a}\n${HELP}`);
    const key = a.slice(2).replace(/-([a-z])/g, (_, ch) => ch.toUpperCase());
    if (!(key in o)) fail(`unknown option ${a}\n${HELP}`);
    const v = argv[++i];
    if (numeric.has(key)) {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) fail(`${a} needs a number`);
      o[key] = n;
    } else o[key] = v;
  }
  return o;
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

/**
 * The workloads to run: each names its generator mode, the server (`switchboard`, or a
 * calibration server: `relay`, `ngircd`) and the dialects it needs. `key` pairs a row with
 * the calibration row of the same shape.
 */
function plan(o) {
  const calibrate = !/^(n|no|off|0|false)$/i.test(String(o.calibration));
  const dm = (P, W) => ({ name: `lab-dm P=${P} W=${W}`, key: `dm P=${P} W=${W}`, server: "switchboard", mode: "dm", dialect: "lab", dialects: ["lab"], args: ["--pairs", P, "--window", W], clients: 2 * P });
  // The same over a WebSocket (/ws/lab on the web listener): same calibration row, and compared with the TCP row.
  const dmWs = (P, W) => ({ ...dm(P, W), name: `lab-dm P=${P} W=${W} over WebSocket`, transport: "ws" });
  // the relay row first, then Switchboard's: the pair runs back to back in one machine state
  const dmPair = (P, W) => [...(calibrate ? [{ ...dm(P, W), name: `calibration: node lab relay P=${P} W=${W}`, server: "relay", calibration: true }] : []), dm(P, W)];
  const dmSet = () => (o.pairs !== undefined ? dmPair(o.pairs, o.window ?? (o.pairs === 1 ? 1 : 16))
    : o.window !== undefined ? [1, 16, 100].flatMap((P) => dmPair(P, o.window)) : [...dmPair(1, 1), ...dmPair(16, 16), dmWs(16, 16), ...dmPair(100, 16)]);
  const dmWsSet = () => {
    const P = o.pairs ?? 16;
    const W = o.window ?? (P === 1 ? 1 : 16);
    return [...dmPair(P, W), dmWs(P, W)];
  };
  const fanShape = `M=${o.members} S=${o.senders} W=${o.window ?? 16}`;
  // gowing's rows are read against ngIRCd (irc); bcs's and udp's against their own
  // dialect's Node relay (ack pacing and datagrams are not IRC's costs)
  const fanKey = (d) => `fanout ${d === "bcs" || d === "udp" ? d : "irc"} ${fanShape}`;
  const fan = (d) => ({
    name: `fanout-${d} ${fanShape}`, key: fanKey(d), server: "switchboard", mode: "fanout", dialect: d, dialects: [d],
    args: ["--members", o.members, "--senders", o.senders, "--window", o.window ?? 16], clients: o.members,
  });
  const ngircd = () => (calibrate ? [{ ...fan("irc"), name: `calibration: ngircd (IRC) ${fanShape}`, server: "ngircd", calibration: true }] : []);
  // the relay row just before Switchboard's, as for lab-dm
  const fanPair = (d) => [...(calibrate ? [{ ...fan(d), name: `calibration: node ${d} relay ${fanShape}`, server: "relay", calibration: true }] : []), fan(d)];
  const idle = (d, n) => ({
    name: `idle-${d} N=${n}`, server: "switchboard", mode: "idle", dialect: d, dialects: d === "mixed" ? ["lab", "gowing", "bcs", "udp"] : [d],
    args: ["--clients", n], clients: n, idle: true,
  });
  // Two nodes of a cluster (--cluster) on one nats-server: odd-numbered clients on the
  // second node, so every dm pair and half of each fan-out's members cross between them.
  const twoNodes = (w) => ({ ...w, name: `${w.name} across 2 nodes`, nodes: 2 });
  const clusterSet = () => {
    const P = o.pairs ?? 16;
    const W = o.window ?? 16;
    return [dm(P, W), twoNodes(dm(P, W)), ...["gowing", "bcs"].flatMap((d) => [fan(d), twoNodes(fan(d))])];
  };
  const all = {
    cluster: clusterSet,
    "lab-dm": dmSet,
    "lab-dm-ws": dmWsSet,
    "fanout-gowing": () => [...ngircd(), fan("gowing")],
    "fanout-bcs": () => [...ngircd(), ...fanPair("bcs")],
    "fanout-udp": () => [...ngircd(), ...fanPair("udp")],
    fanout: () => [...ngircd(), fan("gowing"), ...fanPair("bcs"), ...fanPair("udp")],
    "idle-lab": () => [idle("lab", o.clients)],
    "idle-mixed": () => [idle("mixed", o.mixedClients)],
    idle: () => [idle("lab", o.clients), idle("mixed", o.mixedClients)],
  };
  if (o.workload === "all") return [...all["lab-dm"](), ...all.fanout(), ...all.idle(), ...clusterSet().filter((w) => w.nodes === 2)];
  if (!all[o.workload]) fail(`unknown workload ${o.workload}\n${HELP}`);
  return all[o.workload]();
}

function buildGenerator() {
  if (existsSync(GEN_BIN) && statSync(GEN_BIN).mtimeMs >= statSync(GEN_SRC).mtimeMs) return;
  mkdirSync(join(root, "bench/.build"), { recursive: true });
  process.stderr.write("bench: building the generator with gcc\n");
  execFileSync("gcc", ["-O2", "-Wall", "-o", GEN_BIN, GEN_SRC], { stdio: "inherit" });
}

/** utime and stime of a process, in seconds (all its threads). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK }; // fields 14 and 15 of proc(5)
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/** Resident set size in KiB (VmRSS). */
function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const sample = (pid) => {
  const { user, sys } = cpuSeconds(pid);
  return { t: performance.now() / 1000, cpu: user + sys, user, sys, rss: rssKiB(pid) };
};
/** One sample of several processes together (a cluster's nodes and its nats-server): CPU and RSS summed. */
const sampleAll = (pids) => {
  const all = pids.map(sample);
  const sum = (k) => all.reduce((a, x) => a + x[k], 0);
  return { t: all[0].t, cpu: sum("cpu"), user: sum("user"), sys: sum("sys"), rss: sum("rss") };
};
/** CPU % of one core between two samples (`part`: "cpu", "user" or "sys"). */
const cpuPercent = (a, b, part = "cpu") => (b && a ? (100 * (b[part] - a[part])) / (b.t - a.t) : NaN);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns `argv` pinned to `cpu` with the open-file limit raised; resolves its lines as they come. */
function pinned(cpu, argv) {
  const quoted = argv.map((a) => `'${String(a).replace(/'/g, "'\\''")}'`).join(" ");
  // ulimit: as high as the hard limit allows (10,000 idle clients need 10,000 descriptors).
  const script = `n=$(ulimit -Hn); [ "$n" = unlimited ] && n=65536; [ "$n" -gt 65536 ] && n=65536; ulimit -n "$n" && exec taskset -c ${cpu} ${quoted}`;
  const child = spawn("bash", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  const waiters = [];
  const stderr = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    if (lines.length > 200) lines.splice(0, 100); // a chatty server must not fill memory
    for (const w of [...waiters]) if (w.test(line)) w.resolve(line);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  /** The first line (from now on, or already seen) matching `re`; rejects on exit or timeout. */
  const waitFor = (re, ms, what) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { test: (l) => re.test(l), resolve: (l) => { done(); resolve(l); } };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}`)); }, ms);
      const done = () => { clearTimeout(timer); waiters.splice(waiters.indexOf(w), 1); };
      waiters.push(w);
      exited.then(() => { if (waiters.includes(w)) { done(); reject(new Error(`exited before ${what}: ${stderr.slice(-5).join(" | ")}`)); } });
    });
  };
  return { child, pid: child.pid, lines, stderr, exited, waitFor };
}

/** A free loopback port (ngIRCd cannot listen on port 0 and report it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Resolves once something accepts on 127.0.0.1:port; rejects after `ms`. */
async function waitForPort(port, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = connect(port, "127.0.0.1", () => { c.destroy(); resolve(true); }).once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port}`);
    await sleep(100);
  }
}

/** A Debian package's program, installed with apt when missing (`why`: the rows that need it). */
function debianBinary(name, why) {
  const find = () => { try { return execFileSync("sh", ["-c", `command -v ${name} || ls /usr/sbin/${name}`], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim().split("\n")[0]; } catch { return ""; } };
  let bin = find();
  if (bin) return bin;
  process.stderr.write(`bench: installing ${name} with apt-get (${why})\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", name], { stdio: "inherit", env });
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", name], { stdio: "inherit", env });
  }
  bin = find();
  if (!bin) throw new Error(`${name} is not installed and apt-get could not install it`);
  return bin;
}

/** The ngIRCd binary (Debian package ngircd). */
const ngircdBinary = () => debianBinary("ngircd", "the fan-out calibration row");

/** A calibration server under the same harness as Switchboard: pinned, ports in `ports`, `stop()`. */
async function startCalibration(w, o) {
  const dir = mkdtempSync(join(tmpdir(), "sb-bench-cal-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let server;
  const ports = {};
  try {
    if (w.server === "relay") {
      server = pinned(o.serverCpu, [process.execPath, relay(w.dialect)]);
      await server.waitFor(/^ready$/, 20000, "the relay's ready line");
      ports[w.dialect] = Number(/:(\d+)$/.exec(server.lines.find((l) => l.startsWith(`listening ${w.dialect} `)))[1]);
    } else {
      const bin = ngircdBinary();
      ports.irc = await freePort();
      const conf = join(dir, "ngircd.conf");
      writeFileSync(conf, readFileSync(NGIRCD_CONF, "utf8").replaceAll("@PORT@", String(ports.irc)).replaceAll("@DIR@", dir));
      server = pinned(o.serverCpu, [bin, "--nodaemon", "--config", conf]);
      await Promise.race([waitForPort(ports.irc, 20000), server.exited.then(() => { throw new Error(`ngircd exited: ${server.stderr.slice(-3).join(" | ")}`); })]);
    }
  } catch (err) {
    server?.child.kill("SIGKILL");
    cleanup();
    throw err;
  }
  const stop = async () => {
    server.child.kill("SIGTERM");
    const t = setTimeout(() => server.child.kill("SIGKILL"), 5000);
    await server.exited;
    clearTimeout(t);
    cleanup();
  };
  return { ...server, ports, stop };
}

/**
 * Two Switchboard nodes of one cluster and their nats-server (JetStream on), all pinned to
 * the server's CPU, as one server of the harness: `ports` are the first node's, `second`
 * the second node's listener ports, `pids` every process, `stop()` stops them all.
 */
async function startCluster(dialects, o) {
  const nats = debianBinary("nats-server", "the cluster rows");
  const dir = mkdtempSync(join(tmpdir(), "sb-bench-nats-"));
  const port = await freePort();
  const broker = pinned(o.serverCpu, [nats, "-js", "-sd", dir, "-a", "127.0.0.1", "-p", port]);
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    broker.child.kill("SIGTERM");
    const t = setTimeout(() => broker.child.kill("SIGKILL"), 5000);
    await broker.exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPort(port, 20000), broker.exited.then(() => { throw new Error(`nats-server exited: ${broker.stderr.slice(-3).join(" | ")}`); })]);
    for (const name of ["bench-a", "bench-b"]) {
      nodes.push(await startServer(dialects, 0, o, "tcp", ["--cluster", `nats://127.0.0.1:${port}`, "--node-name", name, "--cluster-namespace", "bench"]));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: nodes[0].pid, pids: [nodes[0].pid, nodes[1].pid, broker.pid], ports: nodes[0].ports, second: nodes[1].ports, child: nodes[0].child, stop };
}

/** Whether the server of `checkout` knows `flag` (`serve --help`), asked once per checkout. */
const helpOf = new Map();
function serverHas(checkout, flag) {
  if (!helpOf.has(checkout)) helpOf.set(checkout, execFileSync(process.execPath, [serverOf(checkout), "serve", "--help"]).toString());
  return helpOf.get(checkout).includes(flag);
}

async function startServer(dialects, clients, o, transport = "tcp", extra = []) {
  const dataDir = mkdtempSync(join(tmpdir(), "sb-bench-"));
  const port = (d) => (dialects.includes(d) ? "0" : "off");
  const argv = [
    process.execPath, ...(o.profile ? ["--cpu-prof", "--cpu-prof-dir", resolve(o.profile)] : []), serverOf(o.server), "serve", "--host", "127.0.0.1",
    "--lab-port", port("lab"), "--gowing-port", port("gowing"), "--bcs-port", port("bcs"),
    "--cs262-port", "off", "--udp-port", port("udp"), "--http-port", "off",
    // The web listener only for a WebSocket row (its /ws/<dialect> needs the dialect's listener
    // on too); an older server (--server) may have no web listener at all.
    ...(transport === "ws" || serverHas(o.server, "--web-port") ? ["--web-port", transport === "ws" ? "0" : "off"] : []),
    "--bcs-log", "off", "--gowing-log-dir", "off", "--data-dir", dataDir,
    "--msg-rate", "0", "--max-connections-per-ip", "0", "--login-failures", "0", "--max-users", "0",
  ];
  if (dialects.includes("udp")) argv.push("--udp-idle-timeout", "10m");
  argv.push(...extra);
  const server = pinned(o.serverCpu, argv);
  await server.waitFor(/^ready$/, 20000, "the server's ready line");
  const ports = {};
  for (const l of server.lines) {
    const m = /^listening (\S+) \S+ \S+:(\d+)$/.exec(l);
    if (m) ports[m[1]] = Number(m[2]);
  }
  const stop = async () => {
    server.child.kill("SIGTERM");
    const t = setTimeout(() => server.child.kill("SIGKILL"), 5000);
    await server.exited;
    clearTimeout(t);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { ...server, ports, stop };
}

async function runOne(w, o) {
  process.stderr.write(`bench: ${w.name} ...\n`);
  const server =
    w.server !== "switchboard" ? await startCalibration(w, o) : w.nodes === 2 ? await startCluster(w.dialects, o) : await startServer(w.dialects, w.clients, o, w.transport);
  // A cluster's CPU and RSS are its nodes' and its nats-server's together.
  const sampleServer = () => (server.pids ? sampleAll(server.pids) : sample(server.pid));
  try {
    await sleep(500); // let the server settle after start-up before the "before" RSS
    const before = sampleServer();
    const warmup = w.idle ? 1 : o.warmup;
    const measure = w.idle ? 2 : o.measure;
    const loginDeadline = w.idle ? 120 : 30;
    const genArgv = [GEN_BIN, "--mode", w.mode, "--dialect", w.dialect, "--body", o.body,
      "--warmup", warmup, "--measure", measure, "--login-deadline", loginDeadline, ...w.args];
    // ngIRCd listens with a backlog of 10 and makes each new client wait about 1 s
    if (w.server === "ngircd") genArgv.push("--concurrency", 100);
    for (const d of w.dialects) genArgv.push(`--${d}-port`, server.ports[d]);
    if (w.transport === "ws") genArgv.push("--transport", "ws", "--web-port", server.ports.web);
    if (w.nodes === 2) genArgv.push("--second-port", server.second[w.dialect]);
    const gen = pinned(o.genCpu, genArgv);
    const budget = (loginDeadline + warmup + measure + 30) * 1000; // every run stops by itself
    const genStart = sample(gen.pid);
    await gen.waitFor(/^LOGGED_IN /, (loginDeadline + 10) * 1000, "the generator's logins");
    const loggedIn = { server: sampleServer(), gen: sample(gen.pid) };
    await gen.waitFor(/^MEASURE_START$/, budget, "the measured window");
    const start = { server: sampleServer(), gen: sample(gen.pid) };
    await gen.waitFor(/^MEASURE_END$/, budget, "the end of the measured window");
    const end = { server: sampleServer(), gen: sample(gen.pid) };
    const resultLine = await gen.waitFor(/^RESULT /, 10000, "the generator's result");
    await gen.exited;
    const g = JSON.parse(resultLine.slice(7));
    const serverExited = server.child.exitCode !== null;
    const row = {
      workload: w.name, key: w.key, server: w.server, calibration: w.calibration === true, nodes: w.nodes ?? 1, mode: w.mode, dialect: w.dialect, transport: w.transport ?? "tcp", clients: w.clients,
      deliveries_per_s: g.deliveries_per_s, sends: g.sends, deliveries: g.deliveries,
      p50_ms: g.p50_us / 1000, p99_ms: g.p99_us / 1000, max_ms: g.max_us / 1000, latency_samples: g.latency_samples,
      server_cpu_pct: cpuPercent(start.server, end.server), server_rss_mib: end.server.rss / 1024,
      // what a delivery costs the server, whatever share of its core it got: on a busy
      // machine this moves less than deliveries/s does
      deliveries_per_cpu_s: g.deliveries / (end.server.cpu - start.server.cpu),
      gen_cpu_pct: cpuPercent(start.gen, end.gen),
      gen_user_pct: cpuPercent(start.gen, end.gen, "user"), gen_sys_pct: cpuPercent(start.gen, end.gen, "sys"),
      server_user_pct: cpuPercent(start.server, end.server, "user"), server_sys_pct: cpuPercent(start.server, end.server, "sys"),
      login_ms: g.login_ms, login_p50_ms: g.login_p50_ms, login_p99_ms: g.login_p99_ms, logged_in: g.logged_in,
      lost: g.lost, disconnected: g.disconnected, errors: g.errors, server_exited: serverExited,
      warmup_s: warmup, measure_s: g.measure_s,
    };
    if (w.idle) {
      // The measured window is idle: CPU columns are for the login phase, where the work is.
      row.server_cpu_pct = cpuPercent(before, loggedIn.server);
      row.gen_cpu_pct = cpuPercent(genStart, loggedIn.gen);
      row.gen_user_pct = cpuPercent(genStart, loggedIn.gen, "user");
      row.gen_sys_pct = cpuPercent(genStart, loggedIn.gen, "sys");
      row.server_user_pct = cpuPercent(before, loggedIn.server, "user");
      row.server_sys_pct = cpuPercent(before, loggedIn.server, "sys");
      row.server_rss_before_mib = before.rss / 1024;
      row.rss_per_conn_kib = (end.server.rss - before.rss) / g.logged_in;
    }
    if (gen.stderr.length) process.stderr.write(gen.stderr.map((l) => `  ${l}\n`).join(""));
    return row;
  } finally {
    await server.stop();
  }
}

const fmt = (v, d = 1) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(d) : "—");
const int = (v) => (typeof v === "number" && Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "—");

function markdown(rows, meta) {
  const out = [`# Switchboard benchmark, ${meta.date}`, "",
    `${meta.cpu}; Node ${meta.node}; server on CPU ${meta.serverCpu}, generator on CPU ${meta.genCpu}; traffic runs: warm-up ${meta.warmup} s, measured ${meta.measure} s, ${meta.body}-byte bodies; idle runs: all log in, then 1 s + 2 s idle before the RSS is read; load average at the end ${meta.loadavg.map((l) => l.toFixed(2)).join(", ")}; commit ${meta.commit}.`, ""];
  const traffic = rows.filter((r) => r.mode !== "idle");
  if (traffic.length) {
    out.push("| workload | deliveries/s | × calibration | deliveries per server CPU-s | p50 ms | p99 ms | max ms | server CPU % | server RSS MiB | generator CPU % (user+sys) | lost / disconnected / errors |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of traffic) {
      out.push(`| ${r.workload} | ${int(r.deliveries_per_s)} | ${r.calibration ? "(calibration)" : fmt(r.vs_calibration, 2)} | ${int(r.deliveries_per_cpu_s)} | ${fmt(r.p50_ms, 3)} | ${fmt(r.p99_ms, 3)} | ${fmt(r.max_ms, 2)} | ${fmt(r.server_cpu_pct)} | ${fmt(r.server_rss_mib)} | ${fmt(r.gen_cpu_pct)} (${fmt(r.gen_user_pct, 0)}+${fmt(r.gen_sys_pct, 0)}) | ${r.lost} / ${r.disconnected} / ${r.errors}${r.server_exited ? " (server exited)" : ""} |`);
    }
    out.push("");
  }
  const idle = rows.filter((r) => r.mode === "idle");
  if (idle.length) {
    out.push("| workload | logged in | login time ms (all) | login p50 / p99 ms (one) | server CPU % (login) | RSS before MiB | RSS after MiB | RSS per connection KiB | generator CPU % (login) | disconnected / errors |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of idle) {
      out.push(`| ${r.workload} | ${int(r.logged_in)} | ${int(r.login_ms)} | ${fmt(r.login_p50_ms, 2)} / ${fmt(r.login_p99_ms, 2)} | ${fmt(r.server_cpu_pct)} | ${fmt(r.server_rss_before_mib)} | ${fmt(r.server_rss_mib)} | ${fmt(r.rss_per_conn_kib, 2)} | ${fmt(r.gen_cpu_pct)} | ${r.disconnected} / ${r.errors}${r.server_exited ? " (server exited)" : ""} |`);
    }
    out.push("");
  }
  for (const r of traffic.filter((x) => x.vs_tcp !== undefined)) {
    out.push(`${r.workload}: ${fmt(r.vs_tcp, 2)}× the plain TCP row's deliveries/s (${int(r.deliveries_per_s)} vs ${int(r.tcp_deliveries_per_s)}); deliveries per server CPU-s ${int(r.deliveries_per_cpu_s)} vs ${int(r.tcp_deliveries_per_cpu_s)}.`, "");
  }
  if (traffic.some((r) => r.calibration)) {
    out.push("Deliveries per server CPU-s: deliveries in the measured window over the server's CPU time in it (all threads); on a machine shared with other work it moves less than deliveries/s.", "");
    out.push("× calibration: the row's deliveries/s over its calibration row's in this run (lab-dm: the minimal Node lab relay, bench/calibration/lab-relay.mjs; bcs and udp fan-out: the minimal Node relay of the same dialect and shape, bench/calibration/bcs-relay.mjs and udp-relay.mjs; gowing fan-out: ngIRCd, the members in one channel, the senders PRIVMSG it).", "");
  }
  const hot = rows.filter((r) => r.gen_cpu_pct > 80);
  out.push(hot.length ? `**Warning**: the generator used over 80% of its core in: ${hot.map((r) => r.workload).join(", ")}; those numbers may be the generator's limit, not the server's.`
    : "The generator stayed under 80% of its core in every run.", "");
  return out.join("\n");
}

/** ", 0.83x calibration" for a row whose calibration row already ran (and ", 0.70x TCP" for a WebSocket row). */
function calNote(rows) {
  return (r) => {
    const c = rows.find((x) => x.calibration && !x.error && x.key === r.key && x !== r);
    const t = r.transport === "ws" ? rows.find((x) => x.transport === "tcp" && x.server === "switchboard" && !x.calibration && !x.error && x.key === r.key) : undefined;
    return (c && !r.calibration && c.deliveries_per_s > 0 ? `, ${fmt(r.deliveries_per_s / c.deliveries_per_s, 2)}x calibration` : "") +
      (t && t.deliveries_per_s > 0 ? `, ${fmt(r.deliveries_per_s / t.deliveries_per_s, 2)}x TCP` : "");
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(serverOf(o.server))) fail(`${serverOf(o.server)} is missing: compile first (node scripts/prepare.mjs, or npx tsc -p tsconfig.json)`);
  if (cpus().length < 2) process.stderr.write("bench: warning: fewer than 2 CPUs; server and generator share a core\n");
  buildGenerator();
  const workloads = plan(o);
  const rows = [];
  const cal = calNote(rows);
  for (const w of workloads) {
    try {
      rows.push(await runOne(w, o));
    } catch (err) {
      process.stderr.write(`bench: ${w.name} failed: ${err.message}\n`);
      rows.push({ workload: w.name, mode: w.mode, error: err.message });
    }
    const r = rows.at(-1);
    if (!r.error) process.stderr.write(`  ${r.mode === "idle" ? `logged in ${r.logged_in} in ${fmt(r.login_ms, 0)} ms, ${fmt(r.rss_per_conn_kib, 2)} KiB/conn` : `${int(r.deliveries_per_s)} deliveries/s${cal(r)}, p99 ${fmt(r.p99_ms, 3)} ms`}, server CPU ${fmt(r.server_cpu_pct)}%, generator CPU ${fmt(r.gen_cpu_pct)}%\n`);
  }
  // each row's rate as a ratio to the calibration row of the same shape, same run
  for (const r of rows) {
    const cal = rows.find((c) => c.calibration && !c.error && c.key === r.key);
    if (!r.calibration && !r.error && cal && cal.deliveries_per_s > 0) r.vs_calibration = r.deliveries_per_s / cal.deliveries_per_s;
  }
  // a WebSocket row's rate as a ratio to Switchboard's plain TCP row of the same shape
  for (const r of rows) {
    const tcp = rows.find((t) => t.transport === "tcp" && !t.calibration && !t.error && t.key === r.key && t.server === "switchboard");
    if (r.transport === "ws" && !r.error && tcp && tcp.deliveries_per_s > 0) {
      r.vs_tcp = r.deliveries_per_s / tcp.deliveries_per_s;
      r.tcp_deliveries_per_s = tcp.deliveries_per_s;
      r.tcp_deliveries_per_cpu_s = tcp.deliveries_per_cpu_s;
    }
  }
  let commit = "unknown";
  try { commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: resolve(o.server) }).toString().trim(); } catch {}
  const meta = {
    date: new Date().toISOString(), cpu: `${cpus()[0]?.model ?? "?"} x${cpus().length}`, node: process.versions.node, loadavg: loadavg(),
    serverCpu: o.serverCpu, genCpu: o.genCpu, warmup: o.warmup, measure: o.measure, body: o.body, commit, options: o,
  };
  mkdirSync(o.out, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, "-").slice(0, 19);
  const ok = rows.filter((r) => !r.error);
  const md = markdown(ok, meta) + rows.filter((r) => r.error).map((r) => `- ${r.workload}: failed: ${r.error}\n`).join("");
  writeFileSync(join(o.out, `${stamp}.md`), md);
  writeFileSync(join(o.out, `${stamp}.json`), JSON.stringify({ meta, rows }, null, 2) + "\n");
  process.stdout.write(md);
  process.stderr.write(`bench: wrote ${join(o.out, stamp)}.md and .json\n`);
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err) => fail(err.stack ?? String(err)));
