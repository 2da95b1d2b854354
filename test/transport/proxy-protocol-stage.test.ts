/**
 * The stage a connection passes before it is admitted when the PROXY protocol is on
 * (src/transport/proxy-protocol-stage.ts), over real sockets: hand-over with the bytes
 * after the header, the bound on connections awaiting a header per connecting address,
 * the deadline (driven by the caller's watchdog), and what is logged.
 */
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { describe, it } from "node:test";
import { noRefusals, type ConnectionRefusals } from "../../src/transport/connection-refusals.js";
import { awaitingHeaderLimit, AWAITING_HEADER_PER_ADDRESS, ProxyHeaderStage } from "../../src/transport/proxy-protocol-stage.js";
import type { ProxySource } from "../../src/transport/proxy-protocol.js";
import { captureLog, type LogRecord } from "../helpers/capture-log.js";
import { sleep } from "../helpers/flood.js";
import { proxyV1, proxyV2Local } from "../helpers/proxy-header.js";

const TIMEOUT = { timeout: 20_000 };

interface HandedOn {
  readonly socket: Socket;
  readonly source: ProxySource;
  readonly acceptedAt: number;
  readonly rest: Buffer;
  /** The stage's listeners still on the socket when it was handed on. */
  readonly dataListeners: number;
}

interface Rig {
  readonly stage: ProxyHeaderStage;
  /** The listener's counters of connections refused at accept. */
  readonly refused: ConnectionRefusals;
  readonly handedOn: HandedOn[];
  readonly records: LogRecord[];
  /** A client socket, connected. */
  client(): Promise<Socket>;
  close(): Promise<void>;
}

