/**
 * SIGTERM and SIGINT against real server processes: every online user is told in its
 * dialect's words, the process exits 0 within the deadline, and what was queued for an
 * offline cs262 account is on disk afterwards. Clients that never ack or never read do
 * not hold the exit past the deadline; a second signal cuts the wait short.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, serveOnly, spawnServer, tempDir, type SpawnedServer } from "../helpers/server.js";
import { jsonLines, signalAndWait, spawnRunServer, stderrLine } from "../helpers/signals.js";
import { RawUdp } from "../helpers/udp-wire.js";

const TIMEOUT = { timeout: 90_000 };
const GOODBYE = "The server is going down";
/** Limits that keep the shared test machine's parallel suites from tripping anti-abuse limits. */
const NO_ABUSE_LIMITS = ["--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0"];
const LOOPBACK = { host: "127.0.0.1", port: 0 };

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `stopped` line of the operational log, parsed. */
function stoppedLine(server: SpawnedServer): Record<string, unknown> {
  const line = jsonLines(server.stderr()).find((l) => l["msg"] === "stopped");
  assert.ok(line, `no "stopped" line; stderr: ${server.stderr()}`);
  return line;
}

describe("SIGTERM", TIMEOUT, () => {
  it("tells every online user of every dialect in its words, keeps queued cs262 messages, and exits 0 within the deadline", async () => {
    const dir = tempDir("sb-sigterm-");
    const bcsLog = join(dir, "bcs.log");
    const gowingLogs = join(dir, "gowing");
    const args = [
      ...serveOnly({ lab: "0", gowing: "0", bcs: "0", cs262: "0", udp: "0" }),
      ...NO_ABUSE_LIMITS,
      "--data-dir", dir, "--bcs-log", bcsLog, "--gowing-log-dir", gowingLogs,
    ];
    const server = await spawnServer(CLI("switchboard"), args);
    const ports = server.ports;
    const peers: { close(): void }[] = [];
    let exited = false;
    try {
      // An account that is offline when the server stops: messages to it are queued.
      const keeper = await RawCs262.account(ports["cs262"]!, "keeper");
      keeper.close();
      await keeper.whenClosed;
      await pause(100); // its leave reaches the hub

      // Logged in in this order so that only bcs sees a join (gowing's), read below.
      const udp = await RawUdp.registered(ports["udp"]!, "udp_u");
      const cs = await RawCs262.account(ports["cs262"]!, "cs_u");
      const lab = await RawLab.login(ports["lab"]!, "lab_u");
      const idle = await RawLab.open(ports["lab"]!); // connected, never logged in
      const { peer: bcs } = await RawBcs.login(ports["bcs"]!, "bcs_u");
      const gowing = await RawGowing.joined(ports["gowing"]!, "gowing_u");
      peers.push(udp, cs, lab, idle, bcs, gowing);
      assert.deepEqual(await bcs.deliver(), { from: "server", message: "gowing_u has connected" });

      // Queued for the offline account just before the signal, each acknowledged.
      lab.write("SEND keeper from lab before the signal\n");
      assert.equal(await lab.next(), "SEND-OK");
      assert.equal(await cs.message("cs_u", "keeper", "from cs262 before the signal"), "");

      const exit = signalAndWait(server, "SIGTERM");
      assert.equal(await lab.next(), `DELIVERY server ${GOODBYE}`);
      assert.equal(await lab.next(), undefined, "lab: closed after the goodbye");
      assert.equal(await idle.next(), undefined, "a connection not logged in is closed without a word");
      assert.deepEqual(await gowing.next(), { type: GowingType.Message, text: `**${GOODBYE}**` });
      assert.equal(await gowing.next(), undefined, "gowing: closed after the goodbye");
      const bye = await bcs.next();
      assert.equal(bye?.type, FrameType.Deliver);
      assert.deepEqual(bye.type === FrameType.Deliver && { from: bye.from, message: bye.message }, { from: "server", message: GOODBYE });
      bcs.ack();
      assert.equal(await bcs.next(), undefined, "bcs: closed after the goodbye");
      assert.deepEqual(await cs.pushed(), { sender: "server", recipient: "cs_u", message: GOODBYE });
      assert.equal(await cs.next(), undefined, "cs262: closed after the goodbye");
      assert.deepEqual(await udp.nextNotList(), { op: Op.PublicMessage, from: "server", text: GOODBYE });

      const { code, ms } = await exit;
      exited = true;
      assert.equal(code, 0);
      assert.ok(ms < 10_000, `exited ${ms} ms after SIGTERM; the deadline is 10 s`);
      const stopped = stoppedLine(server);
      assert.deepEqual(stopped["byDialect"], { udp: 1, cs262: 1, lab: 1, bcs: 1, gowing: 1 });
      assert.equal(stopped["cut"], 0);
      assert.equal(stopped["waited"], "flushed");
      assert.equal(stopped["storeClosed"], true);
      assert.match(readFileSync(bcsLog, "utf8"), /disconnected bcs_u \(server_shutdown\)\n$/);
      assert.match(readFileSync(join(gowingLogs, "connections.log"), "utf8"), /disconnected \(gowing_u\): server_shutdown\n$/);
    } finally {
      for (const p of peers) p.close();
      if (!exited) server.child.kill("SIGKILL");
    }

    // The queued messages are on disk: a new server on the same data directory delivers them.
    const again = await spawnServer(CLI("switchboard"), [...serveOnly({ cs262: "0" }), ...NO_ABUSE_LIMITS, "--data-dir", dir]);
    try {
      const keeper = await RawCs262.account(again.ports["cs262"]!, "keeper", undefined, true);
      const { messages, error } = await keeper.deliver();
      assert.equal(error, "");
      assert.deepEqual(messages, [
        { sender: "lab_u", recipient: "keeper", message: "from lab before the signal" },
        { sender: "cs_u", recipient: "keeper", message: "from cs262 before the signal" },
      ]);
      keeper.close();
    } finally {
      assert.equal(await again.stop(), 0);
    }
  });

  it("goes on within the deadline past a bcs client that never acks and a lab client that never reads", async () => {
    const deadlineMs = 1500;
    const server = await spawnRunServer({
      config: { dataDir: tempDir("sb-deadline-"), lab: { ...LOOPBACK, bots: [] }, bcs: { ...LOOPBACK, chatLog: "off" } },
      shutdownDeadlineMs: deadlineMs,
    });
    const peers: { close(): void }[] = [];
    let exited = false;
    try {
      const { peer: stuck } = await RawBcs.login(server.ports["bcs"]!, "never_acks");
      const { peer: other } = await RawBcs.login(server.ports["bcs"]!, "other");
      peers.push(stuck, other);
      // The join notice is outstanding and never acknowledged: everything after it waits.
      const notice = await stuck.next();
      assert.equal(notice?.type === FrameType.Deliver && notice.message, "other has connected");
      const reader = await RawLab.login(server.ports["lab"]!, "never_reads");
      reader.socket.pause();
      const writer = await RawLab.login(server.ports["lab"]!, "writer");
      peers.push(reader, writer);
      const text = "x".repeat(4000);
      for (let i = 0; i < 200; i++) writer.write(`SEND never_reads ${text}\n`);
      for (let i = 0; i < 200; i++) assert.equal(await writer.next(), "SEND-OK");

      const { code, ms } = await signalAndWait(server, "SIGTERM");
      exited = true;
      assert.equal(code, 0);
      assert.ok(ms < deadlineMs + 1000, `exited ${ms} ms after SIGTERM; the deadline is ${deadlineMs} ms`);
      const stopped = stoppedLine(server);
      assert.equal(stopped["waited"], "deadline");
      assert.ok((stopped["cut"] as number) >= 1, `cut ${String(stopped["cut"])}`);
      assert.equal(stopped["storeClosed"], true);
      // Paced: the goodbye waited behind the unacknowledged notice, so it never went out.
      const after = await stuck.next();
      assert.equal(after, undefined, `the client that never acked got ${JSON.stringify(after)}`);
    } finally {
      for (const p of peers) p.close();
      if (!exited) server.child.kill("SIGKILL");
    }
  });

  it("stops waiting for goodbyes at a second signal, and still exits 0 with the store closed", async () => {
    const server = await spawnRunServer({
      config: { dataDir: tempDir("sb-twice-"), bcs: { ...LOOPBACK, chatLog: "off" }, cs262: LOOPBACK },
      shutdownDeadlineMs: 30_000,
    });
    const peers: { close(): void }[] = [];
    let exited = false;
    try {
      const { peer: stuck } = await RawBcs.login(server.ports["bcs"]!, "never_acks");
      const { peer: other } = await RawBcs.login(server.ports["bcs"]!, "other");
      peers.push(stuck, other);
      await stuck.next(); // "other has connected", never acknowledged
      const exit = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
      server.child.kill("SIGTERM");
      await stderrLine(server, /"msg":"stopping"/);
      await pause(300);
      assert.equal(server.child.exitCode, null, "still waiting for the client that never acks");
      const second = Date.now();
      server.child.kill("SIGTERM");
      assert.equal(await exit, 0);
      exited = true;
      assert.ok(Date.now() - second < 3000, `exited ${Date.now() - second} ms after the second SIGTERM`);
      const stopped = stoppedLine(server);
      assert.equal(stopped["waited"], "hurried");
      assert.equal(stopped["storeClosed"], true);
    } finally {
      for (const p of peers) p.close();
      if (!exited) server.child.kill("SIGKILL");
    }
  });
});

describe("SIGINT", TIMEOUT, () => {
  it("drains as SIGTERM does: users are told, and the process exits 0", async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ lab: "0", udp: "0" }), ...NO_ABUSE_LIMITS, "--data-dir", tempDir("sb-sigint-")]);
    const peers: { close(): void }[] = [];
    let exited = false;
    try {
      const lab = await RawLab.login(server.ports["lab"]!, "lab_int");
      const udp = await RawUdp.registered(server.ports["udp"]!, "udp_int");
      peers.push(lab, udp);
      const exit = signalAndWait(server, "SIGINT");
      assert.equal(await lab.next(), `DELIVERY server ${GOODBYE}`);
      assert.deepEqual(await udp.nextNotList(), { op: Op.PublicMessage, from: "server", text: GOODBYE });
      const { code } = await exit;
      exited = true;
      assert.equal(code, 0);
      const stopped = stoppedLine(server);
      assert.deepEqual(stopped["byDialect"], { lab: 1, udp: 1 });
      assert.match(server.stderr(), /"signal":"SIGINT".*"msg":"stopping"/);
    } finally {
      for (const p of peers) p.close();
      if (!exited) server.child.kill("SIGKILL");
    }
  });
});
