/** The operational log's formats, levels and the leaving out of client addresses, written to a file. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createOpsLog, type OpsLogConfig } from "../../src/log/ops-log.js";
import { tempDir } from "../helpers/server.js";
import { eventually } from "../helpers/signals.js";

/** Log through a fresh ops log into a file; the file's lines once `lines` of them are there. */
async function logged(config: OpsLogConfig, write: (log: ReturnType<typeof createOpsLog>) => void, lines: number): Promise<string[]> {
  const file = join(tempDir("sb-opslog-unit-"), "ops.log");
  const log = createOpsLog({ ...config, file }, { isTTY: true });
  write(log);
  log.flushSync();
  const text = await eventually(() => readFileSync(file, "utf8"), (t) => t.split("\n").length > lines);
  return text.trimEnd().split("\n");
}

/** A socket error as Node makes it: the address in fields, message and stack. */
function sendError(): Error {
  const err = new Error("send EHOSTUNREACH 203.0.113.9:9003 (also [2001:db8::7]:9003)") as Error & Record<string, unknown>;
  Object.assign(err, { code: "EHOSTUNREACH", address: "203.0.113.9", port: 9003 });
  return err;
}

describe("createOpsLog", () => {
  it("writes JSON to a file even when stderr is a terminal (auto), with the level as a word and an ISO time", async () => {
    const log = createOpsLog({ file: join(tempDir(), "x.log") }, { isTTY: true });
    assert.equal(log.format, "json");
    const [line] = await logged({}, (l) => l.logger.info({ dialect: "lab", user: "ann" }, "login"), 1);
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    assert.deepEqual({ ...parsed, time: "T" }, { level: "info", time: "T", dialect: "lab", user: "ann", msg: "login" });
    assert.match(String(parsed["time"]), /Z$/);
  });

  it("picks pretty for a terminal and json for a pipe when the format is auto", () => {
    assert.equal(createOpsLog({}, { isTTY: true }).format, "pretty");
    assert.equal(createOpsLog({}, { isTTY: false }).format, "json");
    assert.equal(createOpsLog({ format: "json" }, { isTTY: true }).format, "json");
    assert.equal(createOpsLog({ format: "pretty" }, { isTTY: false }).format, "pretty");
  });

  it("writes only what its level lets through, and the level can change live", async () => {
    const lines = await logged({ level: "warn" }, (l) => {
      l.logger.info("hidden");
      l.logger.warn("shown");
      l.logger.level = "debug";
      l.logger.debug("now shown");
    }, 2);
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ["shown", "now shown"]);
  });

  it("keeps client addresses by default", async () => {
    const [line] = await logged({}, (l) => l.logger.error({ err: sendError(), remote: "203.0.113.9:9003" }, "udp send failed"), 1);
    assert.match(line!, /203\.0\.113\.9/);
    assert.match(line!, /2001:db8::7/);
  });

  it("leaves addresses out of remote, ip, client and of errors' fields, messages and stacks with logClientIps: false", async () => {
    const [line] = await logged({ logClientIps: false }, (l) => l.logger.error({ err: sendError(), remote: "203.0.113.9:9003", ip: "::1", client: "x" }, "udp send failed"), 1);
    assert.doesNotMatch(line!, /203\.0\.113|2001:db8|::1/);
    const parsed = JSON.parse(line!) as { remote: string; ip: string; client: string; err: Record<string, unknown> };
    assert.deepEqual([parsed.remote, parsed.ip, parsed.client], ["-", "-", "-"]);
    assert.equal(parsed.err["message"], "send EHOSTUNREACH -:9003 (also [-]:9003)");
    assert.equal(parsed.err["address"], undefined);
    assert.equal(parsed.err["code"], "EHOSTUNREACH");
    assert.match(String(parsed.err["stack"]), /ops-log\.test\.js:\d+:\d+/, "line numbers in the stack are kept");
  });

  it("writes pretty lines to a file without colours, one line per event, fields on the same line", async () => {
    const lines = await logged({ format: "pretty" }, (l) => {
      l.logger.info({ dialect: "bcs", user: "bo" }, "login");
      l.logger.warn({ cut: 2 }, "shutdown: closing connections that did not finish in time");
    }, 2);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO: login \{"dialect":"bcs","user":"bo"\}$/);
    assert.match(lines[1]!, /\] WARN: shutdown: closing connections that did not finish in time \{"cut":2\}$/);
  });
});
