/**
 * `switchboard check client cs262` (issue 19): every case passes for our own cs262
 * client in both numberings, on a pipe and on a pseudo-terminal, with --strict, started
 * as the user would start it (`switchboard client cs262 --host {host} --port {port}
 * --wire-version N`).
 */
import { describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { CS262_CLIENT_CASES } from "../../src/check/suites/cs262/client.js";
import { assertAllPass, runSuite } from "../helpers/check-suite.js";
import { CLI } from "../helpers/server.js";

const settings = (wireVersion: 0 | 1, tty: boolean): CheckSettings => ({
  dialect: "cs262",
  view: "hex",
  wireVersion,
  client: {
    argv: [process.execPath, CLI("switchboard"), "client", "cs262", "--host", "{host}", "--port", "{port}", "--wire-version", String(wireVersion)],
    tty,
    host: "127.0.0.1",
    port: 0,
  },
});

describe("check client cs262 against our cs262 client", () => {
  for (const version of [1, 0] as const) {
    for (const tty of [false, true]) {
      it(`passes every case with --wire-version ${version} on a ${tty ? "pseudo-terminal" : "pipe"}`, async () => {
        assertAllPass(await runSuite(CS262_CLIENT_CASES, settings(version, tty), { strict: true }), CS262_CLIENT_CASES, true);
      });
    }
  }
});
