/**
 * Adding a dialect is one folder and one entry in the list of dialects: a toy echo
 * dialect (test/fixtures/echo-dialect/, registered here only) gets serve's
 * `--echo-port` setting (flag, environment variable, YAML key), is started by
 * startSwitchboard with the others, and chats with a lab user through the hub; /metrics
 * and the status page count it like any other.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serveSettings, switchboardConfigOf } from "../../src/app/settings.js";
import { startSwitchboard, type RunningSwitchboard } from "../../src/app/switchboard.js";
import { readConfigFile, resolveSettings } from "../../src/config/load.js";
import { silentLog } from "../../src/log/ops-log.js";
import { DIALECTS } from "../../src/protocols/registry.js";
import { echo } from "../fixtures/echo-dialect/index.js";
import { RawLab } from "../helpers/lab-wire.js";
import { httpGet, parseExposition } from "../helpers/metrics.js";
import { tempDir } from "../helpers/server.js";

const WITH_ECHO = [...DIALECTS, echo] as const;

describe("a sixth dialect, registered by a test", () => {
  const table = serveSettings(WITH_ECHO);
  let running: RunningSwitchboard;
  let ports: Record<string, number>;

  before(async () => {
    // serve's path: a YAML file read against the table, resolved, made into the config.
    const dataDir = tempDir("sb-echo-");
    const file = join(dataDir, "switchboard.yaml");
    writeFileSync(file, "host: 127.0.0.1\necho-port: 0\nlab-port: 0\ngowing-port: off\nbcs-port: off\ncs262-port: off\nudp-port: off\nweb-port: off\nhttp-port: 0\n");
    const read = readConfigFile(table, file);
    assert.deepEqual(read.problems, []);
    const { settings, given, problems } = resolveSettings(table, { "data-dir": dataDir }, read.values);
    assert.deepEqual(problems, []);
    running = await startSwitchboard(switchboardConfigOf(settings, given, WITH_ECHO), silentLog, WITH_ECHO);
    ports = Object.fromEntries(running.listeners.map((l) => [l.name, l.port]));
  });

  after(() => running?.close());

  it("has serve's --echo-port setting, with its default port, made from its declaration", () => {
    const port = table.setting("echo-port");
    assert.equal(port.default, 9007);
    assert.equal(port.help, "echo listener");
    assert.equal(table.defaultText("echo-port"), "9007");
    assert.ok(table.keysOf("listeners").includes("echo-port"));
    assert.match(table.setting("proxy-protocol").help, /^every lab, gowing, bcs, cs262 and echo connection starts/);
  });

  it("is started after the registry's dialects, before HTTP", () => {
    assert.deepEqual(
      running.listeners.map((l) => [l.name, l.transport]),
      [["lab", "tcp"], ["echo", "tcp"], ["http", "tcp"]],
    );
  });

  it("chats with a lab user through the hub, both ways", async () => {
    const alice = await RawLab.login(ports["lab"]!, "alice");
    const toy = await RawLab.open(ports["echo"]!);
    try {
      toy.write("toy\n");
      assert.equal(await toy.next(), "welcome toy");

      alice.write("LIST\n");
      assert.equal(await alice.next(), "LIST-OK alice,toy");

      alice.write("SEND toy hello from lab\n");
      assert.equal(await toy.next(), "alice (to you): hello from lab");
      assert.equal(await alice.next(), "SEND-OK");

      toy.write("hello from echo\n");
      assert.equal(await toy.next(), "echo hello from echo");
      assert.equal(await alice.next(), "DELIVERY toy hello from echo");

      toy.write("@alice just you\n");
      assert.equal(await toy.next(), "echo @alice just you");
      assert.equal(await alice.next(), "DELIVERY toy just you");

      toy.write("@nobody hi\n");
      assert.equal(await toy.next(), "error user_unknown");

      // /metrics and the status page count it like the others.
      const metrics = parseExposition((await httpGet(ports["http"]!, "/metrics")).body).samples;
      const online = metrics.filter((s) => s.name === "switchboard_users_online").map((s) => [s.labels["dialect"], s.value]);
      assert.deepEqual(online, [["lab", 1], ["echo", 1]]);
      const listenerUp = metrics.filter((s) => s.name === "switchboard_listener_up").map((s) => s.labels["listener"]);
      assert.deepEqual(listenerUp, ["lab", "echo"]);
      const status = JSON.parse((await httpGet(ports["http"]!, "/status.json")).body) as { online: { dialect: string; names: string[] }[] };
      assert.deepEqual(status.online.map((g) => [g.dialect, g.names]), [["lab", ["alice"]], ["echo", ["toy"]]]);
    } finally {
      alice.close();
      toy.close();
    }
  });
});
