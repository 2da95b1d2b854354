/**
 * Behind a proxy (issue 7, point 6; docs/proxy-protocol.md): with the PROXY protocol on,
 * every TCP dialect reads a v1 or v2 header first and then treats the connection as the
 * client's it names: logins, chat, per-address limits and every log see that address.
 * Every test connects from 127.0.0.1 and claims other addresses in its headers, so a
 * limit that counted the socket's address would show.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startSwitchboard, type RunningSwitchboard } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { FrameType as Bcs, Status } from "../../src/protocols/bcs/frames.js";
import { FrameType as Gowing } from "../../src/protocols/gowing/frames.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { captureLog, type LogRecord } from "../helpers/capture-log.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { sleep } from "../helpers/flood.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { proxyV1, proxyV2, proxyV2Local } from "../helpers/proxy-header.js";
import { bare, within } from "../helpers/tcp-peer.js";
import { ANY_PORT, CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };

interface Proxied {
  readonly running: RunningSwitchboard;
  readonly records: LogRecord[];
  readonly dir: string;
  port(name: string): number;
  /** The bcs chat log and gowing's connections.log, once the server is closed (they are flushed then). */
  logs(): { bcsChat: string; gowingConnections: string };
}

async function serve(limits: Partial<Limits> = {}): Promise<Proxied> {
  const { log, records } = captureLog();
  const dir = tempDir();
  const running = await startSwitchboard(
    {
      limits: { ...DEFAULT_LIMITS, ...limits },
      dataDir: dir,
      lab: { ...ANY_PORT, bots: [] },
      gowing: { ...ANY_PORT, logDir: join(dir, "gowing") },
      bcs: { ...ANY_PORT, chatLog: join(dir, "bcs-chat.log") },
      cs262: ANY_PORT,
      store: "memory",
      proxyProtocol: true,
    },
    log,
  );
  return {
    running,
    records,
    dir,
    port: (name) => running.listeners.find((l) => l.name === name)!.port,
    logs: () => ({
      bcsChat: readFileSync(join(dir, "bcs-chat.log"), "utf8"),
      gowingConnections: readFileSync(join(dir, "gowing", "connections.log"), "utf8"),
    }),
  };
}

/** A lab user behind a v1 header naming `address`:`port`, logged in as `name`. */
async function labBehindProxy(serverPort: number, name: string, address: string, port: number): Promise<RawLab> {
  const peer = await RawLab.open(serverPort);
  // Header and login in one write: the bytes after the header reach the codec unchanged.
  peer.write(Buffer.concat([proxyV1({ source: address, sourcePort: port }), Buffer.from(`HELLO-FROM ${name}\n`)]));
  return peer;
}

async function bcsBehindProxy(serverPort: number, header: Buffer, name: string): Promise<{ peer: RawBcs; status: number | undefined }> {
  const peer = await RawBcs.open(serverPort);
  peer.write(header);
  peer.send({ type: Bcs.Register, username: name });
  const f = await peer.next();
  return { peer, status: f?.type === Bcs.Status ? f.code : undefined };
}

const warnings = (records: LogRecord[], reason: string) => records.filter((r) => r["reason"] === reason);

