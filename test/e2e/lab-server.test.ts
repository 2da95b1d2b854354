/** The lab dialect over real sockets, one test per requirement of seed 001 (docs/lab.md#the-requirements-as-implemented). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, CLI, spawnServer, startHub, withOwnServer, type TestHub } from "../helpers/server.js";

/** A fresh hub per test: presence and names never leak between tests. */
function isolated(test: (hub: TestHub) => Promise<void>, limits = {}, bots: string[] = []): () => Promise<void> {
  return withOwnServer(() => startHub({ lab: { ...ANY_PORT, bots }, bcs: { ...ANY_PORT, chatLog: "off" } }, limits), test);
}

describe("lab protocol requirements (seed 001)", () => {
  it("PR2: HELLO-FROM from an unauthenticated user logs that user in", isolated(async ({ ports }) => {
    const a = await RawLab.open(ports["lab"]!);
    a.write("HELLO-FROM alice\n");
    assert.equal(await a.next(), "HELLO alice");
    const b = await RawLab.login(ports["lab"]!, "bob");
    b.write("LIST\n");
    assert.equal(await b.next(), "LIST-OK alice,bob");
  }));

  it("PR3: a valid unused name gets HELLO <name>", isolated(async ({ ports }) => {
    const a = await RawLab.open(ports["lab"]!);
    a.write("HELLO-FROM Some_User-1.x\n");
    assert.equal(await a.next(), "HELLO Some_User-1.x");
  }));

  it("PR4: an invalid name gets BAD-RQST-BODY and the connection is closed", isolated(async ({ ports }) => {
    for (const line of ["HELLO-FROM \n", "HELLO-FROM\n", "HELLO-FROM bad!name\n", `HELLO-FROM ${"x".repeat(33)}\n`, "HELLO-FROM server\n"]) {
      const a = await RawLab.open(ports["lab"]!);
      a.write(line);
      assert.equal(await a.next(), "BAD-RQST-BODY", JSON.stringify(line));
      await a.whenClosed;
    }
  }));

  it("PR5: a name in use, in any case, gets IN-USE and the connection is closed", isolated(async ({ ports }) => {
    await RawLab.login(ports["lab"]!, "alice");
    for (const name of ["alice", "ALICE"]) {
      const b = await RawLab.open(ports["lab"]!);
      b.write(`HELLO-FROM ${name}\n`);
      assert.equal(await b.next(), "IN-USE");
      await b.whenClosed;
    }
  }));

  it("PR6: HELLO-FROM after logging in gets BAD-RQST-HDR and the session goes on", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    a.write("HELLO-FROM other\n");
    assert.equal(await a.next(), "BAD-RQST-HDR");
    a.write("LIST\n");
    assert.equal(await a.next(), "LIST-OK alice");
  }));

  it("PR7: anything but HELLO-FROM before logging in gets BAD-RQST-HDR and a close", isolated(async ({ ports }) => {
    for (const line of ["LIST\n", "SEND alice hi\n", "WHATEVER\n", "\n", "hello-from alice\n"]) {
      const a = await RawLab.open(ports["lab"]!);
      a.write(line);
      assert.equal(await a.next(), "BAD-RQST-HDR", JSON.stringify(line));
      await a.whenClosed;
    }
  }));

  it("PR8: LIST from a logged-in user gets LIST-OK", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    a.write("LIST\n");
    assert.match((await a.next())!, /^LIST-OK /);
  }));

  it("PR9: the LIST-OK body is exactly the names of everyone logged in, comma-separated", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    const b = await RawLab.login(ports["lab"]!, "Bob");
    const { peer: c } = await RawBcs.login(ports["bcs"]!, "carol_bcs"); // every dialect counts
    a.write("LIST\n");
    assert.deepEqual((await a.next())!.replace(/^LIST-OK /, "").split(",").sort(), ["Bob", "alice", "carol_bcs"]);
    b.close();
    c.close();
    await new Promise((r) => setTimeout(r, 100));
    a.write("LIST\n");
    assert.equal(await a.next(), "LIST-OK alice");
  }));

  it("PR10: SEND to a valid recipient makes the server DELIVER to that recipient", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    const b = await RawLab.login(ports["lab"]!, "bob");
    a.write("SEND bob hello there, bob\n");
    assert.equal(await b.next(), "DELIVERY alice hello there, bob");
  }));

  it("PR11: a forwarded SEND gets SEND-OK", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    await RawLab.login(ports["lab"]!, "bob");
    a.write("SEND BOB hi\n"); // names match in any case
    assert.equal(await a.next(), "SEND-OK");
  }));

  it("PR12: SEND-OK is never written before the DELIVERY", isolated(async ({ ports }) => {
    // To oneself both lines share one socket, so their order is observable exactly.
    const a = await RawLab.login(ports["lab"]!, "alice");
    for (let i = 0; i < 20; i++) a.write(`SEND alice note ${i}\n`);
    for (let i = 0; i < 20; i++) {
      assert.equal(await a.next(), `DELIVERY alice note ${i}`);
      assert.equal(await a.next(), "SEND-OK");
    }
  }));

  it("PR13: SEND to someone not logged in gets BAD-DEST-USER", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    a.write("SEND nobody hi\n");
    assert.equal(await a.next(), "BAD-DEST-USER");
  }));

  it("PR14: a SEND that cannot be forwarded gets no SEND-OK", isolated(async ({ ports }) => {
    // bob may have 128 bytes queued: the 2nd delivery of one burst overflows that, so bob
    // is dropped as a slow consumer and nothing more can be forwarded to him.
    const a = await RawLab.login(ports["lab"]!, "alice");
    const b = await RawLab.login(ports["lab"]!, "bob");
    const text = "x".repeat(50); // DELIVERY alice <50 bytes> is 66 bytes
    a.write(`SEND bob ${text}\n`.repeat(5));
    const replies = [await a.next(), await a.next(), await a.next(), await a.next(), await a.next()];
    assert.deepEqual(replies, ["SEND-OK", "BAD-DEST-USER", "BAD-DEST-USER", "BAD-DEST-USER", "BAD-DEST-USER"]);
    await b.whenClosed;
  }, { queueBytes: 128 }));

  it("PR15: HELLO-FROM when the server is full gets BUSY", isolated(async ({ ports }) => {
    await RawLab.login(ports["lab"]!, "one");
    await RawLab.login(ports["lab"]!, "two");
    const c = await RawLab.open(ports["lab"]!);
    c.write("HELLO-FROM three\n");
    assert.equal(await c.next(), "BUSY");
    await c.whenClosed;
  }, { maxUsers: 2 }));

  it("PR16: an unknown header after logging in gets BAD-RQST-HDR and the session goes on", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    for (const line of ["FOO bar\n", "list\n", "\n", "SEND-OK\n"]) {
      a.write(line);
      assert.equal(await a.next(), "BAD-RQST-HDR", JSON.stringify(line));
    }
    a.write("LIST\n");
    assert.equal(await a.next(), "LIST-OK alice");
  }));

  it("PR17: a bad body gets BAD-RQST-BODY and the session goes on", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    await RawLab.login(ports["lab"]!, "bob");
    const bad = [
      "SEND\n",
      "SEND bob\n",
      "SEND bob \n", // empty message
      "LIST everyone\n",
      `SEND bob ${"x".repeat(4097)}\n`, // over the 4096-byte message limit
      Buffer.concat([Buffer.from("SEND bob "), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]), // not UTF-8
    ];
    for (const line of bad) {
      a.write(line);
      assert.equal(await a.next(), "BAD-RQST-BODY", String(line).slice(0, 40));
    }
    a.write("SEND bob still fine\n");
    assert.equal(await a.next(), "SEND-OK");
  }));

  it("UR1: a name with a space is refused", isolated(async ({ ports }) => {
    const a = await RawLab.open(ports["lab"]!);
    a.write("HELLO-FROM two words\n");
    assert.equal(await a.next(), "BAD-RQST-BODY");
    await a.whenClosed;
  }));

  it("UR2: a name with a comma is refused", isolated(async ({ ports }) => {
    const a = await RawLab.open(ports["lab"]!);
    a.write("HELLO-FROM a,b\n");
    assert.equal(await a.next(), "BAD-RQST-BODY");
    await a.whenClosed;
  }));

  it("TR3: a dropped connection frees the name within a second", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    const b = await RawLab.login(ports["lab"]!, "bob");
    a.close();
    const t0 = Date.now();
    for (;;) {
      b.write("LIST\n");
      if ((await b.next()) === "LIST-OK bob") break;
      assert.ok(Date.now() - t0 < 1000, "alice still listed after a second");
      await new Promise((r) => setTimeout(r, 20));
    }
    await RawLab.login(ports["lab"]!, "alice");
  }));
});

