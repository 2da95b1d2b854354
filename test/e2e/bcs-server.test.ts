/** bcs over real sockets against an in-process server (docs/bcs.md, issue 2 acceptance). */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeSendFileHeader, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { startBcs, withOwnServer, type TestServer } from "../helpers/server.js";

function expectStatus(f: Awaited<ReturnType<RawBcs["next"]>>, code: number): void {
  assert.ok(f, "expected a status frame, the connection closed");
  assert.equal(f.type, FrameType.Status, `expected a status, got ${JSON.stringify(f)}`);
  assert.equal(f.code, code, `status ${f.code} ${f.message}`);
}

describe("bcs register", () => {
  let server: TestServer;
  before(async () => (server = await startBcs()));
  after(() => server.close());

  it("answers ok and then lists the others to the newcomer", async () => {
    const { peer: a, online: aList } = await RawBcs.login(server.bcsPort, "reg_alice");
    assert.equal(aList, "online: nobody else");
    const { peer: b, online: bList } = await RawBcs.login(server.bcsPort, "reg_bob");
    assert.equal(bList, "online: reg_alice");
    a.close();
    b.close();
  });

  it("refuses a name in use, in any case, with status 1 and closes", async () => {
    const { peer: holder } = await RawBcs.login(server.bcsPort, "Dup");
    for (const name of ["Dup", "dup", "DUP"]) {
      const p = await RawBcs.open(server.bcsPort);
      p.send({ type: FrameType.Register, username: name });
      expectStatus(await p.next(), 1);
      await p.whenClosed;
    }
    holder.close();
  });

  it("refuses invalid and reserved names with status 2 and closes", async () => {
    for (const name of ["", "has space", "x".repeat(33), "sl/ash", "server", "SERVER", "naïve"]) {
      const p = await RawBcs.open(server.bcsPort);
      p.send({ type: FrameType.Register, username: name });
      expectStatus(await p.next(), 2);
      await p.whenClosed;
    }
  });

  it("answers any frame before register with status 4 and closes", async () => {
    for (const frame of [
      { type: FrameType.Send, message: "hi" } as const,
      { type: FrameType.Status, code: 0, message: "ok" } as const,
      { type: FrameType.GetFile, filename: "x" } as const,
    ]) {
      const p = await RawBcs.open(server.bcsPort);
      p.send(frame);
      expectStatus(await p.next(), 4);
      await p.whenClosed;
    }
  });

  it("answers an unknown frame type with status 4 and closes", async () => {
    const p = await RawBcs.open(server.bcsPort);
    p.write(Buffer.from([99, 0, 0]));
    expectStatus(await p.next(), 4);
    await p.whenClosed;
  });
});

/** Tests that watch presence notices get a server of their own. */
function isolated(limits: Parameters<typeof startBcs>[0], test: (server: TestServer) => Promise<void>): () => Promise<void> {
  return withOwnServer(() => startBcs(limits), test);
}

/** The next status, acknowledging (and returning) any delivers that come before it. */
async function nextStatus(peer: RawBcs): Promise<{ code: number; before: string[] }> {
  const before: string[] = [];
  for (;;) {
    const f = await peer.next();
    if (f?.type === FrameType.Status) return { code: f.code, before };
    if (f?.type !== FrameType.Deliver) throw new Error(`expected a status, got ${JSON.stringify(f)}`);
    before.push(f.message);
    peer.ack();
  }
}

describe("bcs chat", () => {
  it("notifies the others of a join and a leave", isolated({}, async (server) => {
    const { peer: a } = await RawBcs.login(server.bcsPort, "n_alice");
    const { peer: b } = await RawBcs.login(server.bcsPort, "n_bob");
    assert.deepEqual(await a.deliver(), { from: "server", message: "n_bob has connected" });
    b.close();
    assert.deepEqual(await a.deliver(), { from: "server", message: "n_bob has disconnected" });
    a.close();
  }));

  it("delivers a send to every other client and never back to the sender", isolated({}, async (server) => {
    const { peer: a } = await RawBcs.login(server.bcsPort, "c_a");
    const { peer: b } = await RawBcs.login(server.bcsPort, "c_b");
    await a.deliver(); // c_b has connected
    const { peer: c } = await RawBcs.login(server.bcsPort, "c_c");
    await a.deliver();
    await b.deliver();
    a.send({ type: FrameType.Send, message: "hello, world ✓" });
    expectStatus(await a.next(), 0);
    assert.deepEqual(await b.deliver(), { from: "c_a", message: "hello, world ✓" });
    assert.deepEqual(await c.deliver(), { from: "c_a", message: "hello, world ✓" });
    assert.equal(await a.quiet(200), true, "the sender got its own message back");
    for (const p of [a, b, c]) p.close();
  }));

  it("answers an empty or too long message with status 5 and stays connected", isolated({}, async (server) => {
    const { peer: a } = await RawBcs.login(server.bcsPort, "long_a");
    a.send({ type: FrameType.Send, message: "" });
    expectStatus(await a.next(), 5);
    a.send({ type: FrameType.Send, message: "x".repeat(4097) });
    expectStatus(await a.next(), 5);
    a.send({ type: FrameType.Send, message: "x".repeat(4096) });
    expectStatus(await a.next(), 0);
    a.close();
  }));
});

