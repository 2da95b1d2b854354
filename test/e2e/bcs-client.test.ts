/**
 * bcs_client as a process (seed 000, docs/bcs.md): against the real bcs_server for chat,
 * names and files, and against a scripted fake server for what a real one cannot be made
 * to do on cue (holding a reply back, sending bad bytes, hanging up).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { HAS_SCRIPT } from "../helpers/terminal.js";
import { PtyClient } from "../helpers/pty-client.js";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { BcsCodec, encodeDeliver, encodeFNotify, encodeRecvFileHeader, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType, type BcsFrame } from "../../src/protocols/bcs/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { Inbox } from "../helpers/inbox.js";
import { Interactive } from "../helpers/interactive.js";
import { CLI, spawnServer, tempDir, type SpawnedServer } from "../helpers/server.js";

const TEST_TIMEOUT = 30_000;

/** A bcs_client child process with piped stdin/stdout/stderr, read line by line. */
class Client extends Interactive {
  static start(port: number, name: string, cwd = tempDir("sb-client-")): Client {
    return new Client(CLI("bcs-client"), ["-h", "127.0.0.1", "-p", String(port), "-u", name], { cwd });
  }

  count(line: string): number {
    return this.out.filter((l) => l === line).length;
  }
}

afterEach(() => Interactive.killAll());

// ---- a scripted server ------------------------------------------------------------------

type Got = BcsFrame & { body?: Buffer };

/** One connection to the fake server: frames the client sent, with sendfile bodies collected. */
class FakeConn {
  private readonly frames = new Inbox<Got>();
  private upload: { frame: Got; parts: Buffer[] } | undefined;
  /** Called when a sendfile header arrives, before its body. */
  onSendFileHeader: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    const reader = new FrameReader<BcsFrame>(
      new BcsCodec(1 << 20),
      {
        onFrame: (f) => {
          if (f.type === FrameType.SendFile) {
            this.upload = { frame: { ...f }, parts: [] };
            this.onSendFileHeader?.();
          } else this.frames.push(f);
        },
        onBody: (chunk) => this.upload?.parts.push(Buffer.from(chunk)),
        onBodyEnd: () => {
          const up = this.upload!;
          this.upload = undefined;
          up.frame.body = Buffer.concat(up.parts);
          this.frames.push(up.frame);
        },
        onDecodeError: (e) => this.frames.push({ type: FrameType.Status, code: 255, message: `fake server could not decode: ${e.message}` }),
      },
      1 << 20,
    );
    socket.on("data", (c) => reader.push(c));
    socket.on("error", () => undefined);
    void this.frames.closeOn(socket);
  }

  /** The next frame from the client, or undefined once it has closed the connection. */
  next(ms = 5000): Promise<Got | undefined> {
    return this.frames.next(ms, "frame from the client at the fake server");
  }

  /** True when the client sends nothing within `ms`. */
  quiet(ms: number): Promise<boolean> {
    return this.frames.quiet(ms);
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Expect the client's `register` and accept it, with the usual user list. */
  async accept(name: string): Promise<void> {
    assert.deepEqual(await this.next(), { type: FrameType.Register, username: name });
    this.write(encodeStatus(0, "ok"));
    this.write(encodeDeliver("server", "online: nobody else"));
    assert.deepEqual(await this.next(), { type: FrameType.Status, code: 0, message: "ok" }, "ack of the user list");
  }
}

