/**
 * contrib/: the systemd unit and the logrotate file. What this machine can check is
 * checked by the real tools (systemd-analyze verify; logrotate when installed, or at
 * $LOGROTATE); running the unit under systemd is not possible here (no systemd as PID 1),
 * so the unit's essentials are also read from the file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, REPO_ROOT, tempDir } from "../helpers/server.js";
import { dryParse } from "./dry-parse.js";
import { SERVE_SETTINGS } from "../../src/app/settings.js";

const UNIT_PATH = join(REPO_ROOT, "contrib/switchboard.service");
const LOGROTATE_PATH = join(REPO_ROOT, "contrib/logrotate.d/switchboard");
/** The server's default shutdown deadline: systemd must wait longer before its SIGKILL. */
const DEFAULT_SHUTDOWN_DEADLINE_S = SERVE_SETTINGS.settings["shutdown-deadline"].default / 1000;
const TIMEOUT = { timeout: 30_000 };

/** `Key=value` lines of one section (a key given twice keeps every value, in order). */
function section(text: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[")) {
      current = line.slice(1, -1);
      continue;
    }
    if (current !== name) continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function seconds(value: string): number {
  const m = /^(\d+)(s|min)?$/.exec(value);
  assert.ok(m, `not a duration this test reads: ${value}`);
  return Number(m[1]) * (m[2] === "min" ? 60 : 1);
}

const unit = readFileSync(UNIT_PATH, "utf8");
const service = section(unit, "Service");
const one = (key: string): string | undefined => service.get(key)?.at(-1);

describe("contrib/switchboard.service", () => {
  it("runs `switchboard serve --config /etc/switchboard/switchboard.yaml` as a dedicated user", () => {
    const exec = one("ExecStart")!;
    assert.match(exec, /^\/\S+\/switchboard serve --config \/etc\/switchboard\/switchboard\.yaml$/);
    assert.ok(one("User") !== undefined && one("User") !== "root", "a dedicated user");
    assert.equal(one("Type"), "exec");
  });

  it("starts with arguments that `switchboard` parses", async () => {
    const args = one("ExecStart")!.split(/\s+/).slice(1);
    const parsed = await dryParse(args);
    assert.ok("path" in parsed && parsed.path.join(" ") === "serve", JSON.stringify(args));
  });

  it("reloads with SIGHUP, stops with SIGTERM and waits longer than the shutdown deadline", () => {
    assert.equal(one("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert.equal(one("KillSignal"), "SIGTERM");
    assert.ok(seconds(one("TimeoutStopSec")!) > DEFAULT_SHUTDOWN_DEADLINE_S, one("TimeoutStopSec"));
    assert.equal(one("Restart"), "on-failure");
  });

  it("raises the open-file limit well above 10,000 connections", () => {
    assert.ok(Number(one("LimitNOFILE")) >= 65536, one("LimitNOFILE"));
  });

  it("keeps its data in the state directory, which is also its working directory", () => {
    assert.equal(one("StateDirectory"), "switchboard");
    assert.equal(one("WorkingDirectory"), "/var/lib/switchboard");
    assert.equal(one("LogsDirectory"), "switchboard");
  });

  it("is hardened, without what would stop node (MemoryDenyWriteExecute breaks V8's JIT)", () => {
    for (const [key, value] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["PrivateTmp", "yes"],
      ["ProtectHome", "yes"],
      ["CapabilityBoundingSet", ""],
    ]) {
      assert.equal(one(key!), value, key);
    }
    assert.deepEqual(one("ReadWritePaths")?.split(/\s+/).sort(), ["/var/lib/switchboard", "/var/log/switchboard"]);
    assert.notEqual(one("MemoryDenyWriteExecute"), "yes");
  });

  const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
  it("passes `systemd-analyze verify` with no warning", { ...TIMEOUT, skip: !analyze && "systemd-analyze is not installed" }, () => {
    // verify wants ExecStart's program to exist: point it at this checkout's build.
    const dir = tempDir("sb-unit-");
    const copy = join(dir, "switchboard.service");
    writeFileSync(copy, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath} ${CLI("switchboard")}`));
    const r = spawnSync("systemd-analyze", ["verify", copy], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "", "verify warns about nothing (an unknown key or a bad value is only a warning)");
  });

  it("the verify check would notice an unknown key", { ...TIMEOUT, skip: !analyze && "systemd-analyze is not installed" }, () => {
    const dir = tempDir("sb-unit-");
    const copy = join(dir, "switchboard.service");
    writeFileSync(copy, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath} ${CLI("switchboard")}`).replace("KillSignal=", "KillSignl="));
    const r = spawnSync("systemd-analyze", ["verify", copy], { encoding: "utf8", timeout: 20_000 });
    assert.match(r.stderr, /Unknown key/);
  });
});

