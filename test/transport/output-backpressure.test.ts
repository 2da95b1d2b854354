/**
 * The Connection's output rule (README "Unresponsive clients", issue 20 point 2), with a
 * toy line dialect over a real TcpListener:
 * - a reply (queued while the connection's own input is handled, or by conn.reply) never
 *   makes it a slow consumer; past OUTPUT_HIGH_WATER of unsent output the connection's
 *   input is no longer read until the socket has taken it;
 * - what others push to a connection that never reads still drops it at its queue limit,
 *   logged at warn with the dialect, user, address and what was queued.
 * Each toy reply is 4 KiB, so 3,000 of them (12 MiB) are far more than the kernel holds.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { OUTPUT_HIGH_WATER } from "../../src/transport/connection.js";
import type { Conn, StreamDialect, StreamSession } from "../../src/transport/session.js";
import { NEED, type Decoded, type StreamCodec } from "../../src/transport/stream-codec.js";
import { TcpListener } from "../../src/transport/tcp-listener.js";
import { captureLog } from "../helpers/capture-log.js";

const lineCodec: StreamCodec<string> = {
  decode(buf: Buffer, offset: number): Decoded<string> {
    const nl = buf.indexOf(0x0a, offset);
    if (nl < 0) return NEED;
    return { kind: "frame", frame: buf.toString("latin1", offset, nl), consumed: nl - offset + 1 };
  },
};

const REPLY_BYTES = 4096;
const REQUESTS = 3000;

/** `big <n>` is answered by 4 KiB ending in `<n>`; `push` queues a 4 KiB frame to every other session. */
class ToySession implements StreamSession<string> {
  constructor(
    readonly name: string,
    private readonly conn: Conn,
    private readonly all: Set<ToySession>,
    private readonly counter: { handled: number },
  ) {
    all.add(this);
  }
  onFrame(line: string): void {
    this.counter.handled++;
    if (line === "push") {
      for (const s of this.all) if (s !== this) s.conn.send(Buffer.alloc(REPLY_BYTES, "p"));
      return;
    }
    const n = line.slice("big ".length);
    this.conn.send(Buffer.concat([Buffer.alloc(REPLY_BYTES - n.length - 1, "r"), Buffer.from(`${n}\n`)]));
  }
  onBody(): void {}
  onBodyEnd(): void {}
  onDecodeError(): void {}
  onClose(): void {
    this.all.delete(this);
  }
}

async function withToy(test: (port: number, counter: { handled: number }, records: ReturnType<typeof captureLog>["records"]) => Promise<void>): Promise<void> {
  const all = new Set<ToySession>();
  const counter = { handled: 0 };
  let made = 0;
  const dialect: StreamDialect<string> = { name: "toy", createCodec: () => lineCodec, createSession: (conn) => new ToySession(`u${made++}`, conn, all, counter) };
  const { log, records } = captureLog();
  const tcp = new TcpListener({ dialect, host: "127.0.0.1", port: 0, limits: { ...DEFAULT_LIMITS, msgRate: 0 }, log });
  const { port } = await tcp.listen();
  try {
    await test(port, counter, records);
  } finally {
    await tcp.close();
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("output backpressure", { timeout: 60_000 }, () => {
  it("stops reading a pipelining client whose replies back up, and answers every request in order once it reads", () =>
    withToy(async (port, counter, records) => {
      const client = await open(port);
      client.on("error", () => undefined);
      client.pause();
      let requests = "";
      for (let i = 0; i < REQUESTS; i++) requests += `big ${i}\n`;
      client.write(requests);
      await sleep(1000);
      // Not read on: far fewer handled than sent (the kernel holds a few MB at most).
      const handledWhileStuck = counter.handled;
      assert.ok(handledWhileStuck < REQUESTS, `all ${handledWhileStuck} requests were handled while nothing was read`);
      assert.equal(client.destroyed, false, "the client was dropped");

      // Read 64 KiB a millisecond: each answer, in order.
      let partial = "";
      let next = 0;
      while (next < REQUESTS && !client.destroyed) {
        const chunk = client.read(Math.min(64 * 1024, client.readableLength)) as Buffer | null;
        if (chunk === null) {
          client.read(0);
          await sleep(1);
          continue;
        }
        partial += chunk.toString("latin1");
        let nl: number;
        while ((nl = partial.indexOf("\n")) >= 0) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          assert.equal(line.length, REPLY_BYTES - 1);
          assert.ok(line.endsWith(`r${next}`), `answer ${next} ends ${line.slice(-10)}`);
          next++;
        }
        await sleep(1);
      }
      assert.equal(next, REQUESTS, `only ${next} answers before the connection closed: ${JSON.stringify(records.slice(-3))}`);
      assert.equal(counter.handled, REQUESTS);
      client.destroy();
    }));

  it("still drops a client that never reads what others push, at its queue limit, logged at warn", () =>
    withToy(async (port, _counter, records) => {
      const silent = await open(port);
      silent.on("error", () => undefined);
      silent.pause();
      const pusher = await open(port);
      pusher.on("error", () => undefined);
      pusher.write("push\n".repeat(DEFAULT_LIMITS.queueFrames + 2000));
      const deadline = Date.now() + 10_000;
      while (!silent.destroyed && Date.now() < deadline) {
        silent.read(0);
        await sleep(20);
      }
      assert.ok(silent.destroyed, "the silent client was dropped");
      const warned = records.find((r) => r.msg === "slow consumer disconnected");
      assert.ok(warned, "a warn line");
      assert.equal(warned.level, 40);
      assert.equal(warned.dialect, "toy");
      assert.equal(warned.user, "u0");
      assert.match(String(warned.remote), /^127\.0\.0\.1:\d+$/);
      assert.ok(Number(warned.queuedBytes) > OUTPUT_HIGH_WATER, `queuedBytes ${warned.queuedBytes}`);
      assert.ok(Number(warned.queuedFrames) > 0, `queuedFrames ${warned.queuedFrames}`);
      assert.equal(pusher.destroyed, false, "the pusher is not dropped for its own requests");
      pusher.destroy();
    }));
});