class FakeServer {
  /** Never closed: connections keep coming until the server is closed. */
  private readonly conns = new Inbox<FakeConn>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      this.conns.push(new FakeConn(socket));
    });
  }

  static start(): Promise<FakeServer> {
    const server = createServer();
    return new Promise((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        const addr = server.address();
        resolve(new FakeServer(server, typeof addr === "object" && addr ? addr.port : 0));
      }),
    );
  }

  connection(ms = 5000): Promise<FakeConn> {
    return this.conns.next(ms, "connection to the fake server") as Promise<FakeConn>; // never undefined: never closed
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port with nothing listening (taken, then released). */
async function closedPort(): Promise<number> {
  const fake = await FakeServer.start();
  await fake.close();
  return fake.port;
}

// ---- against the real bcs_server --------------------------------------------------------

describe("bcs_client against bcs_server", () => {
  let server: SpawnedServer;
  let port: number;
  let filesDir: string;

  before(async () => {
    const dir = tempDir();
    filesDir = join(dir, "files");
    server = await spawnServer(CLI("bcs-server"), ["-p", "0", "--host", "127.0.0.1", "-f", filesDir], dir);
    port = server.ports["bcs"]!;
  });

  after(async () => {
    await server.stop();
  });

  it("exits with status 1 when the name is taken, in any case", { timeout: TEST_TIMEOUT }, async () => {
    const holder = Client.start(port, "Tina");
    await holder.waitFor("server: online: nobody else");
    for (const name of ["Tina", "tina", "TINA"]) {
      const dup = Client.start(port, name);
      assert.equal(await dup.exit(), 1, dup.dump());
      assert.ok(dup.err.includes("error: name in use"), dup.dump());
      assert.deepEqual(dup.out, [], "a refused client prints no chat");
    }
    // The holder is unaffected and still chatting.
    holder.type("still here");
    await holder.waitFor("Tina: still here");
    holder.endInput();
    assert.equal(await holder.exit(), 0, holder.dump());
    assert.ok(!holder.out.some((l) => /tina has connected/i.test(l)), holder.dump());
  });

  it("exits with status 2 for an invalid or reserved name", { timeout: TEST_TIMEOUT }, async () => {
    for (const name of ["bad name", "server", "x".repeat(33), "semi;colon"]) {
      const c = Client.start(port, name);
      assert.equal(await c.exit(), 2, `${name}: ${c.dump()}`);
      assert.match(c.err.join("\n"), /^error: invalid name/m, c.dump());
    }
  });

  it("lets three clients chat: each sees the others' lines and its own line once", { timeout: TEST_TIMEOUT }, async () => {
    const ann = Client.start(port, "ann");
    await ann.waitFor("server: online: nobody else");
    const ben = Client.start(port, "ben");
    await ben.waitFor("server: online: ann");
    await ann.waitFor("server: ben has connected");
    const cy = Client.start(port, "cy");
    await cy.waitFor(/^server: online: (ann, ben|ben, ann)$/);
    await ann.waitFor("server: cy has connected");
    await ben.waitFor("server: cy has connected");

    ann.type("hello from ann");
    ben.type("hi ann, ben here");
    cy.type("cy says hi ✓");
    for (const c of [ann, ben, cy]) {
      await c.waitFor("ann: hello from ann");
      await c.waitFor("ben: hi ann, ben here");
      await c.waitFor("cy: cy says hi ✓");
    }
    // Own lines are printed once by the client; the server never echoes them back.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ann.count("ann: hello from ann"), 1, ann.dump());
    assert.equal(ben.count("ben: hi ann, ben here"), 1, ben.dump());
    assert.equal(cy.count("cy: cy says hi ✓"), 1, cy.dump());

    ann.type("/quit");
    assert.equal(await ann.exit(), 0, ann.dump());
    await ben.waitFor("server: ann has disconnected");
    await cy.waitFor("server: ann has disconnected");
    for (const c of [ben, cy]) c.endInput();
    assert.equal(await ben.exit(), 0, ben.dump());
    assert.equal(await cy.exit(), 0, cy.dump());
    for (const c of [ann, ben, cy]) assert.deepEqual(c.err, [], c.dump());
  });

  it("acks a burst of delivers while its own sends are outstanding", { timeout: TEST_TIMEOUT }, async () => {
    const { peer } = await RawBcs.login(port, "burst_peer");
    const c = Client.start(port, "burst_client");
    await c.waitFor("server: online: burst_peer");
    assert.deepEqual(await peer.deliver(), { from: "server", message: "burst_client has connected" });
    const n = 30;
    // The peer sends everything at once; the client types everything at once.
    for (let i = 0; i < n; i++) peer.send({ type: FrameType.Send, message: `from peer ${i}` });
    for (let i = 0; i < n; i++) c.type(`from client ${i}`);
    let replies = 0;
    const got: string[] = [];
    while (replies < n || got.length < n) {
      const f = await peer.next(5000);
      assert.ok(f !== undefined, "peer connection closed");
      if (f.type === FrameType.Status) {
        assert.equal(f.code, 0, f.message);
        replies++;
      } else {
        assert.equal(f.type, FrameType.Deliver);
        got.push(`${f.from}: ${f.message}`);
        peer.ack();
      }
    }
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => `burst_client: from client ${i}`));
    for (let i = 0; i < n; i++) await c.waitFor(`burst_peer: from peer ${i}`);
    assert.deepEqual(
      c.out.filter((l) => l.startsWith("burst_client: ")),
      Array.from({ length: n }, (_, i) => `burst_client: from client ${i}`),
    );
    c.endInput();
    assert.equal(await c.exit(), 0, c.dump());
    peer.close();
  });

  it("sends a file with /sendfile and gets it back byte-exact with /getfile", { timeout: TEST_TIMEOUT }, async () => {
    const work = tempDir("sb-files-");
    const content = randomBytes(1024 * 1024);
    const src = join(work, "random.bin");
    writeFileSync(src, content);
    const downloads = join(work, "downloads");
    mkdirSync(downloads);

    const up = Client.start(port, "uploader", work);
    await up.waitFor(/^server: online: /);
    const down = Client.start(port, "downloader", work);
    await up.waitFor("server: downloader has connected");
    const watcher = Client.start(port, "watcher", work);
    await down.waitFor("server: watcher has connected");
    await up.waitFor("server: watcher has connected");

    up.type(`/sendfile ${src}`);
    await up.waitFor("uploaded random.bin");
    await down.waitFor("server: uploader has uploaded random.bin to the server");
    await watcher.waitFor("server: uploader has uploaded random.bin to the server");
    assert.ok(!up.out.some((l) => l.includes("has uploaded")), "the uploader gets no fnotify of its own");
    assert.ok(readFileSync(join(filesDir, "random.bin")).equals(content), "stored on the server byte-exact");

    // Into a directory, under another name, and to the default ./<name>.
    down.type(`/getfile random.bin ${downloads}`);
    await down.waitFor(`downloaded random.bin (${content.length} bytes) to ${join(downloads, "random.bin")}`);
    down.type(`/getfile random.bin ${join(downloads, "copy.bin")}`);
    await down.waitFor(`downloaded random.bin (${content.length} bytes) to ${join(downloads, "copy.bin")}`);
    // ./random.bin is taken (the uploaded original is there): never replaced, numbered instead.
    writeFileSync(src, "the local original");
    watcher.type("/getfile random.bin");
    await watcher.waitFor(`downloaded random.bin (${content.length} bytes) to ./random (1).bin`);
    assert.equal(readFileSync(src, "utf8"), "the local original", "an existing file is never overwritten");
    assert.ok(readFileSync(join(work, "random (1).bin")).equals(content));
    down.type(`/getfile random.bin ${downloads}`);
    await down.waitFor(`downloaded random.bin (${content.length} bytes) to ${join(downloads, "random (1).bin")}`);
    down.type(`/getfile random.bin ${join(downloads, "copy.bin")}`);
    await down.waitFor(`downloaded random.bin (${content.length} bytes) to ${join(downloads, "copy (1).bin")}`);
    down.type(`/getfile random.bin ${downloads}`);
    await down.waitFor(`downloaded random.bin (${content.length} bytes) to ${join(downloads, "random (2).bin")}`);
    for (const name of ["random.bin", "copy.bin", "random (1).bin", "copy (1).bin", "random (2).bin"]) {
      assert.ok(readFileSync(join(downloads, name)).equals(content), name);
    }
    const saved = ["copy (1).bin", "copy.bin", "random (1).bin", "random (2).bin", "random.bin"];
    assert.deepEqual(readdirSync(downloads).sort(), saved, "no temporary files left");

    // Errors are reported and the session goes on.
    down.type("/getfile no-such-file.txt");
    await down.waitFor("error: file not found", 5000, "err");
    up.type(`/sendfile ${src}`);
    await up.waitFor("error: file exists", 5000, "err");
    up.type(`/sendfile ${join(work, "missing.bin")}`);
    await up.waitFor(/^error: cannot send .*missing\.bin: no such file or directory$/, 5000, "err");
    up.type("after the errors");
    await down.waitFor("uploader: after the errors");
    assert.deepEqual(readdirSync(downloads).sort(), saved);

    for (const c of [up, down, watcher]) c.endInput();
    for (const c of [up, down, watcher]) assert.equal(await c.exit(), 0, c.dump());
  });

  it("at end of input finishes every queued line and file, then exits 0", { timeout: TEST_TIMEOUT }, async () => {
    const work = tempDir("sb-eof-");
    const content = randomBytes(300 * 1024);
    writeFileSync(join(work, "eof.bin"), content);
    const { peer } = await RawBcs.login(port, "eof_peer");
    const c = Client.start(port, "eof_client", work);
    await c.waitFor("server: online: eof_peer");
    await peer.deliver();
    const lines = Array.from({ length: 40 }, (_, i) => `queued ${i}`);
    // All typed at once, with a file in the middle, and input closed straight away.
    c.child.stdin!.end([...lines.slice(0, 20), "/sendfile eof.bin", ...lines.slice(20)].join("\n") + "\n");
    const got: string[] = [];
    while (got.length < 41) {
      const f = await peer.next(5000);
      assert.ok(f !== undefined, `peer connection closed after ${got.length}`);
      if (f.type === FrameType.Deliver) got.push(`${f.from}: ${f.message}`);
      else if (f.type === FrameType.FNotify) got.push(`fnotify ${f.user} ${f.file}`);
      else assert.fail(`unexpected frame ${JSON.stringify(f)}`);
      peer.ack();
    }
    assert.deepEqual(got, [
      ...lines.slice(0, 20).map((l) => `eof_client: ${l}`),
      "fnotify eof_client eof.bin",
      ...lines.slice(20).map((l) => `eof_client: ${l}`),
    ]);
    assert.equal(await c.exit(), 0, c.dump());
    assert.ok(c.out.includes("uploaded eof.bin"), c.dump());
    assert.deepEqual(await peer.deliver(), { from: "server", message: "eof_client has disconnected" });
    assert.ok(readFileSync(join(filesDir, "eof.bin")).equals(content));
    peer.close();
  });

  it("exits 1 with a message when it cannot connect", { timeout: TEST_TIMEOUT }, async () => {
    const c = Client.start(await closedPort(), "nobody");
    assert.equal(await c.exit(), 1, c.dump());
    assert.match(c.err.join("\n"), /^error: cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED$/m);
  });
});

