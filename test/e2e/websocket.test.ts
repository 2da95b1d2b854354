/**
 * The WebSocket endpoint of the web listener (issue 18 point 2, docs/web.md "The WebSocket
 * endpoint"): `/ws/<dialect>` carries each stream dialect's exact bytes in binary messages,
 * through the same codecs, sessions, limits and metrics as TCP. Here, for each of lab,
 * gowing, bcs and cs262, a WebSocket user (its bytes split across messages at odd places)
 * chats with a plain-TCP user both ways; and the bad input: a plain request to a `/ws/`
 * path, unknown paths, origins, text and oversized messages, a client that stops reading,
 * the per-address limit, the login deadline and the shutdown, each answered as documented.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { encodeFrame as encodeBcs } from "../../src/protocols/bcs/codec.js";
import { FrameType as BcsType, type BcsFrame } from "../../src/protocols/bcs/frames.js";
import { encodeFrame as encodeCs262 } from "../../src/protocols/cs262/codec.js";
import { Command, type Cs262Frame } from "../../src/protocols/cs262/frames.js";
import { encodeText as encodeGowing } from "../../src/protocols/gowing/codec.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { MAX_MESSAGE_BYTES } from "../../src/transport/websocket-listener.js";
import { WEB_CSP } from "../../src/web/static-files.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { httpGet, parseExposition } from "../helpers/metrics.js";
import { ANY_PORT, startHub, type TestHub } from "../helpers/server.js";
import { within } from "../helpers/tcp-peer.js";
import { BCS_ACK, bcsFrames, cs262Frames, gowingFrames, labLines, rawBytes, WsPeer } from "../helpers/websocket-peer.js";

const ALLOWED = "https://chat.example.org";

/** Every stream dialect, udp (which has no WebSocket), the web listener and the admin port, on one hub. */
function startAll(limits: Parameters<typeof startHub>[1] = {}, web = { ...ANY_PORT, origins: [ALLOWED] }): Promise<TestHub> {
  return startHub(
    {
      lab: { ...ANY_PORT, bots: [] },
      gowing: { ...ANY_PORT, logDir: "off" },
      bcs: { ...ANY_PORT, chatLog: "off" },
      cs262: { ...ANY_PORT },
      udp: { ...ANY_PORT, listIntervalMs: 60_000 },
      store: "memory",
      web,
      http: ANY_PORT,
    },
    limits,
  );
}

async function metrics(hub: TestHub) {
  const res = await httpGet(hub.ports["http"]!, "/metrics");
  assert.equal(res.status, 200);
  return parseExposition(res.body);
}

/** Read items until one satisfies `match` (others, e.g. presence notices, are skipped); fails on close or after `ms`. */
async function until<T>(next: (ms: number) => Promise<T | undefined>, match: (item: T) => boolean, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  const seen: T[] = [];
  for (;;) {
    const item = await next(Math.max(1, deadline - Date.now())).catch(() => undefined);
    if (item === undefined) assert.fail(`${what}: not received; got ${JSON.stringify(seen)}`);
    if (match(item)) return item;
    seen.push(item);
  }
}

