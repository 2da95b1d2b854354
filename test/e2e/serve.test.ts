/** `switchboard serve` as a process: every dialect on one hub, its lines, ports and signals. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, REPO_ROOT, serveOnly, spawnServer, tempDir } from "../helpers/server.js";
import { HAS_SCRIPT, spawnOnTerminal } from "../helpers/terminal.js";

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

/** Every listener `serve` has, on a free port each. */
const ALL_ON_FREE_PORTS = serveOnly({ lab: "0", gowing: "0", bcs: "0", cs262: "0", udp: "0", web: "0", http: "0" }).slice(1);

describe("switchboard serve", () => {
  it("prints one line per listener, then ready; one hub for every dialect; /healthz; exits 0 on SIGTERM", async () => {
    const server = await spawnServer(CLI("switchboard"), [
      "serve", ...ALL_ON_FREE_PORTS, "--bcs-log", "off", "--gowing-log-dir", "off", "--data-dir", tempDir(),
    ]);
    try {
      assert.deepEqual(server.stdoutLines.map((l) => l.replace(/:\d+$/, ":N")), [
        "listening lab tcp 0.0.0.0:N",
        "listening gowing tcp 0.0.0.0:N",
        "listening bcs tcp 0.0.0.0:N",
        "listening cs262 tcp 0.0.0.0:N",
        "listening udp udp 0.0.0.0:N",
        "listening web tcp 0.0.0.0:N",
        "listening http tcp 127.0.0.1:N",
        "ready",
      ]);
      const res = await fetch(`http://127.0.0.1:${server.ports["http"]}/healthz`);
      assert.equal(res.status, 200);
      // One hub: a bcs user's message reaches a lab user of the same process.
      const lab = await RawLab.login(server.ports["lab"]!, "serve_lab");
      const { peer, online } = await RawBcs.login(server.ports["bcs"]!, "serve_bcs");
      assert.equal(online, "online: serve_lab");
      peer.send({ type: FrameType.Send, message: "across dialects" });
      assert.equal(await lab.next(), "DELIVERY serve_bcs across dialects");
      peer.close();
      lab.close();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("on a terminal: each listening line once, and the chat logs in <data-dir>/logs, not on the console", { skip: !HAS_SCRIPT && "no script(1)" }, async () => {
    const dir = tempDir();
    const child = spawnOnTerminal([process.execPath, CLI("switchboard"), ...serveOnly({ gowing: "0", bcs: "0" }), "--host", "127.0.0.1", "--data-dir", dir], { cwd: REPO_ROOT });
    let screen = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const ready = new Promise<void>((resolve) =>
      child.stdout.on("data", (d) => {
        screen += d;
        if (/^ready\r?$/m.test(screen)) resolve();
      }),
    );
    try {
      await ready;
      const port = (name: string) => Number(new RegExp(`^listening ${name} tcp 127\\.0\\.0\\.1:(\\d+)`, "m").exec(screen)![1]);
      const gowing = await RawGowing.joined(port("gowing"), "tty_gw");
      const { peer } = await RawBcs.login(port("bcs"), "tty_bcs");
      peer.send({ type: FrameType.Send, message: "hello tty" });
      assert.deepEqual(await peer.next(), { type: FrameType.Status, code: 0, message: "ok" });
      peer.close();
      gowing.close();
    } finally {
      child.stdin.write("\x03"); // Ctrl+C: a graceful stop, which flushes the logs
      assert.equal(await exited, 0);
    }
    const lines = screen.replace(/\x1b\[[0-9;]*m/g, "").split(/\r?\n/);
    for (const name of ["gowing", "bcs"]) assert.equal(lines.filter((l) => l.includes(`listening`) && l.includes(name)).length, 1, `${name}: ${screen}`);
    assert.equal(lines.filter((l) => /\bready\b/.test(l)).length, 1, screen);
    assert.doesNotMatch(screen, /tty_bcs|tty_gw|hello tty/, "no chat log on the console");
    assert.match(readFileSync(join(dir, "logs", "bcs.log"), "utf8"), /registered tty_bcs \(bcs\) from 127\.0\.0\.1:\d+\n.*message tty_bcs: hello tty\n/);
    assert.match(readFileSync(join(dir, "logs", "gowing", "chat.log"), "utf8"), /\[tty_bcs\] hello tty\n/);
    assert.match(readFileSync(join(dir, "logs", "gowing", "connections.log"), "utf8"), /requests name "tty_gw": accepted\n/);
  });

  it("turns a listener off with --<name>-port off", async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0" }), "--data-dir", tempDir()]);
    try {
      assert.deepEqual(Object.keys(server.ports), ["bcs"]);
    } finally {
      await server.stop();
    }
  });

  it("runs the bots with --bots", async () => {
    const server = await spawnServer(CLI("switchboard"), ["serve", ...ALL_ON_FREE_PORTS, "--bots", "echobot", "--data-dir", tempDir()]);
    try {
      const lab = await RawLab.login(server.ports["lab"]!, "botfan");
      lab.write("SEND echobot hi\n");
      assert.equal(await lab.next(), "SEND-OK");
      assert.equal(await lab.next(), "DELIVERY echobot hi");
      lab.close();
    } finally {
      await server.stop();
    }
  });

  it("uses the default ports of docs/wire.md#default-ports: lab 5378, gowing 9000, bcs 9001, cs262 9002, udp 9003, web 8080, HTTP 9100", async (t) => {
    for (const port of [5378, 9000, 9001, 9002, 8080, 9100]) {
      if (!(await portIsFree(port))) return t.skip(`${port} is in use on this machine`);
    }
    if (!(await udpPortIsFree(9003))) return t.skip("udp 9003 is in use on this machine");
    const server = await spawnServer(CLI("switchboard"), ["serve", "--data-dir", tempDir()]);
    try {
      assert.deepEqual(server.ports, { lab: 5378, gowing: 9000, bcs: 9001, cs262: 9002, udp: 9003, web: 8080, http: 9100 });
    } finally {
      await server.stop();
    }
  });
});
