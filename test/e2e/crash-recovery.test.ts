/**
 * Crash recovery (issue 8): SIGKILL a spawned server in the middle of a stream of cs262
 * sends to an offline account and bcs uploads, restart it on the same data directory,
 * and check that every acknowledged message and every acknowledged file is there, that
 * no file is partial, and that no temporary is left (docs/wire.md#offline-mail: acknowledged means on
 * disk; src/files/local-file-store.ts: temporary file, synced, then linked into place).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

const dataDir = tempDir("sb-crash-");
after(() => rmSync(dataDir, { recursive: true, force: true }));

const serve = () => spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0", cs262: "0" }), "--host", "127.0.0.1", "--data-dir", dataDir, "--bcs-log", "off", "--msg-rate", "0", "--uploads-per-minute", "0"]);

/** The content of upload `i`: sizes from 1 byte to ~300 KiB, each byte derived from i. */
function content(i: number): Buffer {
  const size = 1 + ((i * 7919) % 300_000);
  const b = Buffer.allocUnsafe(size);
  for (let k = 0; k < size; k++) b[k] = (i * 31 + k * 13) & 0xff;
  return b;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("crash recovery", () => {
  it("keeps every acknowledged cs262 message and bcs upload across a SIGKILL, with no partial files or temporaries", { timeout: 90_000 }, async () => {
    const first = await serve();
    // An account that is offline: messages to it are queued in the store.
    const target = await RawCs262.account(first.ports.cs262!, "target");
    target.close();
    const sender = await RawCs262.account(first.ports.cs262!, "sender");
    const { peer: uploader } = await RawBcs.login(first.ports.bcs!, "uploader");

    const ackedMessages: string[] = [];
    const ackedFiles: number[] = [];
    let killed = false;

    // Pipelined sends: up to 20 outstanding, answers in order (cs262 answers one at a time).
    const sendLoop = (async () => {
      let sent = 0;
      try {
        for (;;) {
          while (sent - ackedMessages.length < 20 && !killed) sender.send({ command: 3, sender: "sender", recipient: "target", message: `m${sent++}` });
          const error = await sender.response(10_000);
          assert.equal(error, "", "a queued send is answered with success");
          ackedMessages.push(`m${ackedMessages.length}`);
        }
      } catch {
        // the connection died with the server
      }
    })();
    // Uploads one after another, each acknowledged by status 0 once stored.
    const uploadLoop = (async () => {
      try {
        for (let i = 0; ; i++) {
          const body = content(i);
          uploader.send({ type: FrameType.SendFile, filename: `f${i}.bin`, size: body.length });
          // In pieces, so a kill often lands in the middle of a body.
          for (let at = 0; at < body.length; at += 64 * 1024) uploader.write(body.subarray(at, at + 64 * 1024));
          const status = await uploader.next(10_000);
          if (status === undefined) return;
          assert.deepEqual(status, { type: FrameType.Status, code: 0, message: "ok" });
          ackedFiles.push(i);
        }
      } catch {
        // the connection died with the server
      }
    })();

    // Kill once both streams are well under way (bounded: at most 20 s).
    const deadline = Date.now() + 20_000;
    while ((ackedMessages.length < 300 || ackedFiles.length < 8) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    first.child.kill("SIGKILL");
    killed = true;
    await new Promise((resolve) => first.child.once("exit", resolve));
    await Promise.all([sendLoop, uploadLoop]);
    sender.close();
    uploader.close();
    assert.ok(ackedMessages.length >= 300, `messages acknowledged before the kill: ${ackedMessages.length}`);
    assert.ok(ackedFiles.length >= 8, `uploads acknowledged before the kill: ${ackedFiles.length}`);

    const second = await serve();
    try {
      // Every acknowledged message is kept, in order; unacknowledged ones may be too.
      const reader = await RawCs262.account(second.ports.cs262!, "target", undefined, true);
      const { messages, error } = await reader.deliver(20_000);
      assert.equal(error, "");
      const got = messages.map((m) => m.message);
      assert.deepEqual(got.slice(0, ackedMessages.length), ackedMessages, "every acknowledged message, in order");
      got.forEach((m, i) => assert.equal(m, `m${i}`, "nothing but whole messages, in order"));
      reader.close();

      // The restart removed the temporaries; every file is whole, and every acknowledged one is there.
      const filesDir = join(dataDir, "files");
      const names = readdirSync(filesDir);
      assert.deepEqual(names.filter((n) => n.startsWith(".")), [], "no temporary left after the restart");
      for (const i of ackedFiles) assert.ok(names.includes(`f${i}.bin`), `acknowledged upload f${i}.bin is there`);
      for (const n of names) {
        const i = Number(/^f(\d+)\.bin$/.exec(n)?.[1]);
        assert.ok(Number.isInteger(i), `only uploads in the files directory: ${n}`);
        assert.equal(sha(readFileSync(join(filesDir, n))), sha(content(i)), `${n} is whole`);
      }
      // And the server serves one back over the wire.
      const { peer } = await RawBcs.login(second.ports.bcs!, "checker");
      const last = ackedFiles.at(-1)!;
      peer.send({ type: FrameType.GetFile, filename: `f${last}.bin` });
      const file = await peer.next(10_000);
      assert.equal(file?.type, FrameType.RecvFile);
      assert.equal(sha(file!.body!), sha(content(last)));
      peer.close();
    } finally {
      await second.stop();
    }
  });
});