describe("lab server entry point", () => {
  it("TR5 and TR1: prints `Server is on`, serves 16 concurrent users, and the 17th gets BUSY", async () => {
    const server = await spawnServer(CLI("switchboard"), ["server", "lab", "--address", "127.0.0.1", "--port", "0"], undefined, 10_000, "Server is on");
    try {
      assert.equal(server.stdoutLines.at(-1), "Server is on");
      const port = server.ports["lab"]!;
      const users = await Promise.all(Array.from({ length: 16 }, (_, i) => RawLab.login(port, `user${i}`)));
      // All 16 at once: each one messages the next, and everyone lists all 16.
      users.forEach((u, i) => u.write(`SEND user${(i + 1) % 16} from ${i}\nLIST\n`));
      for (const [i, u] of users.entries()) {
        const got = [await u.next(), await u.next(), await u.next()];
        assert.ok(got.includes(`DELIVERY user${(i + 15) % 16} from ${(i + 15) % 16}`), got.join(" | "));
        assert.ok(got.includes("SEND-OK"));
        const list = got.find((l) => l?.startsWith("LIST-OK "))!;
        assert.equal(list.slice(8).split(",").length, 16);
      }
      const extra = await RawLab.open(port);
      extra.write("HELLO-FROM user16\n");
      assert.equal(await extra.next(), "BUSY");
      await extra.whenClosed;
      users.forEach((u) => u.close());
    } finally {
      await server.stop();
    }
  });
});