// ---- against a scripted server -----------------------------------------------------------

describe("bcs_client against a scripted server", () => {
  let fake: FakeServer;

  before(async () => {
    fake = await FakeServer.start();
  });

  after(async () => {
    await fake.close();
  });

  it("keeps one send outstanding, queues the next, and acks delivers meanwhile", { timeout: TEST_TIMEOUT }, async () => {
    const c = Client.start(fake.port, "zed");
    const conn = await fake.connection();
    await conn.accept("zed");
    c.type("one");
    c.type("two");
    assert.deepEqual(await conn.next(), { type: FrameType.Send, message: "one" });
    // No reply to "one" yet: delivers still get their acks at once, and "two" waits.
    conn.write(encodeDeliver("pat", "m1"));
    assert.deepEqual(await conn.next(), { type: FrameType.Status, code: 0, message: "ok" });
    conn.write(encodeDeliver("pat", "m2"));
    assert.deepEqual(await conn.next(), { type: FrameType.Status, code: 0, message: "ok" });
    conn.write(encodeFNotify("pat", "f.txt"));
    assert.deepEqual(await conn.next(), { type: FrameType.Status, code: 0, message: "ok" });
    assert.ok(await conn.quiet(300), "the second line must wait for the first reply");
    conn.write(encodeStatus(0, "ok"));
    assert.deepEqual(await conn.next(), { type: FrameType.Send, message: "two" });
    conn.write(encodeStatus(5, "message too long"));
    await c.waitFor("error: message too long", 5000, "err");
    assert.deepEqual(c.out, ["server: online: nobody else", "zed: one", "pat: m1", "pat: m2", "server: pat has uploaded f.txt to the server", "zed: two"]);
    c.endInput();
    assert.equal(await c.exit(), 0, c.dump());
    assert.equal(await conn.next(), undefined, "the client closes after end of input");
  });

  it("holds an ack back until a file's bytes are all sent", { timeout: TEST_TIMEOUT }, async () => {
    const work = tempDir("sb-upload-");
    const content = randomBytes(4 * 1024 * 1024);
    writeFileSync(join(work, "big.bin"), content);
    const c = Client.start(fake.port, "uma", work);
    const conn = await fake.connection();
    await conn.accept("uma");
    conn.onSendFileHeader = () => {
      // Stop reading so the client is mid-body when the deliver arrives.
      conn.socket.pause();
      conn.write(encodeDeliver("pat", "during upload"));
      setTimeout(() => conn.socket.resume(), 300);
    };
    c.type("/sendfile big.bin");
    const up = await conn.next(10_000);
    assert.equal(up?.type, FrameType.SendFile);
    assert.equal(up.type === FrameType.SendFile && up.filename, "big.bin");
    assert.ok(up.body?.equals(content), "the body arrives whole, with no ack inside it");
    await c.waitFor("pat: during upload");
    assert.deepEqual(await conn.next(), { type: FrameType.Status, code: 0, message: "ok" }, "the ack, after the body");
    conn.write(encodeStatus(0, "ok"));
    await c.waitFor("uploaded big.bin");
    c.type("/quit");
    assert.equal(await c.exit(), 0, c.dump());
  });

  it("exits with the server's status code when register is refused", { timeout: TEST_TIMEOUT }, async () => {
    const c = Client.start(fake.port, "full");
    const conn = await fake.connection();
    assert.deepEqual(await conn.next(), { type: FrameType.Register, username: "full" });
    conn.write(encodeStatus(3, "server full"));
    assert.equal(await c.exit(), 3, c.dump());
    assert.deepEqual(c.err, ["error: server full"]);
  });

  it("exits 4 on bytes that do not decode, without a stack trace", { timeout: TEST_TIMEOUT }, async () => {
    const c = Client.start(fake.port, "dee");
    const conn = await fake.connection();
    await conn.accept("dee");
    conn.write(Buffer.from([0x63, 1, 2, 3]));
    assert.equal(await c.exit(), 4, c.dump());
    assert.match(c.err.join("\n"), /^error: undecodable data from server/m);
    assert.ok(!c.err.some((l) => /^\s+at /.test(l)), c.dump());
  });

  it("exits 4 on a frame the server must not send", { timeout: TEST_TIMEOUT }, async () => {
    const c = Client.start(fake.port, "eve");
    const conn = await fake.connection();
    await conn.accept("eve");
    conn.write(encodeStatus(0, "ok")); // a reply, with no request outstanding
    assert.equal(await c.exit(), 4, c.dump());
    assert.match(c.err.join("\n"), /protocol error from server/);
  });

  it("shows no progress bar when piped: file transfers print the same lines as ever", { timeout: TEST_TIMEOUT }, async () => {
    const work = tempDir("sb-piped-");
    const content = randomBytes(4 * MB);
    writeFileSync(join(work, "p.bin"), content);
    const c = Client.start(fake.port, "pip", work);
    const conn = await fake.connection();
    await conn.accept("pip");
    // Held up long enough that a bar, were there one, would have been redrawn.
    conn.onSendFileHeader = () => {
      conn.socket.pause();
      setTimeout(() => conn.socket.resume(), 400);
    };
    c.type("/sendfile p.bin");
    const up = await conn.next(10_000);
    assert.ok(up?.type === FrameType.SendFile && up.body?.equals(content), "the upload arrives whole");
    conn.write(encodeStatus(0, "ok"));
    await c.waitFor("uploaded p.bin");
    c.type("/getfile p.bin copy.bin");
    assert.deepEqual(await conn.next(), { type: FrameType.GetFile, filename: "p.bin" });
    conn.write(Buffer.concat([encodeRecvFileHeader(content.length), content.subarray(0, content.length / 2)]));
    await new Promise((r) => setTimeout(r, 400));
    conn.write(content.subarray(content.length / 2));
    await c.waitFor(`downloaded p.bin (${content.length} bytes) to copy.bin`);
    c.endInput();
    assert.equal(await c.exit(), 0, c.dump());
    assert.deepEqual(c.out, ["server: online: nobody else", "uploaded p.bin", `downloaded p.bin (${content.length} bytes) to copy.bin`]);
    assert.equal(c.text.out, c.out.join("\n") + "\n", "nothing but those lines: no bar, no carriage return, no escape code");
    assert.deepEqual(c.err, []);
    assert.ok(readFileSync(join(work, "copy.bin")).equals(content));
  });

  it("says so and exits 1 when the server hangs up mid-session", { timeout: TEST_TIMEOUT }, async () => {
    const c = Client.start(fake.port, "hal");
    const conn = await fake.connection();
    await conn.accept("hal");
    c.type("are you there");
    assert.deepEqual(await conn.next(), { type: FrameType.Send, message: "are you there" });
    conn.socket.destroy();
    assert.equal(await c.exit(), 1, c.dump());
    assert.deepEqual(c.err, ["error: the server closed the connection"]);
  });
});

