/**
 * The gowing entry points as processes: `switchboard server gowing` and its logs (seed
 * 003's "The server must record..."), and gowing inside `switchboard serve`.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { FrameType, JoinStatus } from "../../src/protocols/gowing/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { message, RawGowing } from "../helpers/gowing-wire.js";
import { CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

/** The scripted session of the issue: connect, a name in use, an invalid one, an accepted one, three chat lines, leave. */
async function scriptedSession(port: number): Promise<{ alicePort: number; bobPort: number }> {
  const alice = await RawGowing.joined(port, "alice");
  const bob = await RawGowing.open(port);
  const ports = { alicePort: alice.socket.localPort!, bobPort: bob.socket.localPort! };
  bob.send(FrameType.Join, "ALICE");
  assert.equal(await bob.joinStatus(), JoinStatus.NameTaken);
  bob.send(FrameType.Join, "bad name");
  assert.equal(await bob.joinStatus(), JoinStatus.InvalidName);
  bob.send(FrameType.Join, "bob");
  assert.equal(await bob.joinStatus(), JoinStatus.Accepted);
  await bob.next(); // command list
  await bob.next(); // bob joining
  await alice.next();
  alice.send(FrameType.Message, "hi bob");
  assert.deepEqual(await bob.next(), message("[alice] hi bob"));
  bob.send(FrameType.Message, "hi alice");
  assert.deepEqual(await alice.next(), message("[bob] hi alice"));
  alice.send(FrameType.Message, "two\nlines");
  assert.deepEqual(await bob.next(), message("[alice] two\nlines"));
  bob.send(FrameType.Direct, "alice a secret");
  await alice.next();
  bob.send(FrameType.Leave);
  assert.deepEqual(await alice.next(), message("**bob is leaving the chat**"));
  await bob.whenClosed;
  // Let the server log bob's end before alice's: the log's order is what is asserted.
  await new Promise((r) => setTimeout(r, 200));
  alice.close();
  await alice.whenClosed;
  await new Promise((r) => setTimeout(r, 200)); // the server notices alice's close
  return ports;
}

function bodies(text: string): string[] {
  const lines = text.trimEnd().split("\n");
  for (const line of lines) assert.match(line, TS);
  return lines.map((l) => l.replace(TS, ""));
}

describe("switchboard server gowing", () => {
  it("logs connections, dispositions and the chat, with times, into --log-dir", TIMEOUT, async () => {
    const dir = join(tempDir(), "logs");
    const server = await spawnServer(CLI("switchboard"), ["server", "gowing", "--port", "0", "--log-dir", dir]);
    let ports;
    try {
      assert.deepEqual(Object.keys(server.ports), ["gowing"]);
      ports = await scriptedSession(server.ports["gowing"]!);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const { alicePort, bobPort } = ports;
    assert.deepEqual(bodies(readFileSync(join(dir, "connections.log"), "utf8")), [
      `127.0.0.1 port ${alicePort} connected`,
      `127.0.0.1 port ${alicePort} requests name "alice": accepted`,
      `127.0.0.1 port ${bobPort} connected`,
      `127.0.0.1 port ${bobPort} requests name "ALICE": rejected: name in use`,
      `127.0.0.1 port ${bobPort} requests name "bad name": rejected: invalid`,
      `127.0.0.1 port ${bobPort} requests name "bob": accepted`,
      `127.0.0.1 port ${bobPort} disconnected (bob): client_left`,
      `127.0.0.1 port ${alicePort} disconnected (alice): client_closed`,
    ]);
    // As a client that is none of the users sees it: no private message.
    assert.deepEqual(bodies(readFileSync(join(dir, "chat.log"), "utf8")), [
      "**alice is joining the chat**",
      "**bob is joining the chat**",
      "[alice] hi bob",
      "[bob] hi alice",
      "[alice] two\\x0alines",
      "**bob is leaving the chat**",
      "**alice is leaving the chat**",
    ]);
    assert.doesNotMatch(server.stdoutLines.join("\n"), /alice/, "with --log-dir nothing is logged to stdout");
  });

  it("writes both logs to stdout without --log-dir, and errors only to stderr", TIMEOUT, async () => {
    const server = await spawnServer(CLI("switchboard"), ["server", "gowing", "--port", "0"]);
    try {
      const a = await RawGowing.joined(server.ports["gowing"]!, "solo");
      a.send(FrameType.Message, "talking to myself");
      a.send(FrameType.Direct, "ghost boo");
      assert.equal((await a.next())?.type, FrameType.Error);
      a.close();
      await a.whenClosed;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const out = server.stdoutLines.filter((l) => TS.test(l)).map((l) => l.replace(TS, ""));
    assert.ok(out.some((l) => /^127\.0\.0\.1 port \d+ requests name "solo": accepted$/.test(l)), out.join("\n"));
    assert.ok(out.includes("[solo] talking to myself"), out.join("\n"));
    assert.ok(out.includes("**solo is leaving the chat**"), out.join("\n"));
    assert.ok(!out.some((l) => l.includes("No such user")), "an error answer reached the chat log");
    assert.match(server.stderr(), /No such user: ghost/);
  });

  it("refuses to start when the log directory cannot be created", TIMEOUT, async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "x");
    await assert.rejects(spawnServer(CLI("switchboard"), ["server", "gowing", "--port", "0", "--log-dir", join(file, "logs")]), /cannot start/);
  });
});

describe("gowing in switchboard serve", () => {
  it("serves gowing beside bcs on one hub, with --gowing-log-dir", TIMEOUT, async () => {
    const dir = tempDir();
    const server = await spawnServer(CLI("switchboard"), [
      ...serveOnly({ gowing: "0", bcs: "0" }),
      "--data-dir", dir, "--bcs-log", "off", "--gowing-log-dir", join(dir, "gowing-logs"),
    ]);
    try {
      assert.deepEqual(server.stdoutLines.slice(0, 3).map((l) => l.replace(/:\d+$/, "")), [
        "listening gowing tcp 0.0.0.0",
        "listening bcs tcp 0.0.0.0",
        "ready",
      ]);
      const g = await RawGowing.joined(server.ports["gowing"]!, "gw");
      const { peer: b } = await RawBcs.login(server.ports["bcs"]!, "bc");
      assert.deepEqual(await g.next(), message("**bc is joining the chat**"));
      b.send({ type: BcsType.Send, message: "across" });
      assert.deepEqual(await g.next(), message("[bc] across"));
      g.close();
      b.close();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const chat = readFileSync(join(dir, "gowing-logs", "chat.log"), "utf8");
    assert.match(chat, /\*\*gw is joining the chat\*\*/);
    // Every line a gowing client saw, whoever said it: the bcs user's join and message too.
    assert.match(chat, /\*\*bc is joining the chat\*\*/);
    assert.match(chat, /\[bc\] across/);
  });

  it("turns gowing off with --gowing-port off", TIMEOUT, async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0" }), "--data-dir", tempDir()]);
    try {
      assert.deepEqual(Object.keys(server.ports), ["bcs"]);
    } finally {
      await server.stop();
    }
  });

  it("serves gowing on 9000 by default", TIMEOUT, async (t) => {
    if (!(await portIsFree(9000))) return t.skip("9000 is in use on this machine");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ gowing: "9000" }), "--data-dir", tempDir()]);
    try {
      assert.equal(server.ports["gowing"], 9000);
      const g = await RawGowing.joined(9000, "default_port");
      g.close();
    } finally {
      await server.stop();
    }
  });
});