describe("lab framing", () => {
  let hub: TestHub;
  before(async () => (hub = await startHub({ lab: { ...ANY_PORT, bots: [] } }, { maxFrameBytes: 1024 })));
  after(() => hub.close());

  it("accepts CRLF line ends", async () => {
    const a = await RawLab.open(hub.ports["lab"]!);
    a.write("HELLO-FROM crlf\r\nLIST\r\n");
    assert.equal(await a.next(), "HELLO crlf");
    assert.match((await a.next())!, /^LIST-OK .*crlf/);
    a.close();
  });

  it("understands lines split into single bytes", async () => {
    const a = await RawLab.open(hub.ports["lab"]!);
    for (const byte of Buffer.from("HELLO-FROM bytewise\nSEND bytewise one byte at a time\n")) {
      a.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await a.next(), "HELLO bytewise");
    assert.equal(await a.next(), "DELIVERY bytewise one byte at a time");
    assert.equal(await a.next(), "SEND-OK");
    a.close();
  });

  it("answers a line over the frame limit with BAD-RQST-BODY, drops the rest of it, and goes on", async () => {
    const a = await RawLab.login(hub.ports["lab"]!, "longline");
    a.write("SEND longline " + "y".repeat(3000)); // no newline yet: over the 1024-byte limit
    assert.equal(await a.next(), "BAD-RQST-BODY");
    a.write("z".repeat(50_000)); // more of the same line, discarded as it comes
    a.write(" SEND-OK\nSEND longline after\n"); // its end, then a good line
    assert.equal(await a.next(), "DELIVERY longline after");
    assert.equal(await a.next(), "SEND-OK");
    assert.equal(await a.quiet(100), true);
    a.close();
  });

  it("sends an empty message to an offline name BAD-RQST-BODY, checked before the destination", async () => {
    const a = await RawLab.login(hub.ports["lab"]!, "emptymsg");
    a.write("SEND nobody_here \n");
    assert.equal(await a.next(), "BAD-RQST-BODY");
    a.close();
  });

  it("delivers 10 messages of 256-512 bytes in order", async () => {
    const a = await RawLab.login(hub.ports["lab"]!, "order_a");
    const b = await RawLab.login(hub.ports["lab"]!, "order_b");
    const sent = Array.from({ length: 10 }, (_, i) => `${i}:` + "m".repeat(256 + i * 28));
    for (const m of sent) a.write(`SEND order_b ${m}\n`);
    for (const m of sent) assert.equal(await b.next(), `DELIVERY order_a ${m}`);
    for (let i = 0; i < 10; i++) assert.equal(await a.next(), "SEND-OK");
    a.close();
    b.close();
  });
});