// ---- on a terminal ------------------------------------------------------------------------

const MB = 1024 * 1024;

/** bcs_client on a pseudo-terminal (util-linux `script`); what it shows is replayed by screenOf. */
const TtyClient = {
  start: (port: number, name: string, cwd: string): PtyClient => PtyClient.start([process.execPath, CLI("bcs-client"), "-h", "127.0.0.1", "-p", String(port), "-u", name], { cwd }),
};

/** A bar row for file `name` of `total` bytes; `moved` is its byte count as shown. */
function barRow(row: string, name: string, total: string): { percent: number; moved: string } | undefined {
  const m = new RegExp(`^${name.replace(/\./g, "\\.")} \\[[#.]{30}\\] +(\\d+)%  (.+) / ${total}  .+/s$`).exec(row);
  return m === null ? undefined : { percent: Number(m[1]), moved: m[2]! };
}

/** Every percent drawn, in order: from 0, never backwards, to 100. */
function assertPercentsRise(raw: string): void {
  const percents = [...raw.matchAll(/\] +(\d+)%/g)].map((m) => Number(m[1]));
  assert.equal(percents[0], 0, raw);
  assert.equal(percents.at(-1), 100, raw);
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b));
}

describe("bcs_client and bcs_server --help", () => {
  for (const program of ["bcs_client", "bcs_server"] as const) {
    it(`${program} --help names ${program}`, () => {
      const run = spawnSync(process.execPath, [CLI(program === "bcs_client" ? "bcs-client" : "bcs-server"), "--help"], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.split("\n")[0], `Usage: ${program} [options]`);
    });
  }
});