describe("bcs ack pacing", () => {
  it("holds the second deliver until the first is acknowledged", isolated({}, async (server) => {
    const { peer: slow } = await RawBcs.login(server.bcsPort, "p_slow");
    const { peer: talker } = await RawBcs.login(server.bcsPort, "p_talker");
    const joinNotice = await slow.next(); // not acknowledged yet
    assert.equal(joinNotice?.type, FrameType.Deliver);
    talker.send({ type: FrameType.Send, message: "first" });
    expectStatus(await talker.next(), 0);
    talker.send({ type: FrameType.Send, message: "second" });
    expectStatus(await talker.next(), 0);
    assert.equal(await slow.quiet(150), true, "a deliver was sent while one was unacknowledged");
    slow.ack();
    assert.deepEqual(await slow.deliver(), { from: "p_talker", message: "first" });
    assert.deepEqual(await slow.deliver(), { from: "p_talker", message: "second" });
    slow.close();
    talker.close();
  }));

  it("disconnects a client that withholds its ack past the timeout; the others keep chatting", isolated({ ackTimeoutMs: 400 }, async (server) => {
    const { peer: a } = await RawBcs.login(server.bcsPort, "t_a");
    const { peer: b } = await RawBcs.login(server.bcsPort, "t_b");
    await a.deliver();
    const { peer: mute } = await RawBcs.login(server.bcsPort, "t_mute");
    await a.deliver();
    await b.deliver();
    a.send({ type: FrameType.Send, message: "are you there?" });
    expectStatus(await a.next(), 0);
    assert.deepEqual(await b.deliver(), { from: "t_a", message: "are you there?" });
    assert.equal((await mute.next())?.type, FrameType.Deliver); // never acknowledged
    const t0 = Date.now();
    await mute.whenClosed; // within ackTimeout plus one watchdog period
    assert.ok(Date.now() - t0 < 1500, "the unresponsive client was not closed in time");
    assert.deepEqual(await a.deliver(), { from: "server", message: "t_mute has disconnected" });
    assert.deepEqual(await b.deliver(), { from: "server", message: "t_mute has disconnected" });
    b.send({ type: FrameType.Send, message: "still here" });
    expectStatus(await b.next(), 0);
    assert.deepEqual(await a.deliver(), { from: "t_b", message: "still here" });
    a.close();
    b.close();
  }));

  it("disconnects a client whose paced queue passes the frame limit", async () => {
    const s = await startBcs({ queueFrames: 5 });
    try {
      const { peer: mute } = await RawBcs.login(s.bcsPort, "q_mute");
      const { peer: talker } = await RawBcs.login(s.bcsPort, "q_talker");
      const notices: string[] = [];
      for (let i = 0; i < 8; i++) {
        talker.send({ type: FrameType.Send, message: `m${i}` });
        const { code, before } = await nextStatus(talker);
        assert.equal(code, 0);
        notices.push(...before);
      }
      await mute.whenClosed;
      assert.deepEqual(notices, ["q_mute has disconnected"]);
      talker.close();
    } finally {
      await s.close();
    }
  });
});

describe("bcs login deadline and stalled frames", () => {
  it("closes a connection that does not register in time", async () => {
    const s = await startBcs({ loginTimeoutMs: 200 });
    try {
      const p = await RawBcs.open(s.bcsPort);
      const t0 = Date.now();
      await p.whenClosed;
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await s.close();
    }
  });

  it("closes a connection whose frame stays incomplete", async () => {
    const s = await startBcs({ stallTimeoutMs: 200 });
    try {
      const { peer } = await RawBcs.login(s.bcsPort, "staller");
      peer.write(Buffer.from([FrameType.Send, 0, 10, 65])); // 1 of 10 bytes
      const t0 = Date.now();
      await peer.whenClosed;
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await s.close();
    }
  });
});