describe("lab bots", () => {
  it("echobot sends a direct message back to its sender", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    a.write("LIST\n");
    assert.equal(await a.next(), "LIST-OK echobot,delaybot,alice");
    a.write("SEND echobot ping 1\n");
    assert.equal(await a.next(), "SEND-OK");
    assert.equal(await a.next(), "DELIVERY echobot ping 1");
  }, {}, ["echobot", "delaybot"]));

  it("delaybot answers twice, the first copy in two TCP segments with a pause between", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    const before = a.chunks.length;
    a.write("SEND delaybot split me please\n");
    assert.equal(await a.next(), "SEND-OK");
    assert.equal(await a.next(), "DELIVERY delaybot split me please");
    assert.equal(await a.next(), "DELIVERY delaybot split me please");
    const chunks = a.chunks.slice(before);
    const text = chunks.map((c) => c.data.toString()).join("");
    assert.equal(text, "SEND-OK\n" + "DELIVERY delaybot split me please\n".repeat(2));
    // The first copy's bytes came in at least two chunks, the second well after the first.
    const firstCopyStart = chunks.findIndex((c) => c.data.includes("DELIVERY"));
    const firstPart = chunks[firstCopyStart]!;
    assert.ok(!firstPart.data.toString().includes("please\n"), "the first copy arrived in one piece");
    const rest = chunks[firstCopyStart + 1]!;
    assert.ok(rest.at - firstPart.at >= 100, `pause was only ${rest.at - firstPart.at} ms`);
  }, {}, ["echobot", "delaybot"]));

  it("bots do not answer lobby messages or each other", isolated(async ({ ports, running }) => {
    const { peer } = await RawBcs.login(ports["bcs"]!, "loud");
    peer.send({ type: FrameType.Send, message: "anyone?" });
    assert.equal((await peer.next())?.type, FrameType.Status);
    assert.equal(await peer.quiet(300), true);
    assert.deepEqual(running.hub.names(), ["echobot", "delaybot", "loud"]);
  }, {}, ["echobot", "delaybot"]));
});

describe("lab interop", () => {
  it("a lab SEND to a bcs user arrives as a deliver prefixed (private)", isolated(async ({ ports }) => {
    const { peer: bob } = await RawBcs.login(ports["bcs"]!, "bob_bcs");
    const a = await RawLab.login(ports["lab"]!, "alice");
    assert.deepEqual(await bob.deliver(), { from: "server", message: "alice has connected" });
    a.write("SEND bob_bcs psst, bob\n");
    assert.equal(await a.next(), "SEND-OK");
    assert.deepEqual(await bob.deliver(), { from: "alice", message: "(private) psst, bob" });
  }));

  it("a bcs lobby message reaches lab users as DELIVERY, and lab users appear in bcs's user list", isolated(async ({ ports }) => {
    const a = await RawLab.login(ports["lab"]!, "alice");
    const b = await RawLab.login(ports["lab"]!, "bob");
    const { peer: carol, online } = await RawBcs.login(ports["bcs"]!, "carol");
    assert.equal(online, "online: alice, bob");
    carol.send({ type: FrameType.Send, message: "hello lab\nfolks" });
    assert.equal((await carol.next())?.type, FrameType.Status);
    assert.equal(await a.next(), "DELIVERY carol hello lab folks"); // a newline cannot cross a line protocol
    assert.equal(await b.next(), "DELIVERY carol hello lab folks");
  }));
});