async function rig(maxPerAddress: number, deadlineMs = 10_000): Promise<Rig> {
  const { log, records } = captureLog();
  const handedOn: HandedOn[] = [];
  const refused = noRefusals();
  const stage = new ProxyHeaderStage({
    dialect: "test",
    log,
    refused,
    deadlineMs,
    maxPerAddress,
    onHeader: (socket, source, acceptedAt, rest) => handedOn.push({ socket, source, acceptedAt, rest, dataListeners: socket.listenerCount("data") }),
  });
  const server: Server = createServer((s) => stage.accept(s, s.remoteAddress!));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  return {
    stage,
    refused,
    handedOn,
    records,
    client: () =>
      new Promise((resolve, reject) => {
        const s = connect(port, "127.0.0.1", () => resolve(s));
        s.on("error", () => undefined);
        s.once("error", reject);
        clients.push(s);
      }),
    close: async () => {
      stage.close();
      for (const c of clients) c.destroy();
      for (const h of handedOn) h.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const closedWithin = (s: Socket, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    s.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

async function until(test: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(5);
  }
}

const warnings = (records: LogRecord[]) => records.filter((r) => r.level === 40);

describe("the PROXY header stage", TIMEOUT, () => {
  it("hands a socket on with the header's source, its accept time and the bytes after the header, its own listeners removed", async () => {
    const r = await rig(4);
    try {
      const before = Date.now();
      const c = await r.client();
      c.write(Buffer.concat([proxyV1({ source: "198.51.100.1", sourcePort: 4242 }), Buffer.from("HELLO-FROM x\n")]));
      await until(() => r.handedOn.length === 1);
      const h = r.handedOn[0]!;
      assert.deepEqual(h.source, { address: "198.51.100.1", port: 4242 });
      assert.equal(h.rest.toString(), "HELLO-FROM x\n");
      assert.ok(h.acceptedAt >= before - 5 && h.acceptedAt <= Date.now());
      assert.equal(h.dataListeners, 0);
      assert.equal(r.stage.count, 0);
      assert.deepEqual(warnings(r.records), []);
    } finally {
      await r.close();
    }
  });

  it("gives the socket's own peer for a header that names no client (v2 LOCAL)", async () => {
    const r = await rig(4);
    try {
      const c = await r.client();
      c.write(proxyV2Local());
      await until(() => r.handedOn.length === 1);
      assert.deepEqual(r.handedOn[0]!.source, { address: "127.0.0.1", port: c.localPort });
      assert.equal(r.handedOn[0]!.rest.length, 0);
    } finally {
      await r.close();
    }
  });

  it("holds at most maxPerAddress connections awaiting a header per connecting address, and frees a place when one is read", async () => {
    const r = await rig(2);
    try {
      const a = await r.client();
      await r.client();
      await until(() => r.stage.count === 2);
      const third = await r.client();
      assert.ok(await closedWithin(third, 2000), "the third silent connection is closed at once");
      assert.equal(warnings(r.records)[0]?.["reason"], "too_many_awaiting_header");
      a.write(proxyV1({ source: "198.51.100.2", sourcePort: 1 }));
      await until(() => r.handedOn.length === 1);
      const fourth = await r.client();
      assert.equal(await closedWithin(fourth, 300), false, "a place was freed by the header");
      assert.equal(r.stage.count, 2);
    } finally {
      await r.close();
    }
  });

  it("closes, on the watchdog's call, a connection whose header is not complete within the deadline", async () => {
    const r = await rig(4, 1000);
    try {
      const half = await r.client();
      half.write("PROXY TCP4 198.51.1");
      await until(() => r.stage.count === 1);
      r.stage.checkDeadlines(Date.now());
      assert.equal(await closedWithin(half, 200), false, "not before the deadline");
      r.stage.checkDeadlines(Date.now() + 1001);
      assert.ok(await closedWithin(half, 2000));
      const w = warnings(r.records);
      assert.equal(w.length, 1);
      assert.equal(w[0]!["reason"], "proxy_header_timeout");
      assert.equal(r.handedOn.length, 0);
    } finally {
      await r.close();
    }
  });

  it("closes a connection with a bad header at once, logs it with its code, and logs nothing for a bare connect and close", async () => {
    const r = await rig(4);
    try {
      const healthCheck = await r.client();
      healthCheck.end();
      await until(() => r.stage.count === 0);
      const bad = await r.client();
      bad.write("HELLO-FROM alice\n");
      assert.ok(await closedWithin(bad, 2000));
      // A good header ends the run of failures, so that the next one is logged too.
      const good = await r.client();
      good.write(proxyV1({ source: "198.51.100.4", sourcePort: 4 }));
      await until(() => r.handedOn.length === 1);
      const incomplete = await r.client();
      incomplete.write("PROXY TCP4");
      await until(() => r.stage.count === 1);
      incomplete.end();
      await until(() => r.stage.count === 0);
      const w = warnings(r.records);
      assert.deepEqual(
        w.map((x) => [x["reason"], x["code"], x["failed"]]),
        [
          ["bad_proxy_header", "PROXY_MISSING", 1],
          ["proxy_header_incomplete", undefined, 1],
        ],
      );
      assert.match(String(w[0]!["remote"]), /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(r.refused, { ...noRefusals(), bad_proxy_header: 1, proxy_header_incomplete: 1 }, "counted as refused connections, the health check not");
    } finally {
      await r.close();
    }
  });

  it("logs the first failure of a run and then every tenfold; a good header starts a new run", async () => {
    const r = await rig(0);
    try {
      const failOnce = async (): Promise<void> => {
        const c = await r.client();
        c.write("x");
        await closedWithin(c, 2000);
      };
      for (let k = 0; k < 12; k++) await failOnce();
      assert.deepEqual(warnings(r.records).map((x) => x["failed"]), [1, 10]);
      const good = await r.client();
      good.write(proxyV1({ source: "198.51.100.3", sourcePort: 3 }));
      await until(() => r.handedOn.length === 1);
      await failOnce();
      assert.deepEqual(warnings(r.records).map((x) => x["failed"]), [1, 10, 1]);
    } finally {
      await r.close();
    }
  });

  it("bounds connections awaiting a header by 1024 per address, never below --max-connections-per-ip, and not at all when that is off", () => {
    assert.equal(awaitingHeaderLimit(0), 0);
    assert.equal(awaitingHeaderLimit(64), AWAITING_HEADER_PER_ADDRESS);
    assert.equal(AWAITING_HEADER_PER_ADDRESS, 1024);
    assert.equal(awaitingHeaderLimit(5000), 5000);
  });
});
