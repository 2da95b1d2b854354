/**
 * Clients that have gone leave nothing behind (issue 20 point 5): 5,000 connect / log in
 * (or not) / garbage / disconnect cycles per dialect, over real loopback sockets, and
 * afterwards every table the server keeps per connection, address, online name or udp
 * peer (RunningSwitchboard.tables) is back at the size it had before. Stored data (the
 * cs262 accounts these cycles create) may grow and is not in the tables.
 *
 * The rate windows are shortened (login failures per 1 s, udp idle 300 ms) so that the
 * tables that rightly outlive a client for a window empty within the test.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { encodeFrame as encodeBcs } from "../../src/protocols/bcs/codec.js";
import { encodeFrame as encodeCs262 } from "../../src/protocols/cs262/codec.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { encodeText as encodeGowing } from "../../src/protocols/gowing/codec.js";
import { encodeFrame as encodeUdp } from "../../src/protocols/udp/codec.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { sleep } from "../helpers/flood.js";
import { ANY_PORT, startHub, type TestHub } from "../helpers/server.js";

const CYCLES = 5000;
/** Cycles in flight at once, per dialect. */
const PARALLEL = 32;
const UDP_IDLE_MS = 300;
/** How long the tables may take to empty once the last client has gone (deadlines, windows, sweeps). */
const SETTLE_MS = 10_000;

/** Deterministic bytes: the same garbage on every run. */
function garbage(i: number): Buffer {
  let x = (i * 2_654_435_761) >>> 0 || 1;
  const b = Buffer.alloc(1 + (x % 120));
  for (let k = 0; k < b.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[k] = x & 0xff;
  }
  return b;
}

/** What a cycle sends first: a login on most cycles (so the hub's tables fill), none on every fourth. */
const LOGIN: Record<string, (i: number) => Buffer> = {
  lab: (i) => Buffer.from(`HELLO-FROM la${i}\n`),
  gowing: (i) => encodeGowing(0, `go${i}`),
  bcs: (i) => encodeBcs({ type: 1, username: `bc${i}` }),
  // Half CREATE an account (no password: no hash to wait for), half LOGIN one that does not exist (a refused login).
  cs262: (i) => encodeCs262(i % 2 === 0 ? { command: Command.Create, name: `cs${i}`, password: undefined } : { command: Command.Login, name: `nx${i}`, password: undefined }),
};

/** One TCP cycle: connect, send, wait for an answer (at most 100 ms), then leave abruptly or politely. */
function tcpCycle(port: number, dialect: string, i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (): void => {
      clearTimeout(guard);
      if (i % 2 === 0) socket.destroy();
      else socket.end();
      resolve();
    };
    const guard = setTimeout(done, 100);
    socket.on("error", () => undefined);
    socket.once("data", done);
    socket.once("close", done);
    socket.once("connect", () => socket.write(i % 4 === 3 ? garbage(i) : Buffer.concat([LOGIN[dialect]!(i), garbage(i)])));
  });
}

/** One udp cycle: a new source port registers (or not), sends garbage, and goes silent. */
function udpCycle(port: number, i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.on("error", () => undefined);
    socket.bind(0, "127.0.0.1", () => {
      if (i % 4 !== 3) socket.send(encodeUdp({ op: Op.Register, name: `ud${i}` }), port, "127.0.0.1");
      socket.send(garbage(i), port, "127.0.0.1", () => {
        socket.close();
        resolve();
      });
    });
  });
}

async function churn(cycle: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CYCLES) await cycle(next++);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

/** The largest size each table reached while `during` ran, sampled every 20 ms. */
async function peaks(server: TestHub, during: Promise<void>): Promise<Record<string, number>> {
  const peak: Record<string, number> = {};
  const sample = (): void => {
    for (const [k, v] of Object.entries(server.running.tables())) peak[k] = Math.max(peak[k] ?? 0, v);
  };
  const timer = setInterval(sample, 20);
  await during;
  clearInterval(timer);
  sample();
  return peak;
}

describe("tables after churn (issue 20 point 5)", { timeout: 180_000 }, () => {
  it("5,000 connect / garbage / disconnect cycles per dialect leave the hub's and the transport's tables as they were", async () => {
    const server = await startHub(
      {
        lab: { ...ANY_PORT, bots: [] },
        gowing: { ...ANY_PORT, logDir: "off" },
        bcs: { ...ANY_PORT, chatLog: "off" },
        cs262: ANY_PORT,
        udp: { ...ANY_PORT, listIntervalMs: 60_000, idleTimeoutMs: UDP_IDLE_MS },
        store: "memory",
      },
      { loginFailures: 1_000_000, loginFailureWindowMs: 1000, loginTimeoutMs: 2000 },
    );
    try {
      const before = server.running.tables();
      const work = Promise.all([
        ...Object.keys(LOGIN).map((d) => churn((i) => tcpCycle(server.ports[d]!, d, i))),
        churn((i) => udpCycle(server.ports.udp!, i)),
      ]).then(() => undefined);
      const peak = await peaks(server, work);
      // The last client is refused a login and leaves: nothing uses the login table after
      // it, so only the server's own sweep can forget its address once the window passes.
      await tcpCycle(server.ports.cs262!, "cs262", 1);
      // The cycles did reach every table this test watches (else it could not fail).
      for (const table of ["hub.members", "hub.presenceAudience", "connections.addresses", "logins.addresses", "udp.peers", "lab.connections", "gowing.connections", "bcs.connections", "cs262.connections"]) {
        assert.ok(peak[table]! > 0, `${table} never grew during the churn: ${JSON.stringify(peak)}`);
      }
      const deadline = Date.now() + SETTLE_MS;
      let after = server.running.tables();
      while (JSON.stringify(after) !== JSON.stringify(before) && Date.now() < deadline) {
        await sleep(100);
        after = server.running.tables();
      }
      assert.deepEqual(after, before, `tables ${SETTLE_MS} ms after the last of ${CYCLES} cycles per dialect (peaks: ${JSON.stringify(peak)})`);
    } finally {
      await server.close();
    }
  });
});
