/**
 * `switchboard check client lab` (issue 19): every case passes for our lab client on a
 * pipe and on a pty, and every case fails for at least one deliberately faulty client
 * (test/fixtures/check/lab-faulty-client.ts).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SUITES } from "../../src/check/suites/index.js";
import { LAB_CLIENT_FAULTS } from "../fixtures/check/lab-faulty-client.js";
import { assertAllPass, assertFaultForEveryCase, clientSettings, firstFailingFault, runSuite } from "../helpers/check.js";
import { CLI, REPO_ROOT } from "../helpers/server.js";

const CASES = SUITES.lab.client;
const OUR_CLIENT = [process.execPath, CLI("switchboard"), "client", "lab", "--address", "{host}", "--port", "{port}"];
const FAULTY = join(REPO_ROOT, "dist/test/fixtures/check/lab-faulty-client.js");
const faultyClient = (fault: string) => [process.execPath, FAULTY, "--fault", fault, "--port", "{port}"];

describe("switchboard check client lab", () => {
  for (const tty of [false, true]) {
    it(`passes every case for our lab client on a ${tty ? "pty" : "pipe"}, strict ones included`, { timeout: 120_000 }, async () => {
      assertAllPass(await runSuite(CASES, clientSettings("lab", OUR_CLIENT, tty), { strict: true }), CASES.length);
    });
  }

  it("`switchboard check client lab -- switchboard client lab --port {port}` exits 0", { timeout: 120_000 }, async () => {
    const check = spawn(process.execPath, [CLI("switchboard"), "check", "client", "lab", "--only", "login,who", "--", process.execPath, CLI("switchboard"), "client", "lab", "--port", "{port}"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    check.stdout.on("data", (d) => (out += d));
    check.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => check.on("close", resolve));
    assert.equal(code, 0, out);
    const ran = CASES.filter((c) => !c.strict && (c.id === "who" || c.id.startsWith("login."))).length;
    assert.match(out, new RegExp(`^${ran} passed, 0 failed, \\d+ skipped$`, "m"));
  });

  it("passes every case for the faultless version of the faulty client (the control)", { timeout: 60_000 }, async () => {
    assertAllPass(await runSuite(CASES, clientSettings("lab", faultyClient("none"), false), { strict: true }), CASES.length);
  });

  it("fails every case for at least one deliberately faulty client", { timeout: 120_000 }, async () => {
    const faults = LAB_CLIENT_FAULTS.filter((f) => f !== "none");
    // Full waits: a process starts per case, and a slow start must not pass for a fault caught.
    const found = await firstFailingFault(CASES, faults, async (fault, c) => (await runSuite([c], clientSettings("lab", faultyClient(fault), false), { strict: true }))[0]!, 3);
    assertFaultForEveryCase(found);
  });
});
