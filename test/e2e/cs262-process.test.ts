/**
 * cs262 entry points as real processes: queued messages survive SIGKILL, malformed
 * frames leave the server's memory as it was, and `switchboard serve` shares one store.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Command } from "../../src/protocols/cs262/frames.js";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { CLI, spawnServer, tempDir, type SpawnedServer, serveOnly } from "../helpers/server.js";

const TIMEOUT = { timeout: 60_000 };

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

/** SIGKILL: no handler runs, nothing is flushed or closed by the server itself. */
async function kill9(server: SpawnedServer): Promise<void> {
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.kill("SIGKILL");
  await exited;
}

const cs262Server = (dir: string): Promise<SpawnedServer> =>
  spawnServer(CLI("switchboard"), ["server", "cs262", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir]);

/** A 42-byte header with any version, command and 40-byte data_len. */
function header(version: number, command: number, len: bigint): Buffer {
  const h = Buffer.alloc(42);
  h[0] = version;
  h[1] = command;
  for (let i = 41, v = len; i >= 2; i--, v >>= 8n) h[i] = Number(v & 0xffn);
  return h;
}

describe("cs262 durability across SIGKILL", TIMEOUT, () => {
  it("keeps three queued messages through SIGKILL and a restart; DELIVER returns them in order, once", async () => {
    const dir = tempDir("sb-cs262-kill-");
    let server = await cs262Server(dir);
    try {
      const port = server.ports["cs262"]!;
      const bob = await RawCs262.account(port, "bob", "hunter2");
      bob.close();
      const alice = await RawCs262.account(port, "alice");
      await new Promise((r) => setTimeout(r, 100)); // bob's leave reaches the hub
      for (const m of ["first", "second", "third"]) assert.equal(await alice.message("alice", "bob", m), "");
      // Killed right after the third acknowledgement: it must already be on disk.
      await kill9(server);
      alice.close();

      // Restarted through `serve`: the same store file serves every entry point.
      server = await spawnServer(CLI("switchboard"), [...serveOnly({ cs262: "0" }), "--host", "127.0.0.1", "--data-dir", dir]);
      const again = await RawCs262.open(server.ports["cs262"]!);
      assert.equal(await again.login("bob"), "password required");
      assert.equal(await again.login("bob", "hunter2"), "");
      const got = await again.deliver();
      assert.deepEqual(got, {
        messages: ["first", "second", "third"].map((message) => ({ sender: "alice", recipient: "bob", message })),
        error: "",
      });
      assert.deepEqual(await again.deliver(), { messages: [], error: "" });
      again.close();

      // Delivered means gone, also across another kill.
      await kill9(server);
      server = await cs262Server(dir);
      const third = await RawCs262.account(server.ports["cs262"]!, "bob", "hunter2", true);
      assert.deepEqual(await third.deliver(), { messages: [], error: "" });
      assert.deepEqual(await third.list(), ["alice", "bob"]);
      third.close();
    } finally {
      await server.stop();
    }
  });
});