describe("behind a proxy (PROXY protocol on)", TIMEOUT, () => {
  it("lets a lab user behind a v1 header and a bcs user behind a v2 header log in and chat, and logs their real addresses", async () => {
    const s = await serve();
    try {
      const alice = await labBehindProxy(s.port("lab"), "alice", "203.0.113.7", 40001);
      assert.equal(await alice.next(), "HELLO alice");
      const { peer: bob, status } = await bcsBehindProxy(s.port("bcs"), proxyV2({ source: "2001:db8::42", sourcePort: 40002 }), "bob");
      assert.equal(status, Status.Ok);
      assert.equal((await bob.deliver()).message, "online: alice");
      bob.send({ type: Bcs.Send, message: "hi all" });
      assert.deepEqual(await bob.next(), { type: Bcs.Status, code: Status.Ok, message: "ok" });
      assert.equal(await alice.next(), "DELIVERY bob hi all");
      alice.write("SEND bob psst\n");
      assert.equal(await alice.next(), "SEND-OK");
      assert.deepEqual(await bob.deliver(), { from: "alice", message: "(private) psst" });
      // A refusal goes to the operational log with the client's address, not the proxy's.
      const { peer: carol, status: taken } = await bcsBehindProxy(s.port("bcs"), proxyV1({ source: "198.51.100.9", sourcePort: 5555 }), "bob");
      assert.equal(taken, Status.NameInUse);
      await carol.whenClosed;
      const refusal = s.records.find((r) => r["dialect"] === "bcs" && r["status"] === Status.NameInUse);
      assert.equal(refusal?.["remote"], "198.51.100.9:5555");
      // cs262 too.
      const dave = await RawCs262.open(s.port("cs262"));
      dave.write(proxyV2({ source: "192.0.2.77", sourcePort: 7777 }));
      assert.equal(await dave.create("dave"), "");
      assert.equal(s.records.find((r) => r.msg === "account created")?.["remote"], "192.0.2.77:7777");
      alice.close();
      bob.close();
      dave.close();
    } finally {
      await s.running.close();
    }
    assert.match(s.logs().bcsChat, /registered bob \(bcs\) from 2001:db8::42:40002$/m);
  });

  it("gowing greets only after the header, and its connections.log names the proxied client", async () => {
    const s = await serve();
    try {
      const g = await RawGowing.open(s.port("gowing"));
      assert.equal(await g.quiet(300), true, "no greeting before the header: there is no session yet");
      g.write(proxyV1({ source: "192.0.2.33", sourcePort: 6000 }));
      g.send(Gowing.Join, "erin");
      assert.equal(await g.joinStatus(), 0);
      assert.equal((await g.next())?.text, COMMAND_LIST);
      g.close();
      await within(3000, (async () => { while (s.running.hub.isOnline("erin")) await sleep(10); })(), "erin's leave");
    } finally {
      await s.running.close();
    }
    const log = s.logs().gowingConnections;
    assert.match(log, /192\.0\.2\.33 port 6000 connected$/m);
    assert.match(log, /192\.0\.2\.33 port 6000 requests name "erin": accepted$/m);
    assert.doesNotMatch(log, /127\.0\.0\.1/);
  });

  it("uses the socket's own address for a v2 LOCAL header (the proxy's own connection)", async () => {
    const s = await serve();
    let localPort = 0;
    try {
      const { peer, status } = await bcsBehindProxy(s.port("bcs"), proxyV2Local(), "frank");
      localPort = peer.socket.localPort!;
      assert.equal(status, Status.Ok);
      peer.close();
    } finally {
      await s.running.close();
    }
    assert.match(s.logs().bcsChat, new RegExp(`registered frank \\(bcs\\) from 127\\.0\\.0\\.1:${localPort}$`, "m"));
  });

  it("--max-connections-per-ip counts the proxied address: a second connection from it is refused, another address on the same socket address is admitted", async () => {
    const s = await serve({ maxConnectionsPerAddress: 1 });
    try {
      const first = await labBehindProxy(s.port("lab"), "one", "198.51.100.50", 1001);
      assert.equal(await first.next(), "HELLO one");
      const second = await labBehindProxy(s.port("lab"), "two", "198.51.100.50", 1002);
      assert.equal(await second.next(), undefined, "closed without an answer");
      const refused = warnings(s.records, "too_many_connections");
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!["remote"], "198.51.100.50:1002");
      // Same socket address (127.0.0.1), another client behind the proxy: admitted.
      const third = await labBehindProxy(s.port("lab"), "three", "198.51.100.51", 1003);
      assert.equal(await third.next(), "HELLO three");
      // The limit spans dialects as before: the first address is full on gowing too.
      const g = await RawGowing.open(s.port("gowing"));
      g.write(proxyV1({ source: "198.51.100.50", sourcePort: 1004 }));
      await within(3000, g.whenClosed, "the refused gowing connection's close");
      assert.equal(await g.next(), undefined, "no greeting: refused before any session");
      first.close();
      third.close();
    } finally {
      await s.running.close();
    }
  });

  it("--login-failures counts the proxied address", async () => {
    const s = await serve({ loginFailures: 2 });
    try {
      const header = (port: number) => proxyV1({ source: "198.51.100.60", sourcePort: port });
      for (const port of [1, 2]) {
        const { peer, status } = await bcsBehindProxy(s.port("bcs"), header(port), "not valid");
        assert.equal(status, Status.InvalidName);
        await peer.whenClosed;
      }
      const { peer: limited, status } = await bcsBehindProxy(s.port("bcs"), header(3), "valid_name");
      assert.equal(status, Status.RateLimited);
      await limited.whenClosed;
      const { peer: other, status: ok } = await bcsBehindProxy(s.port("bcs"), proxyV1({ source: "198.51.100.61", sourcePort: 4 }), "valid_name");
      assert.equal(ok, Status.Ok);
      other.close();
    } finally {
      await s.running.close();
    }
  });

  it("closes a connection without a header before any session, and logs it", async () => {
    const s = await serve();
    try {
      const lab = await bare(s.port("lab"));
      lab.socket.write("HELLO-FROM mallory\n");
      await within(3000, lab.closed, "the lab connection's close");
      assert.equal(lab.received(), 0);
      const gowing = await bare(s.port("gowing"));
      gowing.socket.write(Buffer.from([Gowing.Join, 0, 3, 0x65, 0x76, 0x65]));
      await within(3000, gowing.closed, "the gowing connection's close");
      assert.equal(gowing.received(), 0, "no command list: no session was made");
      assert.equal(s.running.hub.online, 0);
      const bad = warnings(s.records, "bad_proxy_header");
      assert.deepEqual(
        bad.map((r) => [r["dialect"], r["code"]]),
        [
          ["lab", "PROXY_MISSING"],
          ["gowing", "PROXY_MISSING"],
        ],
      );
      assert.match(String(bad[0]!["remote"]), /^127\.0\.0\.1:\d+$/);
    } finally {
      await s.running.close();
    }
  });

  it("reads a header that arrives a byte at a time", async () => {
    const s = await serve();
    try {
      const header = proxyV2({ source: "192.0.2.200", sourcePort: 2000 }, [{ type: 0x02, value: Buffer.from("chat.example.org") }]);
      const peer = await RawBcs.open(s.port("bcs"));
      peer.socket.setNoDelay(true);
      for (const b of header) {
        peer.write(Buffer.from([b]));
        await sleep(2);
      }
      peer.send({ type: Bcs.Register, username: "grace" });
      const f = await peer.next();
      assert.equal(f?.type === Bcs.Status && f.code, Status.Ok);
      peer.close();
    } finally {
      await s.running.close();
    }
    assert.match(s.logs().bcsChat, /registered grace \(bcs\) from 192\.0\.2\.200:2000$/m);
  });

  it("closes a client that sends half a header when the login deadline passes, counted from accept", async () => {
    const s = await serve({ loginTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const half = await bare(s.port("lab"));
      half.socket.write(proxyV1({ source: "192.0.2.1", sourcePort: 1 }).subarray(0, 20));
      await within(5000, half.closed, "the half header's close");
      const took = Date.now() - started;
      assert.ok(took >= 950, `closed after ${took} ms, before the deadline`);
      assert.equal(warnings(s.records, "proxy_header_timeout").length, 1);
      // A whole header late in the deadline leaves only what is left of it to log in.
      const late = await bare(s.port("lab"));
      const lateStart = Date.now();
      await sleep(800);
      late.socket.write(proxyV1({ source: "192.0.2.2", sourcePort: 2 }));
      await within(5000, late.closed, "the late header's close");
      const lateTook = Date.now() - lateStart;
      // From the header it would be 1800 ms at least.
      assert.ok(lateTook < 1700, `closed ${lateTook} ms after accept: the header restarted the login deadline`);
    } finally {
      await s.running.close();
    }
  });
});

