/**
 * The Connection's message rate (--msg-rate, --msg-burst) and a session's own wait, with
 * a toy line dialect over a real TcpListener: frames over the rate are held and handed
 * over in order once tokens are back (no overRate), or handed to overRate and followed
 * by a wait (with overRate); a session that waits with its input paused (as for a hub
 * answer still to come: a login past its address's allowance) is handed nothing more
 * until it resumes; acks declared free never wait.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { silentLog } from "../../src/log/ops-log.js";
import type { Conn, StreamDialect, StreamSession } from "../../src/transport/session.js";
import { NEED, type Decoded, type StreamCodec } from "../../src/transport/stream-codec.js";
import { TcpListener } from "../../src/transport/tcp-listener.js";

const lineCodec: StreamCodec<string> = {
  decode(buf: Buffer, offset: number): Decoded<string> {
    const nl = buf.indexOf(0x0a, offset);
    if (nl < 0) return NEED;
    return { kind: "frame", frame: buf.toString("latin1", offset, nl), consumed: nl - offset + 1 };
  },
};

interface Handled {
  readonly line: string;
  readonly at: number;
}

/**
 * Records every line with the time it was handled; `ack` lines are free; `wait N` is
 * answered after N ms, with input paused meanwhile (as a session waits for a pending
 * hub answer).
 */
class ToySession implements StreamSession<string> {
  readonly name = "toy";
  constructor(
    private readonly conn: Conn,
    private readonly handled: Handled[],
  ) {}
  onFrame(line: string): void {
    const wait = /^wait (\d+)$/.exec(line);
    if (!wait) return this.answer(line);
    this.conn.pauseInput();
    setTimeout(
      this.conn.guarded(() => {
        this.answer(line);
        this.conn.resumeInput();
      }),
      Number(wait[1]),
    );
  }
  private answer(line: string): void {
    this.handled.push({ line, at: Date.now() });
    this.conn.reply(Buffer.from(`ok ${line}\n`));
  }
  isRateFree(line: string): boolean {
    return line === "ack";
  }
  overRate?(line: string): void;
  onBody(): void {}
  onBodyEnd(): void {}
  onDecodeError(): void {}
  onClose(): void {}

  static dialect(handled: Handled[], answerOverRate: boolean): StreamDialect<string> {
    return {
      name: "toy",
      createCodec: () => lineCodec,
      createSession: (conn) => {
        const s = new ToySession(conn, handled);
        if (answerOverRate) s.overRate = (line) => void conn.send(Buffer.from(`limited ${line}\n`));
        return s;
      },
    };
  }
}

async function withToy(limits: Partial<Limits>, answerOverRate: boolean, test: (client: Client, handled: Handled[]) => Promise<void>): Promise<void> {
  const handled: Handled[] = [];
  const all = { ...DEFAULT_LIMITS, ...limits };
  const tcp = new TcpListener({ dialect: ToySession.dialect(handled, answerOverRate), host: "127.0.0.1", port: 0, limits: all, log: silentLog });
  const { port } = await tcp.listen();
  const client = await Client.open(port);
  try {
    await test(client, handled);
  } finally {
    client.socket.destroy();
    await tcp.close();
  }
}

class Client {
  readonly lines: string[] = [];
  private partial = "";
  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.partial += d.toString("latin1");
      let nl: number;
      while ((nl = this.partial.indexOf("\n")) >= 0) {
        this.lines.push(this.partial.slice(0, nl));
        this.partial = this.partial.slice(nl + 1);
      }
    });
  }
  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new Client(s)));
      s.once("error", reject);
    });
  }
  async waitFor(n: number, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.lines.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.lines.length} of ${n} lines: ${JSON.stringify(this.lines)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

describe("connection message rate", { timeout: 20_000 }, () => {
  it("holds frames over the rate and hands them over in order, one per token, with no answer of its own", () =>
    withToy({ msgRate: 10, msgBurst: 2 }, false, async (client, handled) => {
      const t0 = Date.now();
      client.socket.write("1\n2\n3\n4\n5\n");
      await client.waitFor(5);
      assert.deepEqual(client.lines, ["ok 1", "ok 2", "ok 3", "ok 4", "ok 5"]);
      const at = handled.map((h) => h.at - t0);
      // The burst at once, then one every 100 ms (timers may be late, never early).
      assert.ok(at[1]! < 80, `${at}`);
      for (let i = 2; i < 5; i++) assert.ok(at[i]! - at[i - 1]! >= 90, `handled at ${at}`);
      assert.ok(at[4]! >= 290, `handled at ${at}`);
    }));

  it("with overRate, answers each frame over the rate and then reads nothing until a token is back", () =>
    withToy({ msgRate: 10, msgBurst: 2 }, true, async (client, handled) => {
      client.socket.write("1\n2\n3\n4\n5\n6\n");
      await client.waitFor(6);
      // 1 and 2 spend the burst, 3 is answered as limited, then 4 waits for the next token
      // (and takes it), 5 is limited again, and 6 takes the token after.
      assert.deepEqual(client.lines, ["ok 1", "ok 2", "limited 3", "ok 4", "limited 5", "ok 6"]);
      assert.deepEqual(handled.map((h) => h.line), ["1", "2", "4", "6"]);
    }));

  it("never holds frames the session calls free (acks)", () =>
    withToy({ msgRate: 1, msgBurst: 1 }, true, async (client) => {
      client.socket.write("1\n" + "ack\n".repeat(20));
      await client.waitFor(21, 1000);
      assert.equal(client.lines.filter((l) => l === "ok ack").length, 20);
    }));

  it("hands a session that waits with its input paused nothing more until it resumes", () =>
    withToy({ msgRate: 0 }, false, async (client, handled) => {
      const t0 = Date.now();
      client.socket.write("wait 300\nafter\n");
      await client.waitFor(2);
      assert.deepEqual(client.lines, ["ok wait 300", "ok after"]);
      assert.ok(handled[0]!.at - t0 >= 290, `handled after ${handled[0]!.at - t0} ms`);
    }));

  it("is off with --msg-rate 0: a thousand frames at once are handled at once", () =>
    withToy({ msgRate: 0 }, true, async (client) => {
      client.socket.write(Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(""));
      await client.waitFor(1000, 2000);
      assert.ok(client.lines.every((l) => l.startsWith("ok ")));
    }));
});
