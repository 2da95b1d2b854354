/**
 * The acceptance of issue 19 as a user runs it, for bcs and cs262: `switchboard check
 * server <d> --strict --json` against `switchboard server <d>` started as a process
 * (short timeouts, so the unresponsive-client cases are quick) exits 0 with every case
 * passed; the same against a port where nothing answers exits 1.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { JsonReport } from "../../src/check/report.js";
import { CLI, spawnServer, tempDir } from "../helpers/server.js";

const SHORT = ["--ack-timeout", "1500ms", "--login-timeout", "1s", "--stall-timeout", "1s"];

function check(args: string[]): Promise<{ code: number; report: JsonReport }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI("switchboard"), "check", ...args, "--json"], { timeout: 100_000 }, (err, stdout) => {
      if (err && typeof err.code !== "number") return reject(err);
      resolve({ code: typeof err?.code === "number" ? err.code : 0, report: JSON.parse(stdout) as JsonReport });
    }),
  );
}

describe("switchboard check server, bcs and cs262, as processes", () => {
  it("bcs: every case passes against switchboard server bcs, with --strict", async () => {
    const dir = tempDir();
    const server = await spawnServer(CLI("switchboard"), ["server", "bcs", "--host", "127.0.0.1", "--port", "0", "-f", join(dir, "files"), ...SHORT]);
    try {
      const { code, report } = await check(["server", "bcs", "--port", String(server.ports["bcs"]), "--strict", "--time-scale", "0.5"]);
      assert.deepEqual(report.results.filter((r) => r.status !== "PASS"), []);
      assert.equal(code, 0);
      assert.equal(report.summary.failed, 0);
    } finally {
      await server.stop();
    }
  });

  it("cs262: every case passes against switchboard server cs262, version 0, with --strict", async () => {
    const dir = tempDir();
    const server = await spawnServer(CLI("switchboard"), ["server", "cs262", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir, ...SHORT.slice(2)]);
    try {
      const { code, report } = await check(["server", "cs262", "--port", String(server.ports["cs262"]), "--wire-version", "0", "--strict", "--time-scale", "0.5"]);
      assert.deepEqual(report.results.filter((r) => r.status !== "PASS"), []);
      assert.equal(code, 0);
    } finally {
      await server.stop();
    }
  });

  it("exits 1 when cases fail (nothing listening)", async () => {
    const { code, report } = await check(["server", "bcs", "--port", "1", "--only", "register.ok,send.ok"]);
    assert.equal(code, 1);
    assert.deepEqual(report.results.map((r) => r.status), ["FAIL", "FAIL"]);
  });
});
