/**
 * Isolation (issue 8): an exception in one session's handling closes that session with
 * a logged reason (`session_error`); the process and every other session go on. Each
 * test makes one session throw at one entry into session code (a method of the real
 * session class, patched for one user only) and then shows two other users still
 * chatting. The entries: socket data, the watchdog's timer, a file stream's callback, a
 * store promise's callback, the hub's deliver into a session (from another session and
 * from a bot, a path with no client), and the udp listener's datagram handler.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startSwitchboard, type RunningSwitchboard } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { encodeSendFileHeader } from "../../src/protocols/bcs/codec.js";
import { FrameType as Bcs } from "../../src/protocols/bcs/frames.js";
import { BcsSession } from "../../src/protocols/bcs/session.js";
import { Cs262Session } from "../../src/protocols/cs262/session.js";
import { FrameType as Gowing } from "../../src/protocols/gowing/frames.js";
import { GowingSession } from "../../src/protocols/gowing/session.js";
import { LabSession } from "../../src/protocols/lab/session.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { UdpServer } from "../../src/protocols/udp/session.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { captureLog, type LogRecord } from "../helpers/capture-log.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { sleep } from "../helpers/flood.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, tempDir } from "../helpers/server.js";
import { RawUdp } from "../helpers/udp-wire.js";

const TIMEOUT = { timeout: 30_000 };
let running: RunningSwitchboard;
let records: LogRecord[];
const port = (name: string): number => running.listeners.find((l) => l.name === name)!.port;

type Named = { name: string };

/**
 * Replace `method` of a session class so that it throws for the user `victim` only (the
 * user is `this`, or for the udp server the member it is called with); returns the undo.
 */
function failFor(proto: object, method: string, victim: string, userOf = (self: unknown, _args: unknown[]) => (self as Named).name): () => void {
  const table = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = table[method]!;
  table[method] = function (this: unknown, ...args: unknown[]) {
    if (userOf(this, args) === victim) throw new Error(`injected failure in ${method} of ${victim}`);
    return original.apply(this, args);
  };
  return () => void (table[method] = original);
}

/** The session_error records logged about `victim`, with the injected error (not the logout lines that follow). */
function failuresOf(victim: string): LogRecord[] {
  return records.filter((r) => r["reason"] === "session_error" && r["user"] === victim && r["err"] !== undefined && JSON.stringify(r["err"]).includes(`of ${victim}`));
}

