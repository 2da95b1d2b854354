/**
 * A child process that opens and logs in many idle connections of several dialects,
 * so that the test process itself needs no raised open-file limit (the parent spawns
 * this under `ulimit -n`). Usage: node idle-load.js '<json: {ports, counts}>'.
 * Prints one JSON line when every connection is logged in (or one failed), then holds
 * them, acknowledging bcs delivers (joins of later users) as a live client does, until
 * stdin ends; `status` on stdin prints how many are still open.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { BcsCodec, encodeFrame as encodeBcs, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { encodeFrame as encodeCs262 } from "../../src/protocols/cs262/codec.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { encodeText as encodeGowing } from "../../src/protocols/gowing/codec.js";
import { encodeFrame as encodeUdp } from "../../src/protocols/udp/codec.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";

type Dialect = "lab" | "cs262" | "udp" | "gowing" | "bcs";
const config = JSON.parse(process.argv[2]!) as { ports: Record<string, number>; counts: [Dialect, number][] };
const sockets: Socket[] = [];
const udpSockets: UdpSocket[] = [];
let open = 0;

/** Resolves once the first bytes of the login answer arrived (each dialect answers a login first). */
function loginTcp(dialect: Exclude<Dialect, "udp">, i: number): Promise<void> {
  const name = `${dialect}${i}`;
  return new Promise((resolve, reject) => {
    const s = connect(config.ports[dialect]!, "127.0.0.1");
    sockets.push(s);
    let answered = false;
    const timer = setTimeout(() => reject(new Error(`${name}: no login answer in 30 s`)), 30_000);
    const ok = (): void => {
      if (answered) return;
      answered = true;
      open++;
      clearTimeout(timer);
      resolve();
    };
    s.on("error", (err) => reject(new Error(`${name}: ${err.message}`)));
    s.on("close", () => {
      if (answered) open--;
      reject(new Error(`${name}: closed`));
    });
    s.once("connect", () => {
      if (dialect === "lab") s.write(`HELLO-FROM ${name}\n`);
      else if (dialect === "gowing") s.write(encodeGowing(0, name));
      else if (dialect === "cs262") s.write(encodeCs262({ command: Command.Create, name, password: undefined }));
      else s.write(encodeBcs({ type: FrameType.Register, username: name }));
    });
    if (dialect === "bcs") {
      // Acknowledge every deliver (user list, later joins) as a live client does.
      const reader = new FrameReader(
        new BcsCodec(1 << 20),
        {
          onFrame: (f) => {
            if (f.type === FrameType.Status) ok();
            else if (f.type === FrameType.Deliver || f.type === FrameType.FNotify) s.write(encodeStatus(0, "ok"));
          },
          onBody() {},
          onBodyEnd() {},
          onDecodeError() {},
        },
        1 << 20,
      );
      s.on("data", (d: Buffer) => reader.push(d));
    } else {
      s.on("data", ok); // the rest (gowing notices) is read and dropped
    }
  });
}

function loginUdp(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    udpSockets.push(s);
    const timer = setTimeout(() => reject(new Error(`udp${i}: no OK in 10 s`)), 10_000);
    s.on("message", (d) => {
      if (d[0] === Op.Ok) {
        clearTimeout(timer);
        open++;
        resolve();
      }
    });
    s.bind(0, "127.0.0.1", () => s.send(encodeUdp({ op: Op.Register, name: `udp${i}` }), config.ports.udp!, "127.0.0.1"));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const perDialect: Record<string, number> = {};
  for (const [dialect, count] of config.counts) {
    const t0 = performance.now();
    // At most 200 logins in flight: a burst of thousands of SYNs would overflow the backlog.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        await (dialect === "udp" ? loginUdp(i) : loginTcp(dialect, i));
      }
    };
    await Promise.all(Array.from({ length: Math.min(200, count) }, lane));
    perDialect[dialect] = performance.now() - t0;
  }
  process.stdout.write(`${JSON.stringify({ done: true, open, ms: performance.now() - started, perDialect })}\n`);
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "status") process.stdout.write(`${JSON.stringify({ open })}\n`);
  })
  .on("close", () => process.exit(0));

main().catch((err: Error) => {
  process.stdout.write(`${JSON.stringify({ error: err.message, open })}\n`);
  process.exit(1);
});
