/**
 * `switchboard check client cs262` (issue 19): every case passes for our own cs262
 * client in both numberings, on a pipe and on a pseudo-terminal, with --strict, started
 * as the user would start it (`switchboard client cs262 --host {host} --port {port}
 * --wire-version N`).
 */
import { describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { CS262_CLIENT_CASES } from "../../src/check/suites/cs262/client.js";
import { assertAllPass, runSuite } from "./check-suite.js";
import { CLI } from "./server.js";

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

/** The tests of one of them (test/check/cs262-client.test.ts: a pipe; cs262-client-pty.test.ts: a pty; a test file has two minutes). */
export function passesEveryCase(tty: boolean): void {
  describe(`check client cs262 against our cs262 client on a ${tty ? "pseudo-terminal" : "pipe"}`, () => {
    for (const version of [1, 0] as const) {
      it(`passes every case with --wire-version ${version}`, async () => {
        assertAllPass(await runSuite(CS262_CLIENT_CASES, settings(version, tty), { strict: true }), CS262_CLIENT_CASES, true);
      });
    }
  });
}