async function until(test: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

/** Two lab users, made for this check: a direct message goes from one to the other and is acknowledged. */
async function othersStillChat(tag: string): Promise<void> {
  const a = await RawLab.login(port("lab"), `${tag}_a`);
  const b = await RawLab.login(port("lab"), `${tag}_b`);
  try {
    a.write(`SEND ${tag}_b still chatting\n`);
    assert.equal(await b.next(), `DELIVERY ${tag}_a still chatting`);
    assert.equal(await a.next(), "SEND-OK");
  } finally {
    a.close();
    b.close();
  }
}

before(async () => {
  const captured = captureLog();
  records = captured.records;
  running = await startSwitchboard(
    {
      limits: { ...DEFAULT_LIMITS, ackTimeoutMs: 60_000 },
      dataDir: tempDir(),
      store: "memory",
      lab: { ...ANY_PORT, bots: ["echobot"] },
      gowing: { ...ANY_PORT, logDir: "off" },
      bcs: { ...ANY_PORT, chatLog: "off" },
      cs262: ANY_PORT,
      udp: ANY_PORT,
    },
    captured.log,
  );
});

after(async () => {
  await running.close();
});

describe("a session that throws is closed, and only that one", TIMEOUT, () => {
  it("on socket data (lab onFrame)", async () => {
    const watcher = await RawLab.login(port("lab"), "watcher");
    const undo = failFor(LabSession.prototype, "onFrame", "crashy");
    try {
      const crashy = await RawLab.login(port("lab"), "crashy");
      crashy.write("LIST\n");
      await crashy.whenClosed;
      await until(() => !running.hub.isOnline("crashy"));
      assert.equal(failuresOf("crashy").length, 1);
      assert.equal(running.hub.isOnline("watcher"), true);
      await othersStillChat("data");
    } finally {
      undo();
      watcher.close();
    }
  });

  it("in the watchdog's timer (bcs checkDeadline)", async () => {
    const undo = failFor(BcsSession.prototype, "checkDeadline", "ticking");
    try {
      const { peer } = await RawBcs.login(port("bcs"), "ticking");
      await peer.whenClosed; // the watchdog runs at least once a second
      await until(() => !running.hub.isOnline("ticking"));
      assert.equal(failuresOf("ticking").length, 1);
      await othersStillChat("timer");
    } finally {
      undo();
    }
  });

  it("in a file stream's callback (the end of a bcs download)", async () => {
    const undo = failFor(BcsSession.prototype, "endDownload", "reader");
    try {
      const { peer: writer } = await RawBcs.login(port("bcs"), "writer");
      writer.write(encodeSendFileHeader("shared.txt", 5));
      writer.write(Buffer.from("hello"));
      const stored = await writer.next();
      assert.equal(stored?.type === Bcs.Status && stored.code, 0);
      const { peer: reader } = await RawBcs.login(port("bcs"), "reader");
      reader.send({ type: Bcs.GetFile, filename: "shared.txt" });
      await reader.whenClosed;
      await until(() => !running.hub.isOnline("reader"));
      assert.equal(failuresOf("reader").length, 1);
      // The uploader, in the same dialect, goes on.
      writer.send({ type: Bcs.Send, message: "after the failure" });
      for (;;) {
        const f = await writer.next();
        if (f?.type === Bcs.Deliver) writer.ack();
        else {
          assert.equal(f?.type === Bcs.Status && f.code, 0);
          break;
        }
      }
      writer.close();
      await othersStillChat("stream");
    } finally {
      undo();
    }
  });

  it("in a store promise's callback (a cs262 answer)", async () => {
    const undo = failFor(Cs262Session.prototype, "finish", "keeper");
    try {
      const other = await RawCs262.account(port("cs262"), "other");
      const keeper = await RawCs262.open(port("cs262"));
      keeper.send({ command: 1, name: "keeper", password: undefined }); // CREATE: answered from a promise
      await keeper.whenClosed;
      await until(() => !running.hub.isOnline("keeper"));
      assert.equal(failuresOf("keeper").length, 1);
      assert.deepEqual(await other.list("o*"), ["other"], "another cs262 session still answers");
      other.close();
      await othersStillChat("promise");
    } finally {
      undo();
    }
  });

  it("in the hub's deliver, from another session: the sender is answered, the rest get the message", async () => {
    const undo = failFor(GowingSession.prototype, "deliver", "fragile");
    try {
      const fragile = await RawGowing.joined(port("gowing"), "fragile");
      const steady = await RawGowing.joined(port("gowing"), "steady");
      const { peer: sender } = await RawBcs.login(port("bcs"), "sender");
      sender.send({ type: Bcs.Send, message: "to everyone" });
      let reply = await sender.next();
      while (reply?.type === Bcs.Deliver) {
        sender.ack();
        reply = await sender.next();
      }
      assert.equal(reply?.type === Bcs.Status && reply.code, 0, "the sender is not blamed");
      await fragile.whenClosed;
      let line = await steady.next();
      while (line?.text !== "[sender] to everyone") line = await steady.next();
      assert.equal(running.hub.isOnline("fragile"), false);
      assert.equal(failuresOf("fragile").length, 1);
      sender.close();
      steady.close();
      await othersStillChat("deliver");
    } finally {
      undo();
    }
  });

  it("in the hub's deliver, from a bot (no client on that path)", async () => {
    const echoed = await RawGowing.joined(port("gowing"), "echoed");
    const undo = failFor(GowingSession.prototype, "deliver", "echoed");
    try {
      echoed.send(Gowing.Direct, "echobot come back"); // echobot answers from a setImmediate of its own
      await echoed.whenClosed;
      await until(() => !running.hub.isOnline("echoed"));
      assert.equal(failuresOf("echoed").length, 1);
      assert.equal(running.hub.isOnline("echobot"), true, "the bot goes on");
      const asker = await RawLab.login(port("lab"), "asker");
      asker.write("SEND echobot ping\n");
      assert.equal(await asker.next(), "SEND-OK");
      assert.equal(await asker.next(), "DELIVERY echobot ping");
      asker.close();
    } finally {
      undo();
    }
  });

  it("in the udp listener's datagram handler: that address is logged out, the others go on", async () => {
    const undo = failFor(UdpServer.prototype, "sendPublic", "udpbug", (_self, args) => (args[0] as Named).name);
    const peers: RawUdp[] = [];
    try {
      const bug = await RawUdp.registered(port("udp"), "udpbug");
      const fine = await RawUdp.registered(port("udp"), "udpfine");
      peers.push(bug, fine);
      bug.send({ op: Op.Public, text: "boom" });
      await until(() => !running.hub.isOnline("udpbug"));
      assert.ok(records.some((r) => r["reason"] === "session_error" && r["dialect"] === "udp" && JSON.stringify(r["err"]).includes("of udpbug")));
      fine.send({ op: Op.Public, text: "still here" });
      let f = await fine.nextNotList();
      assert.deepEqual(f, { op: Op.PublicMessage, from: "udpfine", text: "still here" });
      // The failed address may register again: it is a stranger now, not a ghost.
      bug.send({ op: Op.Register, name: "udpbug2" });
      f = await bug.nextNotList();
      assert.equal(f.op, Op.Ok);
      await othersStillChat("udp");
    } finally {
      undo();
      for (const p of peers) p.close();
    }
  });
});
