/**
 * The operational log of a real server process: one JSON object a line when stderr is
 * not a terminal, readable lines when it is (or when asked), logins and logouts at debug,
 * and no client address anywhere, chat logs included, with logClientIps: false.
 */
import assert from "node:assert/strict";
import { HAS_SCRIPT, spawnOnTerminal } from "../helpers/terminal.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";
import { eventually, jsonLines, spawnRunServer } from "../helpers/signals.js";
import { RawUdp } from "../helpers/udp-wire.js";

const TIMEOUT = { timeout: 60_000 };
const NO_ABUSE_LIMITS = ["--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0"];
/** Listeners bound to every address, so that the only 127.0.0.1 in a log is a client's. */
const ANY_ADDRESS = { host: "0.0.0.0", port: 0 };
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

describe("the operational log", TIMEOUT, () => {
  it("is one JSON object a line when stderr is not a terminal: lifecycle at info, connections, logins and logouts at debug", async () => {
    const run = async (level: string) => {
      const server = await spawnServer(CLI("switchboard"), [...serveOnly({ lab: "0" }), ...NO_ABUSE_LIMITS, "--log-level", level, "--data-dir", tempDir("sb-opslog-")]);
      const lab = await RawLab.login(server.ports["lab"]!, "logged");
      lab.close();
      await lab.whenClosed;
      if (level === "debug") await eventually(() => jsonLines(server.stderr()), (ls) => ls.some((l) => l["msg"] === "logout"));
      assert.equal(await server.stop(), 0);
      return jsonLines(server.stderr());
    };
    const info = await run("info");
    assert.deepEqual(info.map((l) => l["msg"]), ["starting", "listening", "ready", "stopping", "stopped"]);
    for (const l of info) {
      assert.match(String(l["time"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(l["level"], "info");
    }
    const listening = info.find((l) => l["msg"] === "listening")!;
    assert.deepEqual([listening["listener"], listening["transport"], listening["host"]], ["lab", "tcp", "0.0.0.0"]);
    const debug = await run("debug");
    assert.deepEqual(
      debug.map((l) => `${l["level"]} ${l["msg"]}`),
      ["info starting", "info listening", "info ready", "debug connection", "debug login", "debug logout", "info stopping", "info stopped"],
    );
    const login = debug.find((l) => l["msg"] === "login")!;
    assert.equal(login["dialect"], "lab");
    assert.equal(login["user"], "logged");
    assert.match(String(login["remote"]), /^127\.0\.0\.1:\d+$/);
    assert.equal(debug.find((l) => l["msg"] === "logout")!["reason"], "client_closed");
  });

  /** Users of four dialects log in, chat and get errors answered; returns every log's text. */
  async function scriptedChat(logClientIps: boolean | undefined): Promise<{ ops: string; bcs: string; connections: string }> {
    const dir = tempDir("sb-ips-");
    const bcsLog = join(dir, "bcs.log");
    const logs = join(dir, "gowing");
    const server = await spawnRunServer({
      config: { dataDir: dir, lab: { ...ANY_ADDRESS, bots: [] }, bcs: { ...ANY_ADDRESS, chatLog: bcsLog }, gowing: { ...ANY_ADDRESS, logDir: logs }, udp: ANY_ADDRESS },
      log: { level: "debug", logClientIps },
    });
    const lab = await RawLab.login(server.ports["lab"]!, "lab_ip");
    const { peer: bcs } = await RawBcs.login(server.ports["bcs"]!, "bcs_ip");
    bcs.send({ type: FrameType.Send, message: "" }); // an error answer, logged with the address
    assert.equal((await bcs.next())?.type, FrameType.Status);
    const gowing = await RawGowing.joined(server.ports["gowing"]!, "gowing_ip");
    gowing.send(GowingType.Direct, "nobody hello"); // an error answer, logged with the address
    assert.equal((await gowing.next())?.type, GowingType.Error);
    const udp = await RawUdp.registered(server.ports["udp"]!, "udp_ip");
    udp.send({ op: Op.Private, to: "nobody", text: "hello" });
    assert.equal((await udp.nextNotList()).op, Op.Error);
    for (const p of [lab, bcs, gowing, udp]) p.close();
    await eventually(() => server.stderr(), (t) => (t.match(/"msg":"logout"/g) ?? []).length >= 3);
    assert.equal(await server.stop(), 0);
    return { ops: server.stderr(), bcs: readFileSync(bcsLog, "utf8"), connections: readFileSync(join(logs, "connections.log"), "utf8") };
  }

  it("names client addresses by default (the control for the next test)", async () => {
    const { ops, bcs, connections } = await scriptedChat(undefined);
    assert.match(ops, /"remote":"127\.0\.0\.1:\d+"/);
    assert.match(bcs, /registered bcs_ip \(bcs\) from 127\.0\.0\.1:\d+\n/);
    assert.match(connections, /127\.0\.0\.1 port \d+ connected\n/);
  });

  it("leaves every client address out of the operational log and the chat logs with logClientIps: false", async () => {
    const { ops, bcs, connections } = await scriptedChat(false);
    assert.doesNotMatch(ops, /127\.0\.0\.1/);
    assert.doesNotMatch(bcs, /127\.0\.0\.1/);
    assert.doesNotMatch(connections, /127\.0\.0\.1/);
    // The lines keep their shape, with `-` where the address was.
    assert.match(ops, /"remote":"-"/);
    assert.match(bcs, /registered bcs_ip \(bcs\) from -\n/);
    assert.match(connections, /- port \d+ connected\n/);
    assert.match(connections, /- port \d+ requests name "gowing_ip": accepted\n/);
    for (const l of jsonLines(ops)) assert.ok(l["level"] !== "error", `an error was logged: ${JSON.stringify(l)}`);
  });

  it("is readable, one line per event, when asked for pretty on a pipe (no colours)", async () => {
    const server = await spawnRunServer({ config: { dataDir: tempDir("sb-pretty-"), lab: { ...ANY_ADDRESS, bots: [] } }, log: { format: "pretty", level: "debug" } });
    try {
      const lab = await RawLab.login(server.ports["lab"]!, "pretty_one");
      lab.close();
      await eventually(() => server.stderr(), (t) => t.includes("logout"));
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const lines = server.stderr().trimEnd().split("\n");
    assert.equal(lines.length, 8, server.stderr());
    assert.doesNotMatch(server.stderr(), ANSI);
    assert.match(lines[2]!, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO: ready$/);
    assert.match(lines[4]!, /^\[.*\] DEBUG: login \{"dialect":"lab","user":"pretty_one","remote":"127\.0\.0\.1:\d+"\}$/);
    for (const l of lines) assert.throws(() => JSON.parse(l));
  });

  it("is readable and coloured on a terminal, and Ctrl+C there drains the server", { skip: HAS_SCRIPT ? false : "no `script` (util-linux) to give the server a terminal" }, async () => {
    const args = [CLI("switchboard"), ...serveOnly({ lab: "0" }), "--data-dir", tempDir("sb-tty-")];
    const child = spawnOnTerminal([process.execPath, ...args]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      // `ready` is on stdout, the same terminal: it is not logged again (issue 15 point 7).
      await eventually(() => out, (t) => /INFO.*starting/.test(t) && /^ready\r?$/m.test(t), 15_000);
      child.stdin.write("\x03"); // Ctrl+C: the terminal sends SIGINT
      assert.equal(await exited, 0);
    } finally {
      clearTimeout(timer);
    }
    assert.match(out, ANSI, "coloured");
    const stopped = out.split(/\r?\n/).find((l) => l.includes("stopped"));
    assert.ok(stopped, out);
    assert.match(stopped, /INFO.*stopped.*"storeClosed":true/);
    assert.doesNotMatch(out, /^\{"level"/m, "no JSON lines on a terminal");
  });
});