describe("the WebSocket endpoint: each stream dialect over /ws/<dialect>, with a plain-TCP user", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startAll();
  });
  after(() => hub.close());
  const web = (): number => hub.ports["web"]!;

  it("lab: HELLO-FROM, SEND both ways, LIST", async () => {
    const ws = await WsPeer.open(web(), "/ws/lab", labLines);
    const tcp = await RawLab.login(hub.ports["lab"]!, "tcp_lab");
    try {
      ws.write("HELLO-FROM ws_lab\nLIST\n");
      assert.equal(await ws.next(), "HELLO ws_lab");
      assert.equal(await ws.next(), "LIST-OK tcp_lab,ws_lab");
      ws.write("SEND tcp_lab grüße from a WebSocket ✉\n");
      assert.equal(await ws.next(), "SEND-OK");
      assert.equal(await tcp.next(), "DELIVERY ws_lab grüße from a WebSocket ✉");
      tcp.write("SEND ws_lab and back over TCP\n");
      assert.equal(await tcp.next(), "SEND-OK");
      assert.equal(await ws.next(), "DELIVERY tcp_lab and back over TCP");
      assert.equal(ws.textMessages, 0, "the server sends binary messages only");
    } finally {
      ws.close();
      tcp.close();
    }
  });

  it("gowing: JOIN, lobby messages both ways, joins seen", async () => {
    const ws = await WsPeer.open(web(), "/ws/gowing", gowingFrames);
    try {
      ws.write(encodeGowing(GowingType.Join, "ws_gw"));
      assert.deepEqual(await ws.next(), { type: GowingType.Join, text: "\u0000" });
      assert.deepEqual(await ws.next(), { type: GowingType.Message, text: COMMAND_LIST });
      assert.deepEqual(await ws.next(), { type: GowingType.Message, text: "**ws_gw is joining the chat**" });
      const tcp = await RawGowing.joined(hub.ports["gowing"]!, "tcp_gw");
      try {
        await until((ms) => ws.next(ms), (f) => f.text === "**tcp_gw is joining the chat**", "the TCP user's join");
        ws.write(encodeGowing(GowingType.Message, "hello from a WebSocket"));
        await until((ms) => tcp.next(ms), (f) => f.type === GowingType.Message && f.text === "[ws_gw] hello from a WebSocket", "the WebSocket user's message");
        tcp.send(GowingType.Message, "hello over TCP");
        await until((ms) => ws.next(ms), (f) => f.type === GowingType.Message && f.text === "[tcp_gw] hello over TCP", "the TCP user's message");
      } finally {
        tcp.close();
      }
    } finally {
      ws.close();
    }
  });

  it("bcs: register, send both ways, with the acks of ack pacing", async () => {
    const ws = await WsPeer.open(web(), "/ws/bcs", bcsFrames);
    try {
      // Two frames in one write: the split puts the end of the first and the start of the second in one message.
      ws.write(Buffer.concat([encodeBcs({ type: BcsType.Register, username: "ws_bcs" }), encodeBcs({ type: BcsType.Send, message: "first" })]));
      assert.deepEqual(await ws.next(), { type: BcsType.Status, code: 0, message: "ok" });
      const list = (await ws.next()) as BcsFrame & { type: typeof BcsType.Deliver };
      assert.equal(list.type, BcsType.Deliver);
      ws.write(BCS_ACK);
      assert.deepEqual(await ws.next(), { type: BcsType.Status, code: 0, message: "ok" }, "the send's answer");
      const { peer: tcp } = await RawBcs.login(hub.ports["bcs"]!, "tcp_bcs");
      try {
        assert.deepEqual(await until((ms) => ws.next(ms), (f) => f.type === BcsType.Deliver, "the join notice"), { type: BcsType.Deliver, from: "server", message: "tcp_bcs has connected" });
        ws.write(BCS_ACK);
        ws.write(encodeBcs({ type: BcsType.Send, message: "über WebSocket 👋" }));
        assert.deepEqual(await ws.next(), { type: BcsType.Status, code: 0, message: "ok" });
        assert.deepEqual(await tcp.deliver(), { from: "ws_bcs", message: "über WebSocket 👋" });
        tcp.send({ type: BcsType.Send, message: "and over TCP" });
        assert.deepEqual(await tcp.next(), { type: BcsType.Status, code: 0, message: "ok" });
        assert.deepEqual(await ws.next(), { type: BcsType.Deliver, from: "tcp_bcs", message: "and over TCP" });
        ws.write(BCS_ACK);
      } finally {
        tcp.close();
      }
    } finally {
      ws.close();
    }
  });

  it("cs262: CREATE, SEND both ways", async () => {
    const ws = await WsPeer.open(web(), "/ws/cs262", cs262Frames);
    const tcp = await RawCs262.account(hub.ports["cs262"]!, "tcp_cs");
    try {
      ws.write(encodeCs262({ command: Command.Create, name: "ws_cs", password: undefined }));
      assert.deepEqual(await ws.next(), { command: Command.Response, error: "" });
      ws.write(encodeCs262({ command: Command.Send, sender: "ws_cs", recipient: "tcp_cs", message: "from a WebSocket" }));
      assert.deepEqual(await ws.next(), { command: Command.Response, error: "" });
      assert.deepEqual(await tcp.pushed(), { sender: "ws_cs", recipient: "tcp_cs", message: "from a WebSocket" });
      assert.equal(await tcp.message("tcp_cs", "ws_cs", "over TCP"), "");
      const pushed = (await ws.next()) as Cs262Frame;
      assert.deepEqual(pushed, { command: Command.Send, sender: "tcp_cs", recipient: "ws_cs", message: "over TCP" });
    } finally {
      ws.close();
      tcp.socket.destroy();
    }
  });

  it("/metrics counts WebSocket connections and logins under their dialect", async () => {
    const before = await metrics(hub);
    const connections = (m: typeof before) => m.value("switchboard_connections", { dialect: "bcs" });
    const logins = (m: typeof before) => m.value("switchboard_logins_total", { dialect: "bcs" });
    const ws = await WsPeer.open(web(), "/ws/bcs", bcsFrames);
    ws.write(encodeBcs({ type: BcsType.Register, username: "counted_ws" }));
    assert.deepEqual(await ws.next(), { type: BcsType.Status, code: 0, message: "ok" });
    const during = await metrics(hub);
    assert.equal(connections(during), connections(before) + 1);
    assert.equal(logins(during), logins(before) + 1);
    assert.equal(during.samples.some((s) => s.labels["dialect"] === "web"), false, "the web listener is no dialect of its own");
    ws.close();
    const deadline = Date.now() + 3000;
    while (connections(await metrics(hub)) !== connections(before) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const afterwards = await metrics(hub);
    assert.equal(connections(afterwards), connections(before));
    assert.equal(afterwards.value("switchboard_disconnects_total", { dialect: "bcs", reason: "client_closed" }), before.value("switchboard_disconnects_total", { dialect: "bcs", reason: "client_closed" }) + 1);
  });

  it("serves the browser client at / on the same listener, and /readyz waits for it", async () => {
    const page = await httpGet(web(), "/");
    assert.equal(page.status, 200);
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(page.headers["content-security-policy"], WEB_CSP);
    assert.equal((await httpGet(hub.ports["http"]!, "/readyz")).status, 200);
  });
});