/** logrotate from $LOGROTATE or the PATH, if any. */
function findLogrotate(): string | undefined {
  for (const candidate of [process.env["LOGROTATE"], "logrotate", "/usr/sbin/logrotate"]) {
    if (candidate !== undefined && spawnSync(candidate, ["--version"]).status === 0) return candidate;
  }
  return undefined;
}

describe("contrib/logrotate.d/switchboard", () => {
  const text = readFileSync(LOGROTATE_PATH, "utf8");

  it("reopens by SIGHUP through `systemctl reload`, never by copytruncate", () => {
    assert.match(text, /postrotate\n\s+.*systemctl reload switchboard\.service.*\n\s+endscript/);
    assert.match(text, /^\s+create 0640 switchboard switchboard$/m);
    assert.doesNotMatch(text, /^\s*copytruncate/m);
  });

  const logrotate = findLogrotate();
  it("rotates every log file once and runs the reload once", { ...TIMEOUT, skip: logrotate === undefined && "logrotate is not installed (set LOGROTATE to a binary)" }, () => {
    const dir = tempDir("sb-logrotate-");
    const logs = join(dir, "log");
    const dataLogs = join(dir, "data-logs");
    for (const d of [logs, join(logs, "gowing"), dataLogs, join(dataLogs, "gowing")]) mkdirSync(d);
    for (const name of ["ops.log", "chat.log", "gowing/chat.log"]) writeFileSync(join(logs, name), `${name}\n`);
    for (const name of ["bcs.log", "gowing/connections.log"]) writeFileSync(join(dataLogs, name), `${name}\n`);
    const group = spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();
    // The same file, with this test's directory, user and a reload that leaves a trace.
    const conf = join(dir, "switchboard");
    copyFileSync(LOGROTATE_PATH, conf);
    const adapted = readFileSync(conf, "utf8")
      .replaceAll("/var/log/switchboard", logs)
      .replaceAll("/var/lib/switchboard/data/logs", dataLogs)
      .replaceAll("switchboard switchboard", `${userInfo().username} ${group}`)
      .replace(/^(\s+)if systemctl .*$/m, `$1echo reload >> ${join(dir, "reloads")}`);
    writeFileSync(conf, adapted);
    chmodSync(conf, 0o644); // logrotate refuses a group- or world-writable config
    const r = spawnSync(logrotate!, ["--force", "--state", join(dir, "state"), conf], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(logs).sort(), ["chat.log", "chat.log.1", "gowing", "ops.log", "ops.log.1"]);
    // The chat logs where the config puts them, and in serve's default <data-dir>/logs.
    assert.deepEqual(readdirSync(join(logs, "gowing")).sort(), ["chat.log", "chat.log.1"]);
    assert.deepEqual(readdirSync(dataLogs).sort(), ["bcs.log", "bcs.log.1", "gowing"]);
    assert.deepEqual(readdirSync(join(dataLogs, "gowing")).sort(), ["connections.log", "connections.log.1"]);
    assert.equal(readFileSync(join(logs, "ops.log.1"), "utf8"), "ops.log\n");
    assert.equal(statSync(join(logs, "ops.log")).mode & 0o777, 0o640);
    assert.equal(readFileSync(join(dir, "reloads"), "utf8"), "reload\n", "sharedscripts: one reload for all files");
    assert.ok(existsSync(join(logs, "chat.log")));
  });
});
