/**
 * The generic UDP listener with a toy datagram dialect (each datagram is a command word):
 * admitted peers, the anti-reflection limits on everyone else, idle release in
 * least-recently-heard order, and a throwing handler that costs one datagram only.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { describe, it } from "node:test";
import { silentLog } from "../../src/log/ops-log.js";
import type { DatagramCodec, DecodedDatagram } from "../../src/transport/datagram-codec.js";
import type { DatagramHandler, DatagramLink, Peer } from "../../src/transport/datagram-session.js";
import { UdpListener } from "../../src/transport/udp-listener.js";

const toyCodec: DatagramCodec<string> = {
  decode: (d: Buffer): DecodedDatagram<string> => ({ ok: true, frame: d.toString("latin1") }),
  encode: (f: string) => Buffer.from(f, "latin1"),
};

class ToyHandler implements DatagramHandler<string, string> {
  readonly idle: string[] = [];
  readonly failed: string[] = [];
  closed = false;
  constructor(readonly link: DatagramLink<string>) {}
  onDatagram(d: DecodedDatagram<string>, from: Peer, session: string | undefined): void {
    if (!d.ok) return;
    const [command, arg] = d.frame.split(" ");
    if (command === "admit") this.link.admit(from, arg!);
    if (command === "release") this.link.release(from);
    if (command === "throw") throw new Error("handler bug");
    // Every command is answered with the session it came with and a body of `arg` bytes.
    const size = command === "big" ? Number(arg) : 0;
    this.link.send(from, Buffer.from(`${session ?? "-"}:${"x".repeat(size)}`));
  }
  onIdle(session: string): void {
    this.idle.push(session);
  }
  onSessionError(session: string): void {
    this.failed.push(session);
  }
  close(): void {
    this.closed = true;
  }
}

async function withListener(idleTimeoutMs: number, test: (port: number, handler: () => ToyHandler, listener: UdpListener<string, string>) => Promise<void>): Promise<void> {
  let handler: ToyHandler | undefined;
  const listener = new UdpListener<string, string>({
    dialect: { name: "toy", codec: toyCodec, createHandler: (link) => (handler = new ToyHandler(link)) },
    host: "127.0.0.1",
    port: 0,
    idleTimeoutMs,
    log: silentLog,
  });
  const { port } = await listener.listen();
  try {
    await test(port, () => handler!, listener);
  } finally {
    await listener.close();
  }
  assert.equal(handler!.closed, true);
}

async function client(): Promise<{ socket: Socket; send: (port: number, s: string) => void; drain: (ms: number) => Promise<string[]> }> {
  const socket = createSocket("udp4");
  const got: string[] = [];
  socket.on("message", (m) => got.push(m.toString("latin1")));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    socket,
    send: (port, s) => socket.send(Buffer.from(s, "latin1"), port, "127.0.0.1"),
    drain: async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return got.splice(0);
    },
  };
}

describe("udp listener", () => {
  it("limits replies to a peer not admitted (5 a second, at most 64 bytes) and not to an admitted one", () =>
    withListener(60_000, async (port) => {
      const c = await client();
      try {
        c.send(port, "big 70"); // 72 bytes: over 64
        for (let i = 0; i < 8; i++) c.send(port, "hi");
        assert.deepEqual(await c.drain(300), ["-:", "-:", "-:", "-:", "-:"]);
        c.send(port, "admit alice"); // admitted before its answer goes out
        for (let i = 0; i < 8; i++) c.send(port, "big 100");
        const got = await c.drain(300);
        assert.equal(got.length, 9);
        assert.equal(got[0], "-:");
        for (const g of got.slice(1)) assert.equal(g, `alice:${"x".repeat(100)}`);
      } finally {
        c.socket.close();
      }
    }));

  it("releases admitted peers silent past the idle limit, once each, and keeps those that talk", () =>
    withListener(300, async (port, handler, listener) => {
      const quiet = await client();
      const talker = await client();
      try {
        quiet.send(port, "admit quiet");
        talker.send(port, "admit talker");
        await quiet.drain(50);
        const timer = setInterval(() => talker.send(port, "ping"), 60);
        await new Promise((r) => setTimeout(r, 900));
        clearInterval(timer);
        assert.deepEqual(handler().idle, ["quiet"]);
        assert.equal(listener.admittedCount, 1);
        quiet.send(port, "who");
        assert.deepEqual(await quiet.drain(200), ["-:"], "a released peer still came with its session");
      } finally {
        quiet.socket.close();
        talker.socket.close();
      }
    }));

  it("survives a handler that throws and goes on serving", () =>
    withListener(60_000, async (port) => {
      const c = await client();
      try {
        c.send(port, "throw");
        c.send(port, "hi");
        assert.deepEqual(await c.drain(300), ["-:"]);
      } finally {
        c.socket.close();
      }
    }));

  it("ends the session of an admitted peer whose datagram throws, and only that one", () =>
    withListener(60_000, async (port, handler, listener) => {
      const bad = await client();
      const good = await client();
      try {
        bad.send(port, "admit B");
        good.send(port, "admit G");
        await bad.drain(200);
        await good.drain(0);
        bad.send(port, "hi");
        assert.deepEqual(await bad.drain(200), ["B:"], "admitted");
        bad.send(port, "throw");
        await bad.drain(200);
        assert.deepEqual(handler().failed, ["B"]);
        assert.equal(listener.admittedCount, 1, "the failed peer is released");
        bad.send(port, "hi");
        good.send(port, "hi");
        assert.deepEqual(await bad.drain(200), ["-:"], "the failed peer is a stranger again");
        assert.deepEqual(await good.drain(0), ["G:"], "the other session goes on");
      } finally {
        bad.socket.close();
        good.socket.close();
      }
    }));

  it("sends nothing after it is closed, without throwing", async () => {
    let link: DatagramLink<string> | undefined;
    const listener = new UdpListener<string, string>({
      dialect: { name: "toy", codec: toyCodec, createHandler: (l) => ((link = l), new ToyHandler(l)) },
      host: "127.0.0.1",
      port: 0,
      idleTimeoutMs: 1000,
      log: silentLog,
    });
    await listener.listen();
    await listener.close();
    assert.equal(link!.send({ address: "127.0.0.1", port: 9, key: "127.0.0.1:9" }, Buffer.from("x")), false);
  });
});
