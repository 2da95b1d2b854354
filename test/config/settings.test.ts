/** The settings table, the file reader and the merge (src/config/). */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Command } from "commander";
import { README_BEGIN, README_END, exampleYaml, settingsMarkdown } from "../../src/config/docs.js";
import { readConfigFile as readFile, resolveSettings as resolve, type FileValues, type Resolved } from "../../src/config/load.js";
import { envName, type Setting } from "../../src/config/settings.js";
import { limitsOfSettings, SERVE_SETTINGS, switchboardConfigOf, type ServeSettingDefs } from "../../src/app/settings.js";
import { duration } from "../../src/config/kinds.js";
import { addSettingOptions, valuesByKey } from "../../src/cli/setting-options.js";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { REPO_ROOT, tempDir } from "../helpers/server.js";

const SETTINGS = SERVE_SETTINGS.settings;
const SETTING_KEYS = SERVE_SETTINGS.keys;
type Values = Parameters<typeof resolve<ServeSettingDefs>>[1];
const readConfigFile = (path: string): FileValues<ServeSettingDefs> => readFile(SERVE_SETTINGS, path);
const resolveSettings = (fromCommandLine: Values, fromFile: Values): Resolved<ServeSettingDefs> => resolve(SERVE_SETTINGS, fromCommandLine, fromFile);

function fileWith(text: string): string {
  const path = join(tempDir("sb-config-"), "switchboard.yaml");
  writeFileSync(path, text);
  return path;
}

describe("the docs made from the settings table", () => {
  it("the README's settings block is exactly what `npm run docs` makes (run it after changing a setting)", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const begin = readme.indexOf(README_BEGIN);
    const end = readme.indexOf(README_END);
    assert.ok(begin >= 0 && end > begin, "README.md has the settings markers");
    assert.equal(readme.slice(begin + README_BEGIN.length, end), "\n\n" + settingsMarkdown(SERVE_SETTINGS) + "\n");
  });

  it("switchboard.example.yaml is exactly what `npm run docs` makes", () => {
    assert.equal(readFileSync(join(REPO_ROOT, "switchboard.example.yaml"), "utf8"), exampleYaml(SERVE_SETTINGS));
  });

  it("every setting appears once in the README block and once in the example file", () => {
    const md = settingsMarkdown(SERVE_SETTINGS);
    const yaml = exampleYaml(SERVE_SETTINGS);
    for (const key of SETTING_KEYS) {
      assert.equal(md.split(`| \`${key}\` |`).length, 2, `${key} in the README table once`);
      assert.equal(yaml.split(`\n#${key}: `).length, 2, `${key} in the example once`);
    }
  });

  it("the example file, uncommented, is valid and gives every default back", () => {
    const uncommented = exampleYaml(SERVE_SETTINGS).replace(/^#([a-z0-9-]+: )/gm, "$1");
    const file = readConfigFile(fileWith(uncommented));
    assert.deepEqual(file.problems, []);
    const { settings, problems } = resolveSettings({}, file.values);
    assert.deepEqual(problems, []);
    for (const key of SETTING_KEYS) {
      const s = SETTINGS[key] as Setting<unknown>;
      assert.deepEqual(settings[key], s.default ?? s.example, key);
    }
    assert.deepEqual(limitsOfSettings(settings), { ...DEFAULT_LIMITS });
  });
});

