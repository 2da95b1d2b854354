/**
 * Limits per user (issue 8): bcs uploads (--uploads-per-minute, --upload-bytes-per-hour,
 * status 7 for "later", status 6 for a file larger than an hour's allowance); the cap on
 * an offline cs262 account's mailbox (--mailbox-limit), answered with each dialect's
 * error; and DELIVER of a large backlog, which reads the next page only once the socket
 * has taken the last (so a client that does not read costs one page of memory, and is
 * not dropped as a slow consumer for a backlog it asked for).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { Hub } from "../../src/core/hub.js";
import { silentLog } from "../../src/log/ops-log.js";
import { encodeSendFileHeader } from "../../src/protocols/bcs/codec.js";
import { FrameType as Bcs, Status } from "../../src/protocols/bcs/frames.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { cs262Dialect } from "../../src/protocols/cs262/index.js";
import { FrameType as Gowing } from "../../src/protocols/gowing/frames.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { StoreAccounts } from "../../src/store/accounts.js";
import { StoreMailbox } from "../../src/store/mailbox.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { TcpListener } from "../../src/transport/tcp-listener.js";
import { RawBcs, type Received } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { sleep } from "../helpers/flood.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, startHub } from "../helpers/server.js";
import { RawUdp } from "../helpers/udp-wire.js";

const TIMEOUT = { timeout: 60_000 };

/** sendfile with its contents; the status that answers it. */
async function upload(peer: RawBcs, name: string, size: number): Promise<[number, string]> {
  peer.write(encodeSendFileHeader(name, size));
  peer.write(Buffer.alloc(size, 0x61));
  for (;;) {
    const f: Received | undefined = await peer.next();
    if (f?.type === Bcs.Deliver || f?.type === Bcs.FNotify) {
      peer.ack();
      continue;
    }
    if (f?.type !== Bcs.Status) throw new Error(`expected a status, got ${JSON.stringify(f)}`);
    return [f.code, f.message];
  }
}

describe("bcs upload allowances per user", TIMEOUT, () => {
  it("answers status 7 past --uploads-per-minute, per user, also after coming back", async () => {
    const server = await startHub({ bcs: { ...ANY_PORT, chatLog: "off" } }, { uploadsPerMinute: 2 });
    try {
      const port = server.ports["bcs"]!;
      let alice = (await RawBcs.login(port, "alice")).peer;
      assert.deepEqual(await upload(alice, "a1.txt", 10), [Status.Ok, "ok"]);
      assert.deepEqual(await upload(alice, "a2.txt", 10), [Status.Ok, "ok"]);
      assert.deepEqual(await upload(alice, "a3.txt", 10), [Status.RateLimited, "upload limit reached; try again later"]);
      // The connection goes on: the refused contents were read and dropped.
      alice.send({ type: Bcs.Send, message: "still here" });
      assert.equal((await alice.next())?.type, Bcs.Status);
      // Leaving and coming back under the same name (any case) does not reset it.
      alice.close();
      await sleep(100);
      alice = (await RawBcs.login(port, "ALICE")).peer;
      assert.deepEqual(await upload(alice, "a4.txt", 10), [Status.RateLimited, "upload limit reached; try again later"]);
      // Another user has an allowance of their own.
      const bob = (await RawBcs.login(port, "bob")).peer;
      assert.deepEqual(await upload(bob, "b1.txt", 10), [Status.Ok, "ok"]);
      alice.close();
      bob.close();
    } finally {
      await server.close();
    }
  });

  it("answers status 7 past --upload-bytes-per-hour, and status 6 for a file larger than an hour's allowance", async () => {
    const server = await startHub({ bcs: { ...ANY_PORT, chatLog: "off" } }, { uploadBytesPerHour: 1000 });
    try {
      const alice = (await RawBcs.login(server.ports["bcs"]!, "alice")).peer;
      assert.deepEqual(await upload(alice, "big.bin", 2000), [Status.FileError, "file larger than the hourly upload limit"]);
      assert.deepEqual(await upload(alice, "one.bin", 600), [Status.Ok, "ok"]);
      assert.deepEqual(await upload(alice, "two.bin", 600), [Status.RateLimited, "upload limit reached; try again later"]);
      assert.deepEqual(await upload(alice, "three.bin", 300), [Status.Ok, "ok"], "what is left of the hour's allowance");
      alice.close();
    } finally {
      await server.close();
    }
  });
});

