/** SIGHUP's settings half (src/config/reload.ts), against a recording target. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Limits } from "../../src/app/limits.js";
import { SERVE_SETTINGS, type ServeSettingDefs } from "../../src/app/settings.js";
import { readConfigFile, resolveSettings } from "../../src/config/load.js";
import { SettingsReloader, type LiveTarget } from "../../src/config/reload.js";
import type { LimitsOf } from "../../src/config/settings.js";
import { tempDir } from "../helpers/server.js";

function recorder() {
  const calls: { limits: Limits[]; levels: string[] } = { limits: [], levels: [] };
  const target: LiveTarget<LimitsOf<ServeSettingDefs>> = {
    setLimits: (l) => void calls.limits.push({ ...l }),
    setLogLevel: (level) => void calls.levels.push(level),
  };
  return { calls, target };
}

function startedWith(path: string, fromCommandLine = {}) {
  const { settings } = resolveSettings(SERVE_SETTINGS, fromCommandLine, readConfigFile(SERVE_SETTINGS, path).values);
  return new SettingsReloader(SERVE_SETTINGS, path, fromCommandLine, settings);
}

describe("reloading settings on SIGHUP", () => {
  const path = join(tempDir("sb-reload-"), "switchboard.yaml");

  it("applies changed limits and the log level, reports restart-only changes, and says so in one line", () => {
    writeFileSync(path, "msg-rate: 50\nlab-port: 5378\n");
    const reloader = startedWith(path);
    writeFileSync(path, "msg-rate: 20\nmax-users: 3\nlog-level: debug\nlab-port: 6000\n");
    const { calls, target } = recorder();
    assert.deepEqual(reloader.reload(target), ["lab-port (not applied until a restart)", "log-level info -> debug", "max-users 0 -> 3", "msg-rate 50 -> 20"]);
    assert.equal(calls.limits.length, 1);
    assert.equal(calls.limits[0]!.msgRate, 20);
    assert.equal(calls.limits[0]!.maxUsers, 3);
    assert.deepEqual(calls.levels, ["debug"]);
    // Nothing new: the restart-only change is still reported, nothing is applied again.
    const again = recorder();
    assert.deepEqual(reloader.reload(again.target), ["lab-port (not applied until a restart)"]);
    assert.deepEqual(again.calls, { limits: [], levels: [] });
  });

  it("keeps a flag's value over the file's on reload", () => {
    writeFileSync(path, "msg-rate: 50\n");
    const reloader = startedWith(path, { "msg-rate": 7 });
    writeFileSync(path, "msg-rate: 20\nmsg-burst: 9\n");
    const { calls, target } = recorder();
    assert.deepEqual(reloader.reload(target), ["msg-burst 100 -> 9"]);
    assert.equal(calls.limits[0]!.msgRate, 7);
  });

  it("changes nothing when the file has a problem, and says which", () => {
    writeFileSync(path, "msg-rate: 50\n");
    const reloader = startedWith(path);
    writeFileSync(path, "msg-rate: fast\n");
    const { calls, target } = recorder();
    assert.throws(() => reloader.reload(target), /switchboard\.yaml: msg-rate: expected a whole number/);
    assert.deepEqual(calls, { limits: [], levels: [] });
  });

  it("has nothing to re-read without a file", () => {
    const { settings } = resolveSettings(SERVE_SETTINGS, {}, {});
    assert.deepEqual(new SettingsReloader(SERVE_SETTINGS, undefined, {}, settings).reload(recorder().target), []);
  });
});