describe("reading a settings file", () => {
  it("reads durations, sizes, ports, yes/no and lists, from YAML numbers or text", () => {
    const file = readConfigFile(
      fileWith("login-timeout: 5\nack-timeout: 1.5m\nqueue-bytes: 64KB\nmax-file-size: 1048576\nlab-port: off\nbcs-port: 0\nproxy-protocol: yes\nlog-client-ips: false\nbots: [echobot]\nudp-rate: 0\n"),
    );
    assert.deepEqual(file.problems, []);
    assert.deepEqual(file.values, {
      "login-timeout": 5000,
      "ack-timeout": 90_000,
      "queue-bytes": 65536,
      "max-file-size": 1048576,
      "lab-port": "off",
      "bcs-port": 0,
      "proxy-protocol": true,
      "log-client-ips": false,
      bots: ["echobot"],
      "udp-rate": 0,
    });
  });

  it("an empty file (or only comments) sets nothing", () => {
    for (const text of ["", "# nothing\n"]) assert.deepEqual(readConfigFile(fileWith(text)).values, {});
  });

  it("names the file, the key and the problem for every bad value, and takes none of them", () => {
    const path = fileWith("msg-rate: lots\nlab-port: 70000\nlogin-timeout: -3s\nqueue-bytes: 4 parsecs\nmax-message-bytes: 70000\nbots: echobot,nobot\nstore: postgres\nproxy-protocol: maybe\n");
    const { values, problems } = readConfigFile(path);
    assert.deepEqual(values, {});
    const byKey = new Map(problems.map((p) => [p.split(": ")[1], p]));
    assert.deepEqual([...byKey.keys()].sort(), ["bots", "lab-port", "login-timeout", "max-message-bytes", "msg-rate", "proxy-protocol", "queue-bytes", "store"]);
    assert.equal(byKey.get("msg-rate"), `${path}: msg-rate: expected a whole number (got "lots")`);
    assert.match(byKey.get("lab-port")!, /expected a port from 0 to 65535.*\(got 70000\)$/);
    assert.match(byKey.get("login-timeout")!, /expected a positive duration/);
    assert.match(byKey.get("max-message-bytes")!, /at most 65000 \(got 70000\)$/);
    assert.match(byKey.get("store")!, /expected one of: sqlite, memory \(got "postgres"\)/);
    assert.match(byKey.get("proxy-protocol")!, /expected yes or no/);
  });

  it("refuses unknown keys, suggesting the likely one", () => {
    const path = fileWith("msg_rate: 5\nMSG-BURST: 3\nlisten: 1.2.3.4\n");
    assert.deepEqual(readConfigFile(path).problems.sort(), [
      `${path}: MSG-BURST: unknown setting (did you mean msg-burst?)`,
      `${path}: listen: unknown setting (switchboard.example.yaml lists every setting)`,
      `${path}: msg_rate: unknown setting (did you mean msg-rate?)`,
    ]);
  });

  it("reports YAML errors with their line, a file that is not a mapping, and a file that cannot be read", () => {
    assert.match(readConfigFile(fileWith("a: [\n")).problems[0]!, /switchboard\.yaml: .*line 2, column 1$/);
    assert.match(readConfigFile(fileWith("msg-rate: 1\nmsg-rate: 2\n")).problems[0]!, /Map keys must be unique at line 2/);
    assert.match(readConfigFile(fileWith("- a\n- b\n")).problems[0]!, /expected a mapping of settings .* found a list/);
    assert.match(readConfigFile(join(tempDir(), "missing.yaml")).problems[0]!, /missing\.yaml: cannot read: ENOENT/);
  });
});