describe("the WebSocket endpoint refuses what it does not serve, as documented", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startAll();
  });
  after(() => hub.close());
  const web = (): number => hub.ports["web"]!;

  it("a plain request to /ws/<dialect> is 426 Upgrade Required; unknown paths and udp are 404, upgrade or not", async () => {
    const plain = await httpGet(web(), "/ws/lab");
    assert.equal(plain.status, 426);
    assert.equal(plain.headers["upgrade"], "websocket");
    assert.match(plain.body, /^\/ws\/lab is a WebSocket endpoint/);
    for (const path of ["/ws/unknown", "/ws/udp", "/ws/", "/ws/lab/x"]) {
      assert.equal((await httpGet(web(), path)).status, 404, path);
      assert.equal((await WsPeer.refusal(web(), path)).status, 404, `upgrade to ${path}`);
    }
    assert.equal((await WsPeer.refusal(web(), "/")).status, 404, "upgrade to the page");
  });

  it("a malformed upgrade gets 400 from ws, and nothing is left open", async () => {
    const answer = await new Promise<string>((resolve) => {
      const s = connect(web(), "127.0.0.1", () => s.write("GET /ws/lab HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      s.on("error", () => resolve(got));
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(hub.running.probes.find((p) => p.name === "lab")!.connections(), 0);
  });

  // The fuzz campaign's ws-bcs target found this: a client whose upgrade is read after its
  // reset (its address already gone) left a WebSocket with no error listener, and a bad
  // frame in the upgrade's packet then took the process down. This drives that path (the
  // peer gone when the upgrade is handled); the exact timing of the crash it cannot force.
  it("survives clients that send an upgrade and a bad frame and reset at once", async () => {
    const upgrade = `GET /ws/bcs HTTP/1.1\r\nHost: 127.0.0.1:${web()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const badFrame = Buffer.from([0x09, 0x80, 1, 2, 3, 4]); // a ping without FIN: a control frame may not be fragmented
    for (let i = 0; i < 30; i++) {
      const s = connect(web(), "127.0.0.1");
      s.on("error", () => undefined);
      await new Promise((r) => s.once("connect", r));
      await new Promise((r) => setTimeout(r, 5)); // the server has accepted it
      // The upgrade, a bad frame and a reset, all in the kernel before the server reads any
      // of them (it shares this thread): when it does, its peer is gone.
      s.write(Buffer.concat([Buffer.from(upgrade), badFrame]));
      s.resetAndDestroy();
      const until = Date.now() + 5;
      while (Date.now() < until);
    }
    await new Promise((r) => setTimeout(r, 200));
    const ws = await WsPeer.open(web(), "/ws/bcs", bcsFrames);
    ws.write(encodeBcs({ type: BcsType.Register, username: "still_up" }));
    assert.deepEqual(await ws.next(), { type: BcsType.Status, code: 0, message: "ok" });
    ws.close();
  });

  it("origins: none, the page's own and an allow-listed one are accepted; any other is 403", async () => {
    const port = web();
    for (const origin of [undefined, `http://127.0.0.1:${port}`, `https://127.0.0.1:${port}`, ALLOWED, "https://CHAT.example.org:443"]) {
      const ws = await WsPeer.open(port, "/ws/lab", labLines, origin === undefined ? {} : { origin });
      ws.write("HELLO-FROM origin_ok\n");
      assert.equal(await ws.next(), "HELLO origin_ok", `origin ${origin}`);
      ws.close();
      await ws.closed;
    }
    for (const origin of ["http://evil.example", `http://127.0.0.1:${port + 1}`, `http://localhost:${port}`, "null", "http://chat.example.org", "not a url"]) {
      const refused = await WsPeer.refusal(port, "/ws/lab", { origin });
      assert.equal(refused.status, 403, `origin ${origin}`);
      assert.match(refused.body, /^origin not allowed/);
    }
    assert.equal(hub.running.probes.find((p) => p.name === "lab")!.connections(), 0, "a refused upgrade makes no connection");
  });

  it("a text message closes with 1003; a message over 64 KiB with 1009; one of exactly 64 KiB is read", async () => {
    const text = await WsPeer.open(web(), "/ws/lab", labLines);
    text.ws.send("HELLO-FROM texter\n"); // a text message
    assert.deepEqual(await within(3000, text.closed, "the close"), { code: 1003, reason: "binary messages only" });

    const big = await WsPeer.open(web(), "/ws/bcs", bcsFrames);
    big.write(encodeBcs({ type: BcsType.Register, username: "big_one" }));
    assert.deepEqual(await big.next(), { type: BcsType.Status, code: 0, message: "ok" });
    await big.next(); // the user list
    big.write(BCS_ACK);
    // A send frame of exactly MAX_MESSAGE_BYTES in one message: read, and answered (too long a text).
    const frame = encodeBcs({ type: BcsType.Send, message: "m".repeat(MAX_MESSAGE_BYTES - 3) });
    assert.equal(frame.length, MAX_MESSAGE_BYTES);
    big.writeMessage(frame);
    const answer = await big.next();
    assert.equal(answer?.type, BcsType.Status);
    assert.notEqual((answer as { code: number }).code, 0, "a text that long is refused by bcs's own rule");
    big.writeMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1));
    assert.equal((await within(3000, big.closed, "the close")).code, 1009);
    const m = await metrics(hub);
    assert.equal(m.value("switchboard_disconnects_total", { dialect: "bcs", reason: "protocol_error" }), 1);
    assert.equal(m.value("switchboard_disconnects_total", { dialect: "lab", reason: "protocol_error" }), 1, "the text message");
  });
});

