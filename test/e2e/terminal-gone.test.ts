/**
 * A server started on a terminal that then goes away (an ssh session dropped, a closed
 * window): it takes the hangup's SIGHUP as a reload and goes on serving, its stdout and
 * stderr now failing with EIO. It must still chat, and stop on SIGTERM. Before, pino's
 * exit flush retried the failed write every 100 ms for ever, so only SIGKILL stopped it,
 * and a chat log line written to the dead stdout was an uncaught exception.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RawGowing } from "../helpers/gowing-wire.js";
import { CLI, tempDir } from "../helpers/server.js";
import { eventually } from "../helpers/signals.js";
import { HAS_SCRIPT, spawnOnTerminal } from "../helpers/terminal.js";

const TIMEOUT = { timeout: 60_000 };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `args` on a terminal, reads its pid (the pretty `INFO (pid): starting` line)
 * and its port, then kills the terminal (script(1)) and leaves the server on its own.
 */
async function startThenLoseTerminal(args: string[]): Promise<{ pid: number; port: number }> {
  const term = spawnOnTerminal([process.execPath, CLI("switchboard"), ...args]);
  let out = "";
  term.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  try {
    await eventually(() => out, (t) => /^ready\r?$/m.test(t), 15_000);
  } catch (err) {
    term.kill("SIGKILL");
    throw err;
  }
  const pid = Number(/INFO\S* \((\d+)\)/.exec(out)?.[1]);
  const port = Number(/^listening \w+ tcp [^\s]+:(\d+)\r?$/m.exec(out)?.[1]);
  assert.ok(pid > 0 && port > 0, `no pid or port in ${JSON.stringify(out)}`);
  term.kill("SIGKILL"); // the terminal goes; the server gets its SIGHUP and stays
  await sleep(300);
  assert.ok(alive(pid), "the server lives on after its terminal's hangup");
  return { pid, port };
}

async function stopsOnSigterm(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
    await eventually(() => alive(pid), (a) => !a, 14_000); // within the deadline (10 s at most here)
  } finally {
    if (alive(pid)) process.kill(pid, "SIGKILL"); // never leave one behind
  }
}

describe("a server whose terminal has gone", { skip: !HAS_SCRIPT && "script(1) is not installed" }, () => {
  it("serve: still chats, and stops on SIGTERM within the shutdown deadline", TIMEOUT, async () => {
    const data = tempDir("sb-term-gone-");
    const { pid, port } = await startThenLoseTerminal(["serve", "--gowing-port", "0", "--lab-port", "off", "--bcs-port", "off", "--cs262-port", "off", "--udp-port", "off", "--web-port", "off", "--http-port", "off", "--data-dir", data, "--shutdown-deadline", "3s"]);
    try {
      const peer = await RawGowing.joined(port, "zed");
      peer.socket.destroy();
    } finally {
      await stopsOnSigterm(pid);
    }
  });

  it("server gowing: a chat log line on the dead stdout is no crash, and SIGTERM stops it", TIMEOUT, async () => {
    const { pid, port } = await startThenLoseTerminal(["server", "gowing", "--port", "0"]);
    try {
      // connections.log and chat.log go to stdout here: these lines meet EIO.
      const first = await RawGowing.joined(port, "amy");
      const second = await RawGowing.joined(port, "bo");
      await sleep(200);
      assert.ok(alive(pid), "the server survives writing its chat log to a terminal that has gone");
      first.socket.destroy();
      second.socket.destroy();
    } finally {
      await stopsOnSigterm(pid);
    }
  });
});
