/** The real entry points as processes: bcs_server's log, its memory, and `switchboard serve`. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { encodeSendFileHeader } from "../../src/protocols/bcs/codec.js";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { CLI, spawnServer, tempDir } from "../helpers/server.js";

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

describe("bcs_server process", () => {
  it("logs registrations, messages, uploads and disconnects to -l, and errors only to stderr", async () => {
    const dir = tempDir();
    const logFile = join(dir, "chat.log");
    const server = await spawnServer(CLI("bcs-server"), ["-p", "0", "-l", logFile, "-f", join(dir, "files")]);
    try {
      const port = server.ports["bcs"]!;
      const { peer: alice } = await RawBcs.login(port, "alice");
      const { peer: bob } = await RawBcs.login(port, "bob");
      await alice.deliver();
      alice.send({ type: FrameType.Send, message: "hi bob" });
      assert.equal((await alice.next())?.type, FrameType.Status);
      alice.write(encodeSendFileHeader("notes.txt", 5));
      alice.write(Buffer.from("hello"));
      assert.deepEqual(await alice.next(), { type: FrameType.Status, code: 0, message: "ok" });
      const dup = await RawBcs.open(port);
      dup.send({ type: FrameType.Register, username: "ALICE" });
      assert.equal((await dup.next())?.type, FrameType.Status);
      bob.close();
      await alice.deliver(); // hi bob was for bob; alice sees bob leave
      alice.close();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const log = readFileSync(logFile, "utf8");
    const lines = log.trimEnd().split("\n");
    const ts = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
    for (const line of lines) assert.match(line, ts);
    const bodies = lines.map((l) => l.replace(ts, ""));
    assert.ok(bodies.some((l) => /^registered alice \(bcs\) from 127\.0\.0\.1:\d+$/.test(l)), log);
    assert.ok(bodies.some((l) => /^registered bob \(bcs\) from 127\.0\.0\.1:\d+$/.test(l)), log);
    assert.ok(bodies.includes("message alice: hi bob"), log);
    assert.ok(bodies.includes("upload alice stored notes.txt (5 bytes)"), log);
    assert.ok(bodies.some((l) => l.startsWith("disconnected bob ")), log);
    assert.ok(bodies.some((l) => l.startsWith("disconnected alice ")), log);
    assert.doesNotMatch(log, /name in use/);
    assert.match(server.stderr(), /name in use/);
    assert.equal(readFileSync(join(dir, "files", "notes.txt"), "utf8"), "hello");
  });

  it("refuses an upload over the limit without holding it in memory", async () => {
    const dir = tempDir();
    const server = await spawnServer(CLI("bcs-server"), ["-p", "0", "-f", join(dir, "files"), "--max-file-size", "1MB"]);
    try {
      const port = server.ports["bcs"]!;
      const { peer } = await RawBcs.login(port, "hoarder");
      const before = rssKiB(server.child.pid!);
      const declared = 256 * 1024 * 1024;
      peer.write(encodeSendFileHeader("huge.bin", declared));
      assert.deepEqual(await peer.next(), { type: FrameType.Status, code: 6, message: "file too large" });
      const chunk = Buffer.alloc(4 * 1024 * 1024, 7);
      for (let sent = 0; sent < declared; sent += chunk.length) {
        if (!peer.socket.write(chunk)) await new Promise((r) => peer.socket.once("drain", r));
      }
      peer.send({ type: FrameType.Send, message: "done" });
      assert.deepEqual(await peer.next(20_000), { type: FrameType.Status, code: 0, message: "ok" });
      const grown = rssKiB(server.child.pid!) - before;
      // Garbage not yet collected accounts for tens of MiB; holding the upload would be 256.
      assert.ok(grown < 128 * 1024, `server RSS grew by ${grown} KiB while discarding 256 MiB`);
      peer.close();
    } finally {
      await server.stop();
    }
  });
});

describe("switchboard serve", () => {
  it("prints one line per listener, then ready; serves bcs and /healthz; stops on SIGTERM", async () => {
    const dir = tempDir();
    const server = await spawnServer(CLI("switchboard"), ["serve", "--bcs-port", "0", "--udp-port", "off", "--http-port", "0", "--data-dir", dir]);
    try {
      assert.match(server.stdoutLines[0]!, /^listening bcs tcp 0\.0\.0\.0:\d+$/);
      assert.match(server.stdoutLines[1]!, /^listening http tcp 127\.0\.0\.1:\d+$/);
      assert.equal(server.stdoutLines[2], "ready");
      const res = await fetch(`http://127.0.0.1:${server.ports["http"]}/healthz`);
      assert.equal(res.status, 200);
      const { peer, online } = await RawBcs.login(server.ports["bcs"]!, "serve_user");
      assert.equal(online, "online: nobody else");
      peer.close();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("turns a listener off with --<name>-port off", async () => {
    const server = await spawnServer(CLI("switchboard"), ["serve", "--bcs-port", "0", "--udp-port", "off", "--http-port", "off", "--data-dir", tempDir()]);
    try {
      assert.deepEqual(Object.keys(server.ports), ["bcs"]);
    } finally {
      await server.stop();
    }
  });

  it("serves bcs on 9001 and HTTP on 9100 by default", async (t) => {
    if (!(await portIsFree(9001)) || !(await portIsFree(9100))) return t.skip("9001 or 9100 is in use on this machine");
    const server = await spawnServer(CLI("switchboard"), ["serve", "--udp-port", "off", "--data-dir", tempDir()]);
    try {
      assert.equal(server.ports["bcs"], 9001);
      assert.equal(server.ports["http"], 9100);
    } finally {
      await server.stop();
    }
  });
});
