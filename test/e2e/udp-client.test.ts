/**
 * `switchboard client udp` as a process (seed 004, docs/udp.md) against an in-process
 * server: it registers, sends public and private messages, prints what arrives (lists
 * and INFO included), keeps itself alive with INFO, and quits with LOGOUT.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { afterEach, describe, it } from "node:test";
import { encodeFrame } from "../../src/protocols/udp/codec.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { Interactive } from "../helpers/interactive.js";
import { PtyClient } from "../helpers/pty-client.js";
import { HAS_SCRIPT } from "../helpers/terminal.js";
import { CLI, tempDir, withOwnServer } from "../helpers/server.js";
import { startUdpServer, type UdpTestServer } from "../helpers/udp-server.js";
import { RawUdp } from "../helpers/udp-wire.js";

const TEST_TIMEOUT = 30_000;

/** A udp client child process with piped stdin/stdout/stderr, read line by line. */
class Client extends Interactive {
  constructor(port: number, name: string, extra: string[] = []) {
    super(CLI("switchboard"), ["client", "udp", "--host", "127.0.0.1", "--port", String(port), "-u", name, ...extra], {
      cwd: tempDir("sb-udp-client-"),
    });
  }
}

afterEach(() => Interactive.killAll());

async function until(test: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withServer(udp: Parameters<typeof startUdpServer>[0], test: (s: UdpTestServer) => Promise<void>): () => Promise<void> {
  return withOwnServer(() => startUdpServer(udp), test);
}

describe("udp client process", { timeout: TEST_TIMEOUT }, () => {
  it("registers, sends and receives public and private messages, lists, asks INFO, and quits with LOGOUT", withServer({}, async (s) => {
    const bob = await RawUdp.registered(s.udpPort, "bob");
    try {
      const alice = new Client(s.udpPort, "alice");
      await until(() => s.running.hub.isOnline("alice"));
      await alice.waitFor("registered as alice; /help for commands");
      alice.type("/help");
      await alice.waitFor("  /msg <user> <text>  a private message");
      alice.type("hello, everyone ✓");
      await alice.waitFor("alice: hello, everyone ✓"); // the server's echo
      assert.deepEqual(await bob.next(), { op: Op.PublicMessage, from: "alice", text: "hello, everyone ✓" });

      bob.send({ op: Op.Public, text: "hi alice" });
      await alice.waitFor("bob: hi alice");
      await bob.next(); // bob's own echo
      bob.send({ op: Op.Private, to: "alice", text: "psst" });
      await alice.waitFor("(private) bob: psst");
      assert.deepEqual(await bob.next(), { op: Op.Ok });

      alice.type("/msg bob just for you");
      assert.deepEqual(await bob.next(), { op: Op.PrivateMessage, from: "alice", text: "just for you" });
      await alice.waitFor("(private to bob) alice: just for you");
      alice.type("/msg nobody anyone?");
      await alice.waitFor("error: no such user", 5000, "err");
      // Shown as sent only on the server's OK: the refused one has no line of its own.
      assert.deepEqual(alice.out.filter((l) => l.startsWith("(private to ")), ["(private to bob) alice: just for you"]);

      alice.type("/list");
      await alice.waitFor("online: bob, alice");
      alice.type("/info");
      await alice.waitFor(/^server: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z switchboard\/\d+\.\d+\.\d+/);
      alice.type("//slash");
      await alice.waitFor("alice: /slash");
      alice.type("/bogus");
      await alice.waitFor(/^error: unknown command \/bogus/, 5000, "err");

      alice.type("/quit");
      assert.equal(await alice.exit(), 0);
      assert.equal(s.running.hub.isOnline("alice"), false, "the client left without LOGOUT");
    } finally {
      bob.close();
    }
  }));

  it("prints the periodic list when it changed, and /list's answer always", withServer({ listIntervalMs: 300 }, async (s) => {
    const c = new Client(s.udpPort, "lister");
    await c.waitFor("online: lister", 5000);
    await new Promise((r) => setTimeout(r, 1200)); // three or four more lists, all the same
    const lists = (): string[] => c.out.filter((l) => l.startsWith("online: "));
    assert.deepEqual(lists(), ["online: lister"], c.dump());
    const other = await RawUdp.registered(s.udpPort, "newcomer");
    try {
      await c.waitFor("online: lister, newcomer", 5000);
      c.type("/list");
      await until(() => lists().length === 3);
      assert.deepEqual(lists(), ["online: lister", "online: lister, newcomer", "online: lister, newcomer"], c.dump());
    } finally {
      other.close();
    }
    c.type("/quit");
    assert.equal(await c.exit(), 0);
  }));

  it("keeps itself registered with INFO inside the idle limit", withServer({ idleTimeoutMs: 600 }, async (s) => {
    const c = new Client(s.udpPort, "keeper", ["--keepalive", "150ms"]);
    await until(() => s.running.hub.isOnline("keeper"));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(s.running.hub.isOnline("keeper"), true, "the client was logged out as idle");
    assert.deepEqual(c.out, ["registered as keeper; /help for commands"], "keepalive INFO replies were printed");
    c.type("/quit");
    assert.equal(await c.exit(), 0);
  }));

  it("is logged out as idle when its keepalive is longer than the idle limit (the limit is real)", withServer({ idleTimeoutMs: 400 }, async (s) => {
    const c = new Client(s.udpPort, "sleeper", ["--keepalive", "10s"]);
    await until(() => s.running.hub.isOnline("sleeper"));
    await until(() => !s.running.hub.isOnline("sleeper"), 3000);
    c.child.kill("SIGTERM");
    await c.exit();
  }));

  it("logs out and exits 0 at the end of its input", withServer({}, async (s) => {
    const c = new Client(s.udpPort, "eof_user");
    await until(() => s.running.hub.isOnline("eof_user"));
    c.child.stdin!.end();
    assert.equal(await c.exit(), 0);
    assert.equal(s.running.hub.isOnline("eof_user"), false);
  }));

  it("exits 2 with the server's Error when the name is refused", withServer({}, async (s) => {
    const holder = await RawUdp.registered(s.udpPort, "taken");
    try {
      const c = new Client(s.udpPort, "TAKEN");
      assert.equal(await c.exit(), 2);
      assert.deepEqual(c.err, ["error: name in use"]);
      const bad = new Client(s.udpPort, "bad name");
      assert.equal(await bad.exit(), 2);
      assert.match(bad.err[0]!, /^error: invalid name/);
    } finally {
      holder.close();
    }
  }));

  it("exits 1 when nothing listens on the server port", async () => {
    // Bind and close a socket to find a port that is surely closed.
    const probe = createSocket("udp4");
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(resolve));
    const c = new Client(port, "nobody_home");
    assert.equal(await c.exit(), 1);
    assert.match(c.err.join("\n"), /^error: /);
  });

  it("says the server has gone away and exits 1 when its port closes (ICMP port unreachable), without input", async () => {
    const s = await startUdpServer({});
    const c = new Client(s.udpPort, "stayer", ["--keepalive", "200ms"]);
    try {
      await c.waitFor("registered as stayer; /help for commands");
      await s.close();
      assert.equal(await c.exit(5000), 1, c.dump());
      assert.deepEqual(c.err, ["error: the server has gone away (port unreachable)"]);
    } finally {
      c.kill();
    }
  });

  it("says the server has gone away and exits 1 when the keepalive gets no answer within its interval", async () => {
    const server = await silentAfterRegister();
    const c = new Client(server.port, "hopeful", ["--keepalive", "200ms"]);
    try {
      await c.waitFor("registered as hopeful; /help for commands");
      assert.equal(await c.exit(5000), 1, c.dump());
      assert.deepEqual(c.err, ["error: the server has gone away (no answer to the keepalive within 200 ms)"]);
    } finally {
      c.kill();
      server.close();
    }
  });

  it("on a terminal, leaves by itself when the server has gone away (no keystroke needed)", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, async () => {
    const server = await silentAfterRegister();
    const c = PtyClient.start([process.execPath, CLI("switchboard"), "client", "udp", "--host", "127.0.0.1", "--port", String(server.port), "-u", "ttyhope", "--keepalive", "200ms"]);
    try {
      await c.waitText("registered as ttyhope; /help for commands\r\n");
      assert.equal(await c.exit(15_000), 1, c.raw); // generous: the machine may be loaded
      assert.ok(c.raw.endsWith("error: the server has gone away (no answer to the keepalive within 200 ms)\r\n"), JSON.stringify(c.raw));
    } finally {
      c.kill();
      server.close();
    }
  });
});

/** A udp "server" that answers the first REGISTER with OK and then never says anything again. */
async function silentAfterRegister(): Promise<{ port: number; close(): void }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  let answered = false;
  socket.on("message", (_msg, from) => {
    if (answered) return;
    answered = true;
    socket.send(encodeFrame({ op: Op.Ok }), from.port, from.address);
  });
  return { port: socket.address().port, close: () => socket.close() };
}
