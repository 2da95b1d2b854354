/**
 * A slow consumer under load (issue 8): one lab client logs in and never reads while 50
 * others chat and also write to it. The silent one is closed by its queue limit
 * (README "Unresponsive clients": --queue-frames / --queue-bytes), the server's RSS grows
 * by less than 64 MiB, and the others' delivery latency stays under 50 ms at the 99th
 * percentile while it happens. Spawned server process; RSS from /proc/<pid>/status.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

const dataDir = tempDir("sb-slow-");
after(() => rmSync(dataDir, { recursive: true, force: true }));

const CHATTERS = 50;
const FILLER = "x".repeat(3000);

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

/** A chatter: logs in, then times every DELIVERY stamped `t<ms>` that reaches it. */
class Chatter {
  readonly latencies: number[] = [];
  badDest = 0;
  private partial = "";
  constructor(
    readonly name: string,
    readonly socket: Socket,
  ) {
    socket.on("data", (d: Buffer) => {
      this.partial += d.toString("latin1");
      let nl: number;
      while ((nl = this.partial.indexOf("\n")) >= 0) {
        const line = this.partial.slice(0, nl);
        this.partial = this.partial.slice(nl + 1);
        const m = / t([\d.]+)$/.exec(line);
        if (m && line.startsWith("DELIVERY ")) this.latencies.push(performance.now() - Number(m[1]));
        else if (line === "BAD-DEST-USER") this.badDest++;
      }
    });
  }
  static async login(port: number, name: string): Promise<Chatter> {
    const peer = await RawLab.login(port, name);
    peer.socket.removeAllListeners("data");
    return new Chatter(name, peer.socket);
  }
}

describe("a slow consumer among 50 chatters", () => {
  it("is disconnected by its queue limit while RSS grows < 64 MiB and delivery p99 stays < 50 ms", { timeout: 90_000 }, async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ lab: "0" }), "--host", "127.0.0.1", "--data-dir", dataDir]);
    try {
      const port = server.ports.lab!;
      const pid = server.child.pid!;
      const chatters = await Promise.all(Array.from({ length: CHATTERS }, (_, i) => Chatter.login(port, `chat${i}`)));
      // The silent one: logs in, then never reads another byte.
      const silent = connect(port, "127.0.0.1");
      silent.on("error", () => undefined);
      await new Promise((r) => silent.once("connect", r));
      silent.write("HELLO-FROM silent\n");
      silent.pause();
      const checker = await RawLab.login(port, "checker");
      await new Promise((r) => setTimeout(r, 200));
      const rssBefore = rssBytes(pid);
      let rssPeak = rssBefore;

      // Every 20 ms each chatter writes 3 KB to the silent one and a stamped line to a neighbour.
      let round = 0;
      const tick = setInterval(() => {
        for (let i = 0; i < CHATTERS; i++) {
          const c = chatters[i]!;
          c.socket.write(`SEND silent ${FILLER}\nSEND chat${(i + 1 + round) % CHATTERS} t${performance.now()}\n`);
        }
        round++;
        rssPeak = Math.max(rssPeak, rssBytes(pid));
      }, 20);

      // Until the silent one is gone from the hub (LIST), for at most 30 s.
      const deadline = Date.now() + 30_000;
      let gone = false;
      while (!gone && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        checker.write("LIST\n");
        let line: string | undefined;
        do line = await checker.next(5000);
        while (line !== undefined && !line.startsWith("LIST-OK"));
        gone = line !== undefined && !line.slice("LIST-OK ".length).split(",").includes("silent");
      }
      const roundsAtDisconnect = round;
      // Keep chatting a little after the disconnect: the others are not disturbed by it.
      await new Promise((r) => setTimeout(r, 1000));
      clearInterval(tick);
      await new Promise((r) => setTimeout(r, 300)); // the last deliveries arrive

      assert.ok(gone, "the silent client was disconnected");
      assert.ok(chatters.some((c) => c.badDest > 0), "sends to it are refused once it is gone");
      const growth = rssPeak - rssBefore;
      const latencies = chatters.flatMap((c) => c.latencies).sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
      console.log(
        `slow consumer: disconnected after ${roundsAtDisconnect} rounds (${((roundsAtDisconnect * CHATTERS * FILLER.length) / 2 ** 20).toFixed(1)} MiB written to it); ` +
          `RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB -> peak ${(rssPeak / 2 ** 20).toFixed(1)} MiB (+${(growth / 2 ** 20).toFixed(1)}); ` +
          `${latencies.length} deliveries, p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
      );
      assert.ok(growth < 64 * 2 ** 20, `RSS grew ${(growth / 2 ** 20).toFixed(1)} MiB`);
      assert.equal(latencies.length, round * CHATTERS, "every stamped line was delivered");
      assert.ok(p99 < 50, `delivery p99 ${p99.toFixed(1)} ms`);
      silent.destroy();
      checker.close();
      for (const c of chatters) c.socket.destroy();
    } finally {
      await server.stop();
    }
  });
});