describe("merging flags, environment variables, the file and the defaults", () => {
  /** What a command line (and environment) gives, through the real commander options. */
  function commandLine(args: string[], env: Record<string, string> = {}) {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const cmd = addSettingOptions(new Command("serve").exitOverride().configureOutput({ writeErr: () => undefined }), SETTING_KEYS);
      cmd.parse(args, { from: "user" });
      return valuesByKey(cmd.opts(), SETTING_KEYS);
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  it("a flag beats its environment variable, which beats the file, which beats the default", () => {
    const file = readConfigFile(fileWith("msg-rate: 1\nmsg-burst: 2\nmax-users: 3\n")).values;
    const cl = commandLine(["--msg-rate", "10"], { SWITCHBOARD_MSG_RATE: "20", SWITCHBOARD_MSG_BURST: "30" });
    const { settings, given } = resolveSettings(cl, file);
    assert.equal(settings["msg-rate"], 10); // flag
    assert.equal(settings["msg-burst"], 30); // environment
    assert.equal(settings["max-users"], 3); // file
    assert.equal(settings["queue-frames"], DEFAULT_LIMITS.queueFrames); // default
    assert.deepEqual([...given].sort(), ["max-users", "msg-burst", "msg-rate"]);
  });

  it("every setting is read from its environment variable, through the setting's own parser", () => {
    for (const key of SETTING_KEYS) {
      const s = SETTINGS[key] as Setting<unknown>;
      const value = s.default ?? s.example;
      const text = Array.isArray(value) ? value.join(",") : s.kind.format(value);
      // A non-default value where one is easy to make, so the default cannot pass for it:
      // the number written bare, which a duration reads as seconds and every other kind as itself.
      const [envText, expected] =
        typeof value === "number" && key !== "udp-port" ? [String(value + 1000), s.kind === duration ? (value + 1000) * 1000 : value + 1000] : [text, value];
      const got = commandLine([], { [envName(key)]: envText })[key];
      assert.deepEqual(got, expected, `${key} from ${envName(key)}=${envText}`);
      assert.notEqual(got, undefined, `${envName(key)} is read`);
    }
    assert.equal(commandLine([], { SWITCHBOARD_LAB_PORT: "off" })["lab-port"], "off");
    assert.equal(commandLine([], { SWITCHBOARD_PROXY_PROTOCOL: "no" })["proxy-protocol"], false);
    assert.equal(commandLine(["--proxy-protocol"])["proxy-protocol"], true);
    assert.throws(() => commandLine([], { SWITCHBOARD_MSG_RATE: "x" }), /SWITCHBOARD_MSG_RATE.*expected a whole number/);
  });

  it("refuses a burst of 0 with a rate, wherever each came from", () => {
    assert.deepEqual(resolveSettings({ "msg-burst": 0 }, {}).problems, ["msg-burst: must be at least 1 while msg-rate is not 0"]);
    assert.deepEqual(resolveSettings({ "msg-burst": 0 }, { "msg-rate": 0 }).problems, []);
  });

  it("udp takes msg-rate only when it was set, and its own udp-rate over it", () => {
    const udpRate = (cl: Parameters<typeof resolveSettings>[0], file: Parameters<typeof resolveSettings>[1] = {}) => {
      const r = resolveSettings(cl, file);
      return switchboardConfigOf(r.settings, r.given).udp!.rate;
    };
    assert.deepEqual(udpRate({}), { perSecond: 10, burst: 20 });
    assert.deepEqual(udpRate({}, { "msg-rate": 30, "msg-burst": 60 }), { perSecond: 30, burst: 60 });
    assert.deepEqual(udpRate({ "udp-rate": 3 }, { "msg-rate": 30 }), { perSecond: 3, burst: 20 });
  });

  it("runs on its own without cluster, and as a named node of one with it", () => {
    const alone = resolveSettings({}, {});
    assert.equal(switchboardConfigOf(alone.settings, alone.given).cluster, undefined);
    const cl = commandLine(["--cluster", "nats://10.0.0.5:4222, tls://n2.example.org:4222,10.0.0.7:4222", "--node-name", "chat-1", "--cluster-replicas", "3"]);
    const node = resolveSettings(cl, { "cluster-user": "sb", "cluster-password": "pw" });
    assert.deepEqual(node.problems, []);
    assert.deepEqual(switchboardConfigOf(node.settings, node.given).cluster, {
      servers: ["nats://10.0.0.5:4222", "tls://n2.example.org:4222", "nats://10.0.0.7:4222"],
      node: "chat-1",
      credsFile: undefined,
      user: "sb",
      password: "pw",
      caFile: undefined,
      replicas: 3,
      namespace: "sb",
    });
    // Without a node name: the host name and the process id, a valid node name.
    const unnamed = resolveSettings({ cluster: ["nats://127.0.0.1:4222"] }, {});
    assert.match(switchboardConfigOf(unnamed.settings, unnamed.given).cluster!.node, new RegExp(`^[A-Za-z0-9_-]+-${process.pid}$`));
    assert.throws(() => commandLine(["--cluster", "http://x:1"]), /expected a comma-separated list of NATS servers/);
    assert.throws(() => commandLine(["--node-name", "a.b"]), /expected 1-64 of A-Z a-z 0-9 _ -/);
    assert.deepEqual(resolveSettings({ "cluster-replicas": 0 }, {}).problems, ["cluster-replicas: must be from 1 to 5 (JetStream keeps at most 5 copies)"]);
    assert.deepEqual(resolveSettings({ "cluster-user": "sb" }, {}).problems, ["cluster-user and cluster-password: give both or neither"]);
  });
});