describe("the mailbox cap (--mailbox-limit)", TIMEOUT, () => {
  it("refuses a direct message to a full mailbox with each dialect's error, and takes more once delivered", async () => {
    const server = await startHub(
      { lab: { ...ANY_PORT, bots: [] }, gowing: { ...ANY_PORT, logDir: "off" }, cs262: ANY_PORT, udp: ANY_PORT, store: "memory" },
      { mailboxLimit: 2 },
    );
    const peers: { close(): void }[] = [];
    try {
      const p = server.ports as Record<"lab" | "gowing" | "cs262" | "udp", number>;
      (await RawCs262.account(p.cs262, "carol")).close();
      await waitUntil(() => !server.running.hub.isOnline("carol"));
      const dave = await RawCs262.account(p.cs262, "dave");
      const lab = await RawLab.login(p.lab, "labber");
      const gowing = await RawGowing.joined(p.gowing, "gower");
      const udp = await RawUdp.registered(p.udp, "udper");
      peers.push(dave, lab, gowing, udp);

      assert.equal(await dave.message("dave", "carol", "one"), "");
      lab.write("SEND carol two\n");
      assert.equal(await lab.next(), "SEND-OK");
      // Full: every dialect answers with its own error, and nothing more is kept.
      assert.equal(await dave.message("dave", "carol", "three"), "recipient's mailbox is full; not kept");
      lab.write("SEND carol three\n");
      assert.equal(await lab.next(), "BAD-DEST-USER");
      gowing.send(Gowing.Direct, "carol three");
      let reply = await gowing.next();
      while (reply?.type === Gowing.Message) reply = await gowing.next(); // notices of the others joining
      assert.deepEqual(reply, { type: Gowing.Error, text: "Mailbox full; not kept" });
      udp.send({ op: Op.Private, to: "carol", text: "three" });
      assert.deepEqual(await udp.nextNotList(), { op: Op.Error, message: "recipient's mailbox is full" });

      const carol = await RawCs262.account(p.cs262, "carol", undefined, true);
      peers.push(carol);
      const got = await carol.deliver();
      assert.deepEqual(got.messages.map((m) => `${m.sender}: ${m.message}`), ["dave: one", "labber: two"]);
      carol.close();
      await waitUntil(() => !server.running.hub.isOnline("carol"));
      lab.write("SEND carol again\n");
      assert.equal(await lab.next(), "SEND-OK", "room again once delivered");
    } finally {
      for (const peer of peers) peer.close();
      await server.close();
    }
  });
});

describe("DELIVER of a large backlog", TIMEOUT, () => {
  it("reads the next page only once the socket took the last: a client that does not read holds it, and gets all once it reads", async () => {
    // 6000 messages of 4000 bytes (24 MB): far more than the kernel's socket buffers and
    // the 4 MB queue limit together. Sending pages without waiting would pass the queue
    // limit and drop the client as a slow consumer.
    const count = 6000;
    const text = "x".repeat(3990);
    const store = new MemoryStore();
    await store.createAccount("bob", undefined);
    for (let i = 0; i < count; i++) await store.enqueue("bob", "alice", `${String(i).padStart(6, "0")}${text}`);
    const limits = DEFAULT_LIMITS;
    const hub = new Hub({ limits, accounts: new StoreAccounts(store), mailbox: new StoreMailbox(store) });
    const tcp = new TcpListener({ dialect: cs262Dialect({ hub, log: silentLog, limits }), ...ANY_PORT, limits, log: silentLog });
    const { port } = await tcp.listen();
    try {
      const bob = await RawCs262.account(port, "bob", undefined, true);
      bob.socket.pause(); // not reading
      bob.send({ command: Command.Deliver });
      await sleep(1500);
      const left = store.queuedCount("bob");
      assert.equal(hub.isOnline("bob"), true, "not dropped as a slow consumer");
      assert.ok(left > 0 && left < count, `${count - left} of ${count} delivered while the client did not read`);
      bob.socket.resume();
      let n = 0;
      for (;;) {
        const f = await bob.next(10_000);
        if (f?.command === Command.Response) {
          assert.equal(f.error, "");
          break;
        }
        assert.equal(f?.command, Command.Send);
        assert.equal(f.message.slice(0, 6), String(n).padStart(6, "0"), "in order");
        n++;
      }
      assert.equal(n, count);
      assert.equal(store.queuedCount("bob"), 0);
      bob.close();
    } finally {
      await tcp.close();
    }
  });
});

async function waitUntil(test: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}
