/**
 * What a cluster promises when nodes race and die (docs/cluster.md#failures): one winner
 * of every name race, nothing acknowledged lost or delivered twice when a node is
 * SIGKILLed, its names free within 15 s, and a file uploaded through one node read
 * through another byte-exact. Real sockets, real nats-server, a node in its own process.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeSendFileHeader } from "../../src/protocols/bcs/codec.js";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { RawBcs, type Received } from "../helpers/bcs-wire.js";
import { freshNamespace, startClusterNode } from "../helpers/cluster-nodes.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { RawLab } from "../helpers/lab-wire.js";
import { NATS_SKIP, startNatsServer, type NatsServer } from "../helpers/nats-server.js";
import { CLI, serveOnly, spawnServer, tempDir, type TestHub } from "../helpers/server.js";

const MiB = 1024 * 1024;

/** The next frame that is not a deliver or a file notice (someone's login or upload: acknowledged and skipped). */
async function nextAnswer(peer: RawBcs, ms: number): Promise<Received | undefined> {
  for (;;) {
    const f = await peer.next(ms);
    if (f?.type !== BcsType.Deliver && f?.type !== BcsType.FNotify) return f;
    peer.ack();
  }
}

/** Upload `content` as `name` through `peer` in 256 KiB writes, and wait for its status. */
async function upload(peer: RawBcs, name: string, content: Buffer, ms = 60_000): Promise<number> {
  peer.write(encodeSendFileHeader(name, content.length));
  for (let i = 0; i < content.length; i += 256 * 1024) {
    if (peer.closed) throw new Error("closed during the upload");
    if (!peer.socket.write(content.subarray(i, i + 256 * 1024))) {
      await new Promise((r) => {
        peer.socket.once("drain", r);
        peer.socket.once("close", r);
      });
    }
  }
  const status = await nextAnswer(peer, ms);
  if (status?.type !== BcsType.Status) throw new Error(`expected a status, got ${JSON.stringify(status)}`);
  return status.code;
}