describe("bcs files", () => {
  let server: TestServer;
  let up: RawBcs;
  let other: RawBcs;
  before(async () => {
    server = await startBcs({ maxFileBytes: 12 * 1024 * 1024 });
    up = (await RawBcs.login(server.bcsPort, "f_up")).peer;
    other = (await RawBcs.login(server.bcsPort, "f_other")).peer;
    await up.deliver(); // f_other has connected
  });
  after(async () => {
    up.close();
    other.close();
    await server.close();
  });

  async function upload(peer: RawBcs, name: string, content: Buffer): Promise<void> {
    peer.write(encodeSendFileHeader(name, content.length));
    // Stream it in pieces, as a real client would.
    for (let i = 0; i < content.length; i += 256 * 1024) peer.write(content.subarray(i, i + 256 * 1024));
  }

  it("stores a 10 MiB upload byte-exact, notifies the others, and serves it back", async () => {
    const content = randomBytes(10 * 1024 * 1024);
    await upload(up, "big.bin", content);
    expectStatus(await up.next(10_000), 0);
    assert.ok(readFileSync(join(server.filesDir, "big.bin")).equals(content));
    const note = await other.next();
    assert.deepEqual(note, { type: FrameType.FNotify, user: "f_up", file: "big.bin" });
    other.ack();
    other.send({ type: FrameType.GetFile, filename: "big.bin" });
    const got = await other.next(10_000);
    assert.equal(got?.type, FrameType.RecvFile);
    assert.ok(got.body?.equals(content), "downloaded bytes differ");
  });

  it("refuses unsafe names with status 6 and writes nothing anywhere", async () => {
    const parent = dirname(server.filesDir);
    const before = readdirSync(server.filesDir).sort();
    for (const name of ["../x", "a/b", "..", ".hidden", "a\u0000b", "n".repeat(300), "a\\b", "", "."]) {
      await upload(up, name, Buffer.from("payload"));
      expectStatus(await up.next(), 6);
      up.send({ type: FrameType.GetFile, filename: name });
      expectStatus(await up.next(), 6);
    }
    assert.deepEqual(readdirSync(server.filesDir).sort(), before);
    assert.deepEqual(readdirSync(parent), ["files"]);
    assert.equal(existsSync(join(parent, "..", "x")), false);
  });

  it("refuses a name that exists without touching the stored file", async () => {
    writeFileSync(join(server.filesDir, "taken.txt"), "original");
    await upload(up, "taken.txt", Buffer.from("replacement"));
    expectStatus(await up.next(), 6);
    assert.equal(readFileSync(join(server.filesDir, "taken.txt"), "utf8"), "original");
  });

  it("refuses an upload over the limit at once, skips its bytes, and goes on", async () => {
    const size = 13 * 1024 * 1024;
    up.write(encodeSendFileHeader("huge.bin", size));
    expectStatus(await up.next(), 6); // before a single content byte was sent
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 13; i++) up.write(zeros);
    up.send({ type: FrameType.Send, message: "after the refused upload" });
    expectStatus(await up.next(5000), 0);
    assert.deepEqual(await other.deliver(), { from: "f_up", message: "after the refused upload" });
    assert.equal(existsSync(join(server.filesDir, "huge.bin")), false);
    assert.deepEqual(readdirSync(server.filesDir).filter((n) => n.startsWith(".")), []);
  });

  it("answers getfile of a missing file with status 6", async () => {
    up.send({ type: FrameType.GetFile, filename: "missing.txt" });
    expectStatus(await up.next(), 6);
  });

  it("keeps delivers out of a download and sends them after it", async () => {
    const content = randomBytes(8 * 1024 * 1024);
    writeFileSync(join(server.filesDir, "mid.bin"), content);
    // The downloader stops reading, so the download is surely in progress when the
    // message is sent; a deliver written into it would corrupt the file bytes.
    other.socket.pause();
    other.send({ type: FrameType.GetFile, filename: "mid.bin" });
    await new Promise((r) => setTimeout(r, 150));
    up.send({ type: FrameType.Send, message: "during the download" });
    expectStatus(await up.next(), 0);
    await new Promise((r) => setTimeout(r, 50));
    other.socket.resume();
    const got = await other.next(10_000);
    assert.equal(got?.type, FrameType.RecvFile);
    assert.ok(got.body?.equals(content));
    assert.deepEqual(await other.deliver(), { from: "f_up", message: "during the download" });
  });

  it("stores an empty file", async () => {
    await upload(up, "empty.txt", Buffer.alloc(0));
    expectStatus(await up.next(), 0);
    assert.equal(readFileSync(join(server.filesDir, "empty.txt")).length, 0);
    await other.next(); // fnotify
    other.ack();
  });

  it("drops the partial temporary file when the uploader disconnects mid-way", async () => {
    const quitter = (await RawBcs.login(server.bcsPort, "f_quit")).peer;
    await up.deliver();
    await other.deliver();
    quitter.write(encodeSendFileHeader("partial.bin", 1024 * 1024));
    quitter.write(Buffer.alloc(1000));
    await new Promise((r) => setTimeout(r, 100));
    quitter.close();
    await up.deliver(); // f_quit has disconnected
    await other.deliver();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(readdirSync(server.filesDir).filter((n) => n.startsWith(".") || n === "partial.bin"), []);
  });
});

describe("bcs status frames from the client", () => {
  it("ignores a stray ack", async () => {
    const s = await startBcs();
    try {
      const { peer } = await RawBcs.login(s.bcsPort, "stray");
      peer.write(encodeStatus(0, "ok"));
      peer.send({ type: FrameType.Send, message: "x" });
      expectStatus(await peer.next(), 0);
      peer.close();
    } finally {
      await s.close();
    }
  });
});