describe("the WebSocket endpoint under the transport's limits", () => {
  it("a client that stops reading is dropped at the queue limit; the server and the others carry on", { timeout: 60_000 }, async () => {
    const hub = await startAll({ queueBytes: 256 * 1024, msgRate: 0 });
    try {
      const silent = await WsPeer.open(hub.ports["web"]!, "/ws/lab", labLines);
      silent.write("HELLO-FROM silent\n");
      assert.equal(await silent.next(), "HELLO silent");
      silent.ws.pause(); // reads no more: the kernel's buffers fill, then the server's queue
      const sender = await RawLab.login(hub.ports["lab"]!, "sender");
      const filler = "x".repeat(4000);
      let refused = false;
      const deadline = Date.now() + 30_000;
      let written = 0;
      while (!refused && Date.now() < deadline) {
        for (let i = 0; i < 25; i++) sender.write(`SEND silent ${filler}\n`);
        written += 25 * filler.length;
        for (let i = 0; i < 25; i++) {
          const line = await sender.next(5000);
          if (line === "BAD-DEST-USER") refused = true;
          else assert.equal(line, "SEND-OK");
        }
      }
      assert.ok(refused, `the silent WebSocket was dropped (after ${(written / 2 ** 20).toFixed(1)} MiB)`);
      process.stdout.write(`# slow WebSocket consumer dropped after ${(written / 2 ** 20).toFixed(2)} MiB sent to it\n`);
      const m = await metrics(hub);
      assert.equal(m.value("switchboard_disconnects_total", { dialect: "lab", reason: "slow_consumer" }), 1);
      assert.equal(m.value("switchboard_outbound_queue_bytes", { dialect: "lab" }), 0, "nothing is kept for it");
      silent.ws.resume();
      assert.equal((await within(5000, silent.closed, "its close")).code, 1006, "cut, without a close frame");
      // The server is fine: a new WebSocket user and the TCP user chat.
      const next = await WsPeer.open(hub.ports["web"]!, "/ws/lab", labLines);
      next.write("HELLO-FROM after\nSEND sender still here\n");
      assert.equal(await next.next(), "HELLO after");
      assert.equal(await next.next(), "SEND-OK");
      assert.equal(await sender.next(), "DELIVERY after still here");
      next.close();
      sender.close();
    } finally {
      await hub.close();
    }
  });

  it("the per-address connection limit counts WebSockets with TCP connections", async () => {
    const hub = await startAll({ maxConnectionsPerAddress: 2 });
    try {
      const a = await RawLab.open(hub.ports["lab"]!);
      const b = await WsPeer.open(hub.ports["web"]!, "/ws/gowing", gowingFrames);
      // The third from 127.0.0.1: closed at once, like a TCP connection at accept.
      const third = await WsPeer.open(hub.ports["web"]!, "/ws/bcs", bcsFrames);
      assert.equal((await within(3000, third.closed, "the refusal")).code, 1006);
      // And a TCP connection: closed by the server at accept (else this waits in vain).
      const tcp = connect(hub.ports["cs262"]!, "127.0.0.1");
      tcp.on("error", () => undefined);
      await within(3000, new Promise((resolve) => tcp.on("close", resolve)), "the TCP refusal");
      const m = await metrics(hub);
      assert.equal(m.value("switchboard_connections_refused_total", { dialect: "bcs", reason: "too_many_from_address" }), 1);
      assert.equal(m.value("switchboard_connections_refused_total", { dialect: "cs262", reason: "too_many_from_address" }), 1);
      a.close();
      await a.whenClosed;
      await new Promise((r) => setTimeout(r, 100));
      const fourth = await WsPeer.open(hub.ports["web"]!, "/ws/lab", labLines);
      fourth.write("HELLO-FROM fits_again\n");
      assert.equal(await fourth.next(), "HELLO fits_again");
      fourth.close();
      b.close();
    } finally {
      await hub.close();
    }
  });

  it("a WebSocket that does not log in is closed at the login deadline with 1008", async () => {
    const hub = await startAll({ loginTimeoutMs: 300 });
    try {
      const idle = await WsPeer.open(hub.ports["web"]!, "/ws/cs262", rawBytes);
      const closed = await within(3000, idle.closed, "the login deadline");
      assert.deepEqual(closed, { code: 1008, reason: "login_timeout" });
      assert.equal((await metrics(hub)).value("switchboard_disconnects_total", { dialect: "cs262", reason: "login_timeout" }), 1);
    } finally {
      await hub.close();
    }
  });

  it("at shutdown a WebSocket user is told in its dialect's words, then closed with 1001; new upgrades find nobody listening", async () => {
    const hub = await startAll();
    const port = hub.ports["web"]!;
    const user = await WsPeer.open(port, "/ws/lab", labLines);
    user.write("HELLO-FROM leaving\n");
    assert.equal(await user.next(), "HELLO leaving");
    const anonymous = await WsPeer.open(port, "/ws/gowing", gowingFrames);
    const report = await hub.running.drain(3000);
    assert.equal(report.ended, "flushed");
    assert.equal(await user.next(), "DELIVERY server The server is going down");
    assert.deepEqual(await within(3000, user.closed, "the close"), { code: 1001, reason: "server_shutdown" });
    assert.equal((await within(3000, anonymous.closed, "the close")).code, 1001);
    await assert.rejects(WsPeer.open(port, "/ws/lab", labLines), /ECONNREFUSED/);
  });
});
