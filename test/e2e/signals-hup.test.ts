/**
 * SIGHUP against real server processes, as logrotate uses it: after a log file is moved
 * away, HUP makes the server write a new one at the old path, while the moved file keeps
 * only what came before. Then the caller's reload runs, and one line says what was done.
 * A file that cannot be reopened, or a reload that fails, never stops the server.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, serveOnly, spawnServer, tempDir, type SpawnedServer } from "../helpers/server.js";
import { eventually, jsonLines, spawnRunServer } from "../helpers/signals.js";

const TIMEOUT = { timeout: 60_000 };
const NO_ABUSE_LIMITS = ["--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0"];
const LOOPBACK = { host: "127.0.0.1", port: 0 };

const read = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

/** The SIGHUP lines of the operational log so far (JSON on stderr, or in `file`). */
function hupLines(text: string): Record<string, unknown>[] {
  return jsonLines(text).filter((l) => String(l["msg"]).startsWith("SIGHUP"));
}

/** Send SIGHUP and wait for its line (the `count`-th one) in the ops log. */
async function hangUp(server: SpawnedServer, count = 1, log = () => server.stderr()): Promise<Record<string, unknown>> {
  server.child.kill("SIGHUP");
  const lines = await eventually(() => hupLines(log()), (l) => l.length >= count);
  return lines[count - 1]!;
}

async function stop(server: SpawnedServer): Promise<void> {
  assert.equal(await server.stop(), 0, server.stderr());
}

describe("SIGHUP", TIMEOUT, () => {
  it("makes bcs write a new chat log after logrotate moved the old one; the old keeps only the old lines", async () => {
    const dir = tempDir("sb-hup-bcs-");
    const log = join(dir, "chat.log");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0" }), ...NO_ABUSE_LIMITS, "--data-dir", dir, "--bcs-log", log]);
    const { peer } = await RawBcs.login(server.ports["bcs"]!, "rotator");
    try {
      const say = async (message: string): Promise<void> => {
        peer.send({ type: FrameType.Send, message });
        const ok = await peer.next();
        assert.equal(ok?.type === FrameType.Status && ok.code, 0);
      };
      await say("before rotation");
      await eventually(() => read(log), (t) => t.includes("message rotator: before rotation"));
      renameSync(log, `${log}.1`);

      const line = await hangUp(server);
      assert.deepEqual(line["reopened"], [log]);
      assert.equal(line["level"], "info");
      await say("after rotation");
      await eventually(() => read(log), (t) => t.includes("message rotator: after rotation"));
      assert.doesNotMatch(read(log), /before rotation/);
      const old = read(`${log}.1`);
      assert.match(old, /registered rotator \(bcs\) from 127\.0\.0\.1:\d+\n/);
      assert.match(old, /message rotator: before rotation\n/);
      assert.doesNotMatch(old, /after rotation/);
    } finally {
      peer.close();
      await stop(server);
    }
  });

  it("makes gowing write new connections.log and chat.log in its log directory", async () => {
    const dir = tempDir("sb-hup-gowing-");
    const logs = join(dir, "logs");
    const connections = join(logs, "connections.log");
    const chat = join(logs, "chat.log");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ gowing: "0" }), ...NO_ABUSE_LIMITS, "--data-dir", dir, "--gowing-log-dir", logs]);
    const peers: RawGowing[] = [];
    try {
      peers.push(await RawGowing.joined(server.ports["gowing"]!, "early"));
      await eventually(() => read(chat), (t) => t.includes("**early is joining the chat**"));
      renameSync(connections, `${connections}.1`);
      renameSync(chat, `${chat}.1`);

      const line = await hangUp(server);
      assert.deepEqual([...(line["reopened"] as string[])].sort(), [chat, connections]);
      peers.push(await RawGowing.joined(server.ports["gowing"]!, "late"));
      await eventually(() => read(chat), (t) => t.includes("**late is joining the chat**"));
      await eventually(() => read(connections), (t) => /requests name "late": accepted/.test(t));
      assert.doesNotMatch(read(chat), /early/);
      assert.doesNotMatch(read(connections), /early/);
      assert.match(read(`${chat}.1`), /\*\*early is joining the chat\*\*\n$/);
      assert.match(read(`${connections}.1`), /requests name "early": accepted\n$/);
    } finally {
      for (const p of peers) p.close();
      await stop(server);
    }
  });

  it("reopens the operational log file, then reloads, and says both in one line in the new file", async () => {
    const dir = tempDir("sb-hup-ops-");
    const file = join(dir, "ops.log");
    const server = await spawnRunServer({
      config: { dataDir: dir, lab: { ...LOOPBACK, bots: [] } },
      log: { file, level: "info" },
      reload: { level: "debug", changed: ["msg-rate: 50 -> 20"] },
    });
    try {
      assert.equal(server.stderr(), "", "the log goes to its file, not to stderr");
      await eventually(() => read(file), (t) => t.includes('"msg":"ready"'));
      renameSync(file, `${file}.1`);

      const line = await hangUp(server, 1, () => read(file));
      assert.deepEqual(line["reopened"], [file]);
      assert.deepEqual(line["changed"], ["msg-rate: 50 -> 20", "log level: info -> debug"]);
      assert.equal(line["msg"], "SIGHUP: reopened 1 log file; changed msg-rate: 50 -> 20, log level: info -> debug");
      // The level changed live: a connection is now logged (debug).
      const lab = await RawLab.open(server.ports["lab"]!);
      await eventually(() => jsonLines(read(file)), (lines) => lines.some((l) => l["msg"] === "connection" && l["level"] === "debug"));
      lab.close();
      assert.doesNotMatch(read(`${file}.1`), /SIGHUP/);
      assert.match(read(`${file}.1`), /"msg":"ready"/);
    } finally {
      await stop(server);
    }
  });

  it("keeps serving, and says so, when a log file cannot be reopened or the reload fails", async () => {
    const dir = tempDir("sb-hup-fail-");
    const logs = join(dir, "logs");
    const server = await spawnRunServer({
      config: { dataDir: dir, gowing: { ...LOOPBACK, logDir: logs } },
      reload: { fail: "msg-rate: not a number" },
    });
    const peers: RawGowing[] = [];
    try {
      renameSync(logs, `${logs}.gone`); // the directory itself is gone: nothing can be opened there
      const line = await hangUp(server);
      assert.equal(line["level"], "warn");
      assert.deepEqual(line["reopened"], []);
      assert.equal((line["failed"] as string[]).length, 2);
      assert.match(String(line["msg"]), /2 could not be reopened \(still writing the old\); settings not reloaded/);
      assert.match(JSON.stringify(line["err"]), /msg-rate: not a number/);

      // Still serving, still logging to the old (moved) files; a second HUP is fine too.
      peers.push(await RawGowing.joined(server.ports["gowing"]!, "survivor"));
      await eventually(() => read(join(`${logs}.gone`, "chat.log")), (t) => t.includes("**survivor is joining the chat**"));
      await hangUp(server, 2);
      peers[0]!.send(GowingType.List);
      assert.deepEqual(await peers[0]!.next(), { type: GowingType.List, text: "survivor" });
    } finally {
      for (const p of peers) p.close();
      await stop(server);
    }
  });
});