/** Download `name` through `peer`: its bytes, or the status code that refused it. */
async function download(peer: RawBcs, name: string, ms = 60_000): Promise<Buffer | number> {
  peer.send({ type: BcsType.GetFile, filename: name });
  const got = await nextAnswer(peer, ms);
  if (got?.type === BcsType.RecvFile) return got.body!;
  if (got?.type === BcsType.Status) return got.code;
  throw new Error(`expected a file or a status, got ${JSON.stringify(got)}`);
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

if (NATS_SKIP) {
  describe("cluster failover", () => it("needs nats-server", { skip: NATS_SKIP }, () => undefined));
} else {
  describe("two cluster nodes: races and files", () => {
    let nats: NatsServer;
    let a: TestHub;
    let b: TestHub;
    before(async () => {
      nats = await startNatsServer();
      const namespace = freshNamespace();
      // 100 races leave 100 refused logins from 127.0.0.1: no allowance for those here.
      const limits = { maxFileBytes: 80 * MiB, loginFailures: 0 };
      a = await startClusterNode({ nats: nats.url, node: "a", namespace, limits });
      b = await startClusterNode({ nats: nats.url, node: "b", namespace, limits });
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await nats?.dispose();
    });

    it("two users claiming one name on two nodes at once: exactly one wins, 100 times", async () => {
      for (let round = 0; round < 100; round++) {
        const name = `race${round}`;
        const [onA, onB] = await Promise.all([RawLab.open(a.ports["lab"]!), RawLab.open(b.ports["lab"]!)]);
        // Written back to back, so both claims are in flight together.
        onA.write(`HELLO-FROM ${name}\n`);
        onB.write(`HELLO-FROM ${name}\n`);
        const answers = await Promise.all([onA.next(), onB.next()]);
        assert.deepEqual([...answers].sort(), ["HELLO " + name, "IN-USE"], `round ${round}: ${answers.join(" / ")}`);
        onA.close();
        onB.close();
      }
    });

    it("a 64 MiB file uploaded through node a is downloaded through node b byte-exact", async () => {
      const content = randomBytes(64 * MiB);
      const { peer: up } = await RawBcs.login(a.ports["bcs"]!, "big_up");
      const { peer: down } = await RawBcs.login(b.ports["bcs"]!, "big_down");
      assert.equal(await upload(up, "sixty-four.bin", content), 0);
      const got = await download(down, "sixty-four.bin");
      assert.ok(Buffer.isBuffer(got), `download refused with status ${String(got)}`);
      assert.equal(got.length, content.length);
      assert.equal(sha256(got), sha256(content));
      // The name is taken cluster-wide: node b refuses a second upload of it.
      assert.equal(await upload(down, "sixty-four.bin", Buffer.from("again")), 6);
      up.close();
      down.close();
    });
  });

  describe("a node SIGKILLed mid-traffic", () => {
    let nats: NatsServer;
    let survivor: TestHub;
    let namespace: string;
    const dataDir = tempDir("sb-killed-");
    before(async () => {
      nats = await startNatsServer();
      namespace = freshNamespace();
      survivor = await startClusterNode({ nats: nats.url, node: "survivor", namespace });
    });
    after(async () => {
      await survivor?.close();
      await nats?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("a node stopped with SIGTERM says goodbye and frees its users' names at once", async () => {
      const leaving = await spawnServer(CLI("switchboard"), [
        ...serveOnly({ lab: "0" }),
        "--host", "127.0.0.1", "--data-dir", dataDir, "--bcs-log", "off", "--gowing-log-dir", "off",
        "--cluster", nats.url, "--node-name", "leaving", "--cluster-namespace", namespace, "--log-level", "warn",
      ], undefined, 20_000);
      const watcher = await RawGowing.joined(survivor.ports["gowing"]!, "term_watcher");
      const user = await RawLab.login(leaving.ports["lab"]!, "term_user");
      assert.deepEqual(await watcher.next(), { type: GowingType.Message, text: "**term_user is joining the chat**" });
      const stopped = leaving.stop();
      assert.equal(await user.next(), "DELIVERY server The server is going down");
      assert.equal(await stopped, 0);
      const stoppedAt = Date.now();
      const again = await RawLab.open(survivor.ports["lab"]!);
      again.write("HELLO-FROM term_user\n");
      assert.equal(await again.next(), "HELLO term_user", "the name is free as soon as the node has stopped");
      assert.ok(Date.now() - stoppedAt < 2000);
      // Users of the other nodes stay, and are told, as on any leave.
      assert.deepEqual(await watcher.next(), { type: GowingType.Message, text: "**term_user is leaving the chat**" });
      again.close();
      watcher.close();
    });

    it("loses no acknowledged message or completed file, delivers none twice, and frees its names within 15 s", async (t) => {
      // The mailbox's owner: an account, offline while the stream is sent to it.
      const owner = await RawCs262.account(survivor.ports["cs262"]!, "kill_inbox");
      owner.socket.destroy();
      const doomed = await spawnServer(CLI("switchboard"), [
        ...serveOnly({ cs262: "0", bcs: "0" }),
        "--host", "127.0.0.1", "--data-dir", dataDir, "--bcs-log", "off", "--gowing-log-dir", "off",
        "--cluster", nats.url, "--node-name", "doomed", "--cluster-namespace", namespace, "--log-level", "warn",
      ], undefined, 20_000);
      const watcher = await RawGowing.joined(survivor.ports["gowing"]!, "kill_watcher");
      const sender = await RawCs262.account(doomed.ports["cs262"]!, "kill_sender");
      const { peer: uploader } = await RawBcs.login(doomed.ports["bcs"]!, "kill_uploader");

      const acknowledged: string[] = [];
      const sending = (async () => {
        for (let i = 0; ; i++) {
          const text = `m${i}`;
          if ((await sender.message("kill_sender", "kill_inbox", text)) !== "") throw new Error(`send ${text} refused`);
          acknowledged.push(text);
        }
      })().catch(() => undefined); // ends when the node dies
      const completed = new Map<string, Buffer>();
      const uploading = (async () => {
        for (let i = 0; ; i++) {
          const content = randomBytes(2 * MiB);
          if ((await upload(uploader, `kill-${i}.bin`, content, 10_000)) === 0) completed.set(`kill-${i}.bin`, content);
        }
      })().catch(() => undefined);

      await sleep(1500);
      doomed.child.kill("SIGKILL");
      const diedAt = Date.now();
      await Promise.all([sending, uploading]);
      assert.ok(acknowledged.length > 10, `only ${acknowledged.length} sends were acknowledged before the kill`);
      assert.ok(completed.size > 0, "no upload completed before the kill");

      // Its users' names are free again on the survivor within 15 s of its death.
      const freed = async (login: () => Promise<boolean>): Promise<number> => {
        for (;;) {
          if (await login()) return Date.now() - diedAt;
          if (Date.now() - diedAt > 20_000) return Infinity;
          await sleep(250);
        }
      };
      const labFree = await freed(async () => {
        const lab = await RawLab.open(survivor.ports["lab"]!);
        lab.write("HELLO-FROM kill_uploader\n");
        const answer = await lab.next();
        lab.close();
        return answer === "HELLO kill_uploader";
      });
      assert.ok(labFree <= 15_000, `kill_uploader was free only after ${labFree} ms`);
      const senderFree = await freed(async () => {
        const back = await RawCs262.open(survivor.ports["cs262"]!);
        const error = await back.login("kill_sender");
        back.socket.destroy();
        return error === "";
      });
      assert.ok(senderFree <= 15_000, `kill_sender's account could log in again only after ${senderFree} ms`);
      t.diagnostic(`before the kill: ${acknowledged.length} sends acknowledged, ${completed.size} uploads completed; names free ${labFree} and ${senderFree} ms after it`);

      // The survivor's users are told that the dead node's users left (nobody else is left to say so).
      const notices: string[] = [];
      for (;;) {
        const f = await watcher.next(5000);
        if (f === undefined) break;
        notices.push(f.text);
        if (notices.includes("**kill_sender is leaving the chat**") && notices.includes("**kill_uploader is leaving the chat**")) break;
      }
      assert.ok(notices.includes("**kill_uploader is leaving the chat**"), notices.join(" | "));
      assert.ok(notices.includes("**kill_sender is leaving the chat**"), notices.join(" | "));
      watcher.close();

      // Every acknowledged message is there once, in order; nothing is there twice.
      const inbox = await RawCs262.account(survivor.ports["cs262"]!, "kill_inbox", undefined, true);
      const { messages, error } = await inbox.deliver(15_000);
      assert.equal(error, "");
      const texts = messages.map((m) => m.message);
      assert.equal(new Set(texts).size, texts.length, "a message was delivered twice");
      assert.deepEqual(texts.slice(0, acknowledged.length), acknowledged, "an acknowledged message is missing or out of order");
      assert.ok(texts.length <= acknowledged.length + 1, "more messages than were sent");
      inbox.socket.destroy();

      // Every completed upload reads back byte-exact from the survivor.
      const { peer: reader } = await RawBcs.login(survivor.ports["bcs"]!, "kill_reader");
      for (const [name, content] of completed) {
        const got = await download(reader, name);
        assert.ok(Buffer.isBuffer(got), `${name} is gone (status ${String(got)})`);
        assert.equal(sha256(got), sha256(content), `${name} differs`);
      }
      reader.close();
    });
  });
}