describe("switchboard server <dialect> --proxy-protocol", TIMEOUT, () => {
  it("makes a spawned lab server read the header first", async () => {
    const server = await spawnServer(CLI("switchboard"), ["server", "lab", "--port", "0", "--proxy-protocol", "--max-connections-per-ip", "0", "--login-failures", "0"], undefined, 10_000, "Server is on");
    try {
      const peer = await labBehindProxy(server.ports["lab"]!, "henry", "203.0.113.99", 9999);
      assert.equal(await peer.next(), "HELLO henry");
      peer.close();
      const plain = await bare(server.ports["lab"]!);
      plain.socket.write("HELLO-FROM ivy\n");
      await within(3000, plain.closed, "the plain connection's close");
      assert.equal(plain.received(), 0);
    } finally {
      await server.stop();
    }
  });

  it("leaves serve's listeners as they were without it: a header is a lab client's bad request", async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ lab: "0" }), "--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0", "--data-dir", tempDir()]);
    try {
      const peer = await RawLab.open(server.ports["lab"]!);
      peer.write(proxyV1({ source: "203.0.113.99", sourcePort: 9999 }));
      assert.notEqual(await peer.next(), undefined, "the lab session answers the line");
      peer.close();
    } finally {
      await server.stop();
    }
  });
});
