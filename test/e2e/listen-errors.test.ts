/**
 * A listener that cannot bind is one line on stderr naming the flag to change, and exit
 * 1 (issue 15 point 8): a port in use, a port below 1024 without the right, an address
 * not on this host; for `serve` and for the per-dialect server commands, as processes.
 */
import assert from "node:assert/strict";
import { spawn, type SpawnOptions } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CLI, REPO_ROOT, serveOnly, tempDir } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
/** TEST-NET-1 (RFC 5737): never an address of this host. */
const NOT_HERE = "192.0.2.1";

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Linux's net.ipv4.ip_unprivileged_port_start; 1024 (the classic rule) where there is none. */
function firstUnprivilegedPort(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
  } catch {
    return 1024;
  }
}

function run(script: string, args: string[], options: SpawnOptions = {}): Promise<Ended> {
  const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Exit 1, nothing on stdout, and `line` as the only stderr line that is not the ops log's JSON. */
function assertOneLine(ended: Ended, line: string): void {
  assert.equal(ended.code, 1, ended.stderr);
  assert.equal(ended.stdout, "");
  const plain = ended.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("{"));
  assert.deepEqual(plain, [line]);
  assert.doesNotMatch(ended.stderr, /stack|EADDRINUSE|EACCES|EADDRNOTAVAIL/, "no stack trace, no error code");
}

describe("a listener that cannot bind", TIMEOUT, () => {
  const dataDir = tempDir("sb-listen-");
  let tcpPort: number;
  let udpPort: number;
  const holders: { close(): void }[] = [];

  before(async () => {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, "0.0.0.0", resolve));
    tcpPort = (tcp.address() as AddressInfo).port;
    const udp = createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "0.0.0.0", resolve));
    udpPort = udp.address().port;
    holders.push(tcp, udp);
  });
  after(() => holders.forEach((h) => h.close()));

  it("serve: a TCP port in use names the listener's flag and how to turn it off", async () => {
    const ended = await run(CLI("switchboard"), [...serveOnly({ lab: String(tcpPort) }), "--data-dir", dataDir]);
    assertOneLine(ended, `cannot listen on 0.0.0.0:${tcpPort} for lab: address in use (pick another with --lab-port or turn it off with --lab-port off)`);
  });

  it("serve: a UDP port in use, and the HTTP port in use, the same way", async () => {
    const udp = await run(CLI("switchboard"), [...serveOnly({ bcs: "0", udp: String(udpPort) }), "--bcs-log", "off", "--data-dir", dataDir]);
    assertOneLine(udp, `cannot listen on 0.0.0.0:${udpPort} for udp: address in use (pick another with --udp-port or turn it off with --udp-port off)`);
    const http = await run(CLI("switchboard"), [...serveOnly({ http: String(tcpPort) }), "--http-host", "0.0.0.0", "--data-dir", dataDir]);
    assertOneLine(http, `cannot listen on 0.0.0.0:${tcpPort} for http: address in use (pick another with --http-port or turn it off with --http-port off)`);
  });

  it("the per-dialect server commands name their own flags", async () => {
    const lab = await run(CLI("switchboard"), ["server", "lab", "--address", "0.0.0.0", "--port", String(tcpPort)]);
    assertOneLine(lab, `cannot listen on 0.0.0.0:${tcpPort} for lab: address in use (pick another with --port)`);
    const bcs = await run(CLI("bcs-server"), ["-p", String(tcpPort), "-f", dataDir]);
    assertOneLine(bcs, `cannot listen on 0.0.0.0:${tcpPort} for bcs: address in use (pick another with --port)`);
    const udp = await run(CLI("switchboard"), ["server", "udp", "--port", String(udpPort)]);
    assertOneLine(udp, `cannot listen on 0.0.0.0:${udpPort} for udp: address in use (pick another with --port)`);
  });

  it("an address not on this host names the address flag", async () => {
    const serve = await run(CLI("switchboard"), [...serveOnly({ gowing: "0" }), "--host", NOT_HERE, "--gowing-log-dir", "off", "--data-dir", dataDir]);
    assertOneLine(serve, `cannot listen on ${NOT_HERE}:0 for gowing: ${NOT_HERE} is not an address of this host (pick another with --host)`);
    const lab = await run(CLI("switchboard"), ["server", "lab", "--address", NOT_HERE, "--port", "0"]);
    assertOneLine(lab, `cannot listen on ${NOT_HERE}:0 for lab: ${NOT_HERE} is not an address of this host (pick another with --address)`);
  });

  // Port 80 is privileged unless the kernel lets everyone bind it; as root (CI here), the
  // server runs as `nobody`, which has no right to it, so the refusal is the kernel's own.
  const unprivilegedFrom = firstUnprivilegedPort();
  const skip = unprivilegedFrom <= 80 ? "this kernel lets any user bind port 80 (net.ipv4.ip_unprivileged_port_start)" : false;
  it("a privileged port without the right says permission denied", { skip }, async () => {
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const dir = tempDir("sb-listen-nobody-");
    chmodSync(dir, 0o777);
    const ended = await run(CLI("switchboard"), [...serveOnly({ lab: "80" }), "--data-dir", dir], asNobody);
    assertOneLine(
      ended,
      "cannot listen on 0.0.0.0:80 for lab: permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE (pick another with --lab-port or turn it off with --lab-port off)",
    );
  });
});
