/** `switchboard serve --config` and `switchboard check-config` as real processes. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, REPO_ROOT, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to its end (bounded), with only the given SWITCHBOARD_ variables set. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI("switchboard"), ...args], { cwd: REPO_ROOT, env: { ...cleanEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`still running after 10 s: ${stdout} ${stderr}`));
    }, 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment without SWITCHBOARD_ variables, so the developer's own cannot leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SWITCHBOARD_")));
}

function fileWith(text: string): string {
  const path = join(tempDir("sb-config-"), "switchboard.yaml");
  writeFileSync(path, text);
  return path;
}

const QUIET = ["--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0", "--bcs-log", "off", "--gowing-log-dir", "off"];

describe("switchboard serve --config", () => {
  it("refuses to start on a bad value, naming the file, the key and the problem, and exits non-zero", async () => {
    const path = fileWith("lab-port: 0\nmax-users: many\nqueue-bytes: 4 parsecs\n");
    const r = await runCli([...serveOnly({ lab: "0" }), "--config", path, "--data-dir", tempDir()]);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /listening|ready/);
    assert.match(r.stderr, new RegExp(`${path}: max-users: expected a whole number \\(got "many"\\)`));
    assert.match(r.stderr, /queue-bytes: expected a size/);
    assert.match(r.stderr, /not started/);
  });

  it("refuses a bad environment variable and a bad flag the same way", async () => {
    const env = await runCli([...serveOnly({ lab: "0" }), "--data-dir", tempDir()], { SWITCHBOARD_LOGIN_TIMEOUT: "soon" });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /SWITCHBOARD_LOGIN_TIMEOUT.*expected a positive duration/);
    const flag = await runCli([...serveOnly({ lab: "0" }), "--data-dir", tempDir(), "--lab-port", "65536"]);
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /--lab-port.*expected a port from 0 to 65535/);
    assert.doesNotMatch(env.stdout + flag.stdout, /listening/);
  });

  it("takes a flag over its environment variable over the file over the default (seen in the address each listener binds)", async () => {
    // Every 127.x.y.z is loopback on Linux: the bound address shows which source won.
    const path = fileWith("host: 127.0.0.2\nhttp-host: 127.0.0.2\nlab-port: 0\ngowing-port: 0\n");
    const server = await spawnServer(
      CLI("switchboard"),
      [...serveOnly({ lab: "0", gowing: "0", http: "0" }), ...QUIET, "--config", path, "--data-dir", tempDir(), "--host", "127.0.0.4"],
      REPO_ROOT,
      15_000,
      "ready",
      { ...cleanEnv(), SWITCHBOARD_HOST: "127.0.0.3", SWITCHBOARD_HTTP_HOST: "127.0.0.3" },
    );
    try {
      const lines = server.stdoutLines.filter((l) => l.startsWith("listening"));
      assert.deepEqual(
        lines.map((l) => l.replace(/:\d+$/, "")),
        ["listening lab tcp 127.0.0.4", "listening gowing tcp 127.0.0.4", "listening http tcp 127.0.0.3"],
      );
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const fileOnly = await spawnServer(CLI("switchboard"), ["serve", ...QUIET, "--config", fileWith("host: 127.0.0.2\nlab-port: 0\ngowing-port: off\nbcs-port: off\ncs262-port: off\nudp-port: off\nweb-port: off\nhttp-port: off\n"), "--data-dir", tempDir()], REPO_ROOT, 15_000, "ready", cleanEnv());
    try {
      assert.deepEqual(fileOnly.stdoutLines.filter((l) => l.startsWith("listening")).map((l) => l.replace(/:\d+$/, "")), ["listening lab tcp 127.0.0.2"]);
    } finally {
      assert.equal(await fileOnly.stop(), 0);
    }
  });
});

describe("SIGHUP re-reads the --config file", () => {
  it("applies a new limit and log level to the running server, reports a restart-only change, and keeps the settings when the file turns bad", async () => {
    const path = fileWith("lab-port: 0\nmax-users: 0\n");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ lab: "0" }), ...QUIET, "--config", path, "--data-dir", tempDir()], REPO_ROOT, 15_000, "ready", cleanEnv());
    const peers: RawLab[] = [];
    /** The next ops log line (JSON on a pipe) whose msg starts with `prefix`, after `from` lines. */
    const logLine = async (prefix: string, from: number): Promise<{ line: Record<string, unknown>; count: number }> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const lines = server.stderr().split("\n").filter((l) => l.startsWith("{"));
        const found = lines.slice(from).find((l) => String(JSON.parse(l).msg).startsWith(prefix));
        if (found) return { line: JSON.parse(found), count: lines.length };
        if (Date.now() > deadline) throw new Error(`no "${prefix}" log line; stderr: ${server.stderr()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      const port = server.ports["lab"]!;
      peers.push(await RawLab.login(port, "alice"), await RawLab.login(port, "bob"));
      writeFileSync(path, "lab-port: 0\nmax-users: 2\nlog-level: debug\nhost: 127.0.0.9\n");
      server.child.kill("SIGHUP");
      const first = await logLine("SIGHUP", 0);
      assert.deepEqual(first.line["changed"], ["host (not applied until a restart)", "log-level info -> debug", "max-users 0 -> 2"]);
      // max-users 2 now holds: a third login is refused with the lab's BUSY.
      const carol = await RawLab.open(port);
      peers.push(carol);
      carol.write("HELLO-FROM carol\n");
      assert.equal(await carol.next(), "BUSY");
      // debug is on: a connection's debug line now appears.
      await logLine("connection", first.count);
      writeFileSync(path, "max-users: lots\n");
      server.child.kill("SIGHUP");
      const refused = await logLine("SIGHUP", first.count);
      assert.equal(refused.line["level"], "warn");
      assert.match(String(refused.line["msg"]), /settings not reloaded/);
      assert.match(JSON.stringify(refused.line["err"]), /max-users: expected a whole number/);
      peers[1]!.close();
      await peers[1]!.whenClosed;
      await new Promise((r) => setTimeout(r, 200));
      const dave = await RawLab.login(port, "dave"); // still max-users 2: one place free again
      peers.push(dave);
    } finally {
      for (const p of peers) p.close();
      assert.equal(await server.stop(), 0);
    }
  });
});

describe("switchboard check-config", () => {
  it("accepts the shipped example and a small valid file, listing what the file sets", async () => {
    const example = await runCli(["check-config", join(REPO_ROOT, "switchboard.example.yaml")]);
    assert.equal(example.code, 0, example.stderr);
    assert.match(example.stdout, /switchboard\.example\.yaml: ok \(no settings: every default\)/);
    const small = fileWith("msg-rate: 20\nlab-port: off\n");
    const r = await runCli(["check-config", small]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${small}: ok (2 settings: lab-port, msg-rate)\n`);
  });

  it("prints every problem and exits 1, without reading the environment", async () => {
    const path = fileWith("msg-rate: 5\nmsg-burst: 0\nlab_port: 1\n");
    const r = await runCli(["check-config", path], { SWITCHBOARD_MSG_BURST: "9" });
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split("\n").sort(), [`${path}: lab_port: unknown setting (did you mean lab-port?)`]);
    const cross = fileWith("msg-rate: 5\nmsg-burst: 0\n");
    const c = await runCli(["check-config", cross], { SWITCHBOARD_MSG_BURST: "9" });
    assert.equal(c.code, 1);
    assert.equal(c.stderr, `${cross}: msg-burst: must be at least 1 while msg-rate is not 0\n`);
  });
});
