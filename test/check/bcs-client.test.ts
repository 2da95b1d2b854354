/**
 * `switchboard check client bcs` (issue 19): every case passes for our own bcs client,
 * on a pipe and on a pseudo-terminal, with --strict, started as the user would start it
 * (`switchboard client bcs -h {host} -p {port}`; each case appends `-u <name>`).
 */
import { describe, it } from "node:test";
import type { CheckSettings } from "../../src/check/context.js";
import { BCS_CLIENT_CASES } from "../../src/check/suites/bcs/client.js";
import { assertAllPass, runSuite } from "../helpers/check-suite.js";
import { CLI } from "../helpers/server.js";

const settings = (tty: boolean): CheckSettings => ({
  dialect: "bcs",
  view: "hex",
  client: { argv: [process.execPath, CLI("switchboard"), "client", "bcs", "-h", "{host}", "-p", "{port}"], tty, host: "127.0.0.1", port: 0 },
});

describe("check client bcs against our bcs client", () => {
  it("passes every case on a pipe", async () => {
    assertAllPass(await runSuite(BCS_CLIENT_CASES, settings(false), { strict: true }), BCS_CLIENT_CASES, true);
  });

  it("passes every case on a pseudo-terminal", async () => {
    assertAllPass(await runSuite(BCS_CLIENT_CASES, settings(true), { strict: true }), BCS_CLIENT_CASES, true);
  });

  it("passes the login cases as bcs_client, the seed's name for it", async () => {
    const own: CheckSettings = { ...settings(false), client: { ...settings(false).client!, argv: [process.execPath, CLI("bcs-client"), "-h", "{host}", "-p", "{port}"] } };
    const login = BCS_CLIENT_CASES.filter((c) => c.id.startsWith("login."));
    assertAllPass(await runSuite(login, own, { strict: true }), login, true);
  });
});