describe("bcs_client on a terminal", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, () => {
  let fake: FakeServer;

  before(async () => {
    fake = await FakeServer.start();
  });

  after(async () => {
    await fake.close();
  });

  it("shows a bar while /sendfile runs, keeps incoming and typed lines above it, and leaves it at 100%", { timeout: 60_000 }, async () => {
    const work = tempDir("sb-tty-");
    // Larger than what the loopback socket buffers can hold while the server is not reading.
    const content = randomBytes(32 * MB);
    writeFileSync(join(work, "big.bin"), content);
    const c = TtyClient.start(fake.port, "tty", work);
    try {
      const conn = await fake.connection(10_000);
      await conn.accept("tty");
      await c.waitRow((r) => r === "server: online: nobody else", "the user list");
      conn.onSendFileHeader = () => conn.socket.pause();
      c.type("/sendfile big.bin\r");
      // The server holds the upload up: the bar is redrawn with part of the file sent.
      await c.waitRow((r) => {
        const bar = barRow(r, "big.bin", "32 MB");
        return bar !== undefined && bar.moved !== "0 B" && bar.percent < 100;
      }, "a bar with part of the file sent");
      conn.write(encodeDeliver("pat", "during the upload"));
      await c.waitRow((r) => r === "pat: during the upload", "the incoming line");
      c.type("hi all\r"); // waits for the upload's reply before it is sent
      await c.waitRow((r) => r === "hi all", "the typed line");
      conn.socket.resume();
      const up = await conn.next(30_000);
      assert.ok(up?.type === FrameType.SendFile && up.body?.equals(content), "the upload arrives whole");
      assert.deepEqual(await conn.next(), { type: FrameType.Status, code: 0, message: "ok" }, "the ack, after the body");
      conn.write(encodeStatus(0, "ok"));
      await c.waitRow((r) => r === "uploaded big.bin", "uploaded big.bin");
      assert.deepEqual(await conn.next(), { type: FrameType.Send, message: "hi all" });
      conn.write(encodeStatus(0, "ok"));
      c.type("/quit\r");
      assert.equal(await c.exit(), 0, c.raw);
      const rows = c.screen().filter((r) => r !== "");
      const screen = rows.join("\n");
      assert.deepEqual(rows.slice(0, 4), ["server: online: nobody else", "/sendfile big.bin", "pat: during the upload", "hi all"], screen);
      assert.equal(barRow(rows[4]!, "big.bin", "32 MB")?.moved, "32 MB", screen);
      assert.match(rows[4]!, /\[#{30}\] 100%/);
      assert.deepEqual(rows.slice(5), ["uploaded big.bin", "tty: hi all", "/quit"], `one bar left, and only at 100%:\n${screen}`);
      assertPercentsRise(c.raw);
    } finally {
      c.kill();
    }
  });

  it("shows a bar while /getfile runs and leaves it at 100% above the downloaded line", { timeout: 60_000 }, async () => {
    const work = tempDir("sb-tty-");
    const content = randomBytes(4 * MB);
    const c = TtyClient.start(fake.port, "tty2", work);
    try {
      const conn = await fake.connection(10_000);
      await conn.accept("tty2");
      await c.waitRow((r) => r === "server: online: nobody else", "the user list");
      c.type("/getfile dl.bin\r");
      assert.deepEqual(await conn.next(), { type: FrameType.GetFile, filename: "dl.bin" });
      conn.write(Buffer.concat([encodeRecvFileHeader(content.length), content.subarray(0, 2 * MB)]));
      await c.waitRow((r) => barRow(r, "dl.bin", "4 MB")?.moved === "2 MB", "the bar at half the file");
      conn.write(content.subarray(2 * MB));
      await c.waitRow((r) => r === `downloaded dl.bin (${content.length} bytes) to ./dl.bin`, "the downloaded line");
      assert.ok(readFileSync(join(work, "dl.bin")).equals(content));
      c.type("/quit\r");
      assert.equal(await c.exit(), 0, c.raw);
      const rows = c.screen().filter((r) => r !== "");
      assert.deepEqual(rows.slice(0, 2), ["server: online: nobody else", "/getfile dl.bin"], rows.join("\n"));
      assert.match(rows[2]!, /^dl\.bin \[#{30}\] 100%  4 MB \/ 4 MB  .+\/s$/);
      assert.deepEqual(rows.slice(3), [`downloaded dl.bin (${content.length} bytes) to ./dl.bin`, "/quit"]);
      assertPercentsRise(c.raw);
    } finally {
      c.kill();
    }
  });
});