describe("cs262 malformed frames against a server process", TIMEOUT, () => {
  const cases: [string, Buffer, string][] = [
    ["a wrong version", header(2, Command.Send, 5n), "unsupported version (this server speaks versions 0 and 1)"],
    ["an unknown command", header(1, 99, 1000n), "unknown command"],
    ["a data_len of 2^300", header(1, Command.Send, 2n ** 300n), "frame too large"],
    ["a data_len of 2^31", header(1, Command.Send, 2n ** 31n), "frame too large"],
  ];

  it("answers a wrong version, an unknown command and a data_len of 2^300 with an error and a close, its memory unchanged", async () => {
    const server = await cs262Server(tempDir("sb-cs262-rss-"));
    try {
      const port = server.ports["cs262"]!;
      const warm = await RawCs262.account(port, "warm");
      assert.deepEqual(await warm.list(), ["warm"]);
      const pid = server.child.pid!;
      const before = rssKiB(pid);
      // The header alone, no data: the answer cannot have waited for the declared bytes,
      // and allocating a 2^31-byte buffer (zero-filled) would show as 2 GiB.
      for (let round = 0; round < 25; round++) {
        for (const [what, bytes, error] of cases) {
          const p = await RawCs262.open(port);
          p.write(bytes);
          assert.equal(await p.response(), error, what);
          assert.equal(await p.next(), undefined, `${what}: closed after the answer`);
          p.close();
        }
      }
      const grown = rssKiB(pid) - before;
      assert.ok(grown < 8 * 1024, `server RSS grew by ${grown} KiB over 100 refused frames`);
      warm.send({ command: Command.Send, sender: "warm", recipient: "warm", message: "still here" });
      assert.deepEqual(await warm.pushed(), { sender: "warm", recipient: "warm", message: "still here" });
      assert.equal(await warm.response(), "");
      warm.close();
    } finally {
      await server.stop();
    }
  });

  it("does not buffer the data a refused data_len announces", async () => {
    const server = await cs262Server(tempDir("sb-cs262-rss-"));
    try {
      const port = server.ports["cs262"]!;
      const pid = server.child.pid!;
      const before = rssKiB(pid);
      const p = await RawCs262.open(port);
      p.write(header(1, Command.Send, 2n ** 31n));
      // 128 MiB follow. The server answers at once and discards whatever it still reads
      // while closing; a server that trusted the header would hold all of it.
      const chunk = Buffer.alloc(4 * 1024 * 1024, 0x61);
      const answer = p.response();
      for (let sent = 0; sent < 128 * 1024 * 1024 && !p.closed; sent += chunk.length) {
        if (!p.socket.write(chunk)) await Promise.race([new Promise((r) => p.socket.once("drain", r)), p.whenClosed]);
      }
      p.socket.end();
      assert.equal(await answer, "frame too large");
      await p.whenClosed;
      const grown = rssKiB(pid) - before;
      // Garbage not yet collected may account for some MiB; holding the data would be 128.
      assert.ok(grown < 32 * 1024, `server RSS grew by ${grown} KiB while 128 MiB were discarded`);
    } finally {
      await server.stop();
    }
  });
});

describe("switchboard serve with cs262", TIMEOUT, () => {
  it("prints the cs262 listener and serves it beside bcs on one hub and one store", async () => {
    const dir = tempDir("sb-cs262-serve-");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0", cs262: "0" }), "--host", "127.0.0.1", "--data-dir", dir]);
    try {
      assert.match(server.stdoutLines[0]!, /^listening bcs tcp 127\.0\.0\.1:\d+$/);
      assert.match(server.stdoutLines[1]!, /^listening cs262 tcp 127\.0\.0\.1:\d+$/);
      assert.equal(server.stdoutLines[2], "ready");
      assert.ok(existsSync(join(dir, "switchboard.db")));
      const carol = await RawCs262.account(server.ports["cs262"]!, "carol");
      const bcs = await RawBcs.open(server.ports["bcs"]!);
      bcs.send({ type: FrameType.Register, username: "Carol" });
      assert.deepEqual(await bcs.next(), { type: FrameType.Status, code: 1, message: "name in use" });
      carol.close();
      bcs.close();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("opens no store when cs262 is off", async () => {
    const dir = tempDir("sb-cs262-off-");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0" }), "--data-dir", dir]);
    try {
      assert.deepEqual(Object.keys(server.ports), ["bcs"]);
      assert.equal(existsSync(join(dir, "switchboard.db")), false);
    } finally {
      await server.stop();
    }
  });

  it("serves cs262 on 9002 by default", async (t) => {
    if (!(await portIsFree(9002))) return t.skip("9002 is in use on this machine");
    const server = await spawnServer(CLI("switchboard"), ["server", "cs262", "--data-dir", tempDir("sb-cs262-default-")]);
    try {
      assert.equal(server.ports["cs262"], 9002);
    } finally {
      await server.stop();
    }
  });

  it("refuses to start on a store written by a newer version, saying why", async () => {
    const dir = tempDir("sb-cs262-newer-");
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(join(dir, "switchboard.db"));
    db.pragma("user_version = 999");
    db.close();
    await assert.rejects(cs262Server(dir), /cannot start: the store's schema is version 999/);
  });
});
