/**
 * cs262 over real sockets against an in-process server (seed 002, docs/cs262.md; docs/wire.md#rendering-across-dialects):
 * every command with its success and error answers, offline delivery, passwords, the
 * frames the server refuses, and interop with bcs on the same hub. Every test runs for
 * both numberings (docs/cs262.md#frames): version 1 and the original's version 0, whose different
 * answers the RawCs262 shorthands hide.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Command, wireCommand, type WireVersion } from "../../src/protocols/cs262/frames.js";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { startCs262, type Cs262TestServer } from "../helpers/cs262-server.js";

const TIMEOUT = { timeout: 30_000 };
let server: Cs262TestServer;
let port: number;
const peers: { close(): void }[] = [];
let nameCounter = 0;

/** A fresh name per test, so that the tests share one server without meeting. */
const fresh = (prefix = "u"): string => `${prefix}${++nameCounter}`;

for (const version of [1, 0] as const satisfies readonly WireVersion[]) {
  describe(`cs262 version ${version}`, () => {
    // A server per numbering, so that the fixed names of a test meet no earlier run's.
    before(async () => {
      server = await startCs262();
      port = server.cs262Port;
    });

    after(async () => {
      for (const p of peers.splice(0)) p.close();
      await server.close();
    });

    async function open(): Promise<RawCs262> {
      const p = await RawCs262.open(port, undefined, version);
      peers.push(p);
      return p;
    }

    async function account(name: string, password?: string, login = false): Promise<RawCs262> {
      const p = await RawCs262.account(port, name, password, login, version);
      peers.push(p);
      return p;
    }

    describe("cs262 CREATE and LOGIN", TIMEOUT, () => {
      it("creates an account and logs in; a second CREATE of the name in any case is refused", async () => {
        const name = fresh("Cre");
        await account(name);
        const other = await open();
        assert.equal(await other.create(name.toUpperCase()), "account exists");
        assert.equal(await other.create(name.toLowerCase(), "pw"), "account exists");
      });

      it("refuses invalid and reserved names, never fixing them", async () => {
        const p = await open();
        assert.equal(await p.create("has space"), "invalid name: use 1-32 of A-Z a-z 0-9 _ - .");
        assert.equal(await p.create("x".repeat(33)), "invalid name: use 1-32 of A-Z a-z 0-9 _ - .");
        assert.equal(await p.create("a|b"), "invalid name: use 1-32 of A-Z a-z 0-9 _ - .");
        assert.equal(await p.create("Server"), "invalid name: reserved");
        assert.deepEqual(await p.list("has*"), []);
      });

      it("refuses CREATE and LOGIN while logged in", async () => {
        const p = await account(fresh());
        assert.equal(await p.create(fresh()), "already logged in");
        assert.equal(await p.login(fresh()), "already logged in");
      });

      it("logs in to an existing account under its display name, once at a time", async () => {
        const name = fresh("Log");
        const first = await account(name);
        const second = await open();
        assert.equal(await second.login(name.toLowerCase()), "account is logged in elsewhere");
        first.close();
        await first.whenClosed;
        await waitUntil(() => !server.running.hub.isOnline(name));
        assert.equal(await second.login(name.toLowerCase()), "");
        assert.deepEqual(server.running.hub.names().filter((n) => n.toLowerCase() === name.toLowerCase()), [name]);
      });

      it("refuses LOGIN of an account that does not exist", async () => {
        const p = await open();
        assert.equal(await p.login(fresh("ghost")), "no such account");
      });

      it("needs the password of an account made with one: refuses a wrong or missing one", async () => {
        const name = fresh("pw");
        const owner = await account(name, "s3cret|||with bars");
        owner.close();
        await owner.whenClosed;
        await waitUntil(() => !server.running.hub.isOnline(name));
        const p = await open();
        assert.equal(await p.login(name), "password required");
        assert.equal(await p.login(name, "s3cret"), "wrong password");
        assert.equal(await p.login(name, "S3CRET|||WITH BARS"), "wrong password");
        assert.equal(await p.login(name, "s3cret|||with bars"), "");
      });

      it("lets any password open an account made without one", async () => {
        const name = fresh();
        const owner = await account(name);
        owner.close();
        await waitUntil(() => !server.running.hub.isOnline(name));
        const p = await open();
        assert.equal(await p.login(name, "anything"), "");
      });

      it("refuses an empty password on CREATE", async () => {
        const p = await open();
        const name = fresh();
        assert.equal(await p.create(name, ""), "empty password");
        assert.deepEqual(await p.list(name), []);
      });
    });

    describe("cs262 LIST", TIMEOUT, () => {
      let names: string[];
      before(async () => {
        names = ["lsAlpha", "lsAbby", "lsBob", "lsRobb", "lsCarol"];
        for (const n of names) (await account(n)).close();
      });

      it("lists accounts, online or not, with *, with no filter and before logging in", async () => {
        const p = await open();
        const all = await p.list();
        for (const n of names) assert.ok(all.includes(n), `${n} in ${all.join(",")}`);
        assert.deepEqual(await p.list("*"), all);
        assert.deepEqual([...all], [...all].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
      });

      it("matches a* as a prefix and *b* anywhere, case-insensitively", async () => {
        const p = await open();
        assert.deepEqual(await p.list("lsa*"), ["lsAbby", "lsAlpha"]);
        assert.deepEqual(await p.list("LS*B*"), ["lsAbby", "lsBob", "lsRobb"]);
        assert.deepEqual(await p.list("*ROBB"), ["lsRobb"]);
        assert.deepEqual(await p.list("ls_ob"), []);
      });

      if (version === 1) {
        it("takes every character but * literally (version 1): ?, [ and ] match themselves", async () => {
          const p = await open();
          assert.deepEqual(await p.list("ls?ob"), []);
          assert.deepEqual(await p.list("ls[bc]*"), []);
          assert.deepEqual(await p.list("lsBob]"), []);
        });
      } else {
        it("takes a shell glob (version 0): ?, [set], [!set] and [a-z], case-insensitively", async () => {
          const p = await open();
          assert.deepEqual(await p.list("ls?ob"), ["lsBob"]);
          assert.deepEqual(await p.list("LS[bc]*"), ["lsBob", "lsCarol"]);
          assert.deepEqual(await p.list("ls[!abc]*"), ["lsRobb"]);
          assert.deepEqual(await p.list("ls[a-b]??y"), ["lsAbby"]);
          assert.deepEqual(await p.list("ls[bc"), [], "a [ with no ] is literal");
        });
      }

      it("lists accounts only: a bcs user online is not in it", async () => {
        const bcsName = fresh("bcsls");
        const { peer } = await RawBcs.login(server.bcsPort, bcsName);
        peers.push(peer);
        const p = await open();
        assert.deepEqual(await p.list(bcsName), []);
        assert.equal((await p.list()).includes(bcsName), false);
      });
    });

    describe("cs262 SEND", TIMEOUT, () => {
      it("pushes to an online recipient at once as sender|||recipient|||message, then answers the sender", async () => {
        const a = fresh("sa");
        const b = fresh("Sb");
        const alice = await account(a);
        const bob = await account(b);
        assert.equal(await alice.message(a, b.toLowerCase(), "hi |||bob| there"), "");
        assert.deepEqual(await bob.pushed(), { sender: a, recipient: b, message: "hi |||bob| there" });
      });

      it("answers after the SEND frames the request caused (a message to oneself)", async () => {
        const a = fresh();
        const p = await account(a);
        p.send({ command: Command.Send, sender: a, recipient: a, message: "note to self" });
        assert.deepEqual(await p.pushed(), { sender: a, recipient: a, message: "note to self" });
        assert.equal(await p.confirmation({ sender: a, recipient: a, message: "note to self" }), "");
      });

      it("refuses a forged sender and delivers nothing", async () => {
        const a = fresh();
        const b = fresh();
        const victim = fresh();
        const alice = await account(a);
        const bob = await account(b);
        await account(victim);
        assert.equal(await alice.message(victim, b, "I am someone else"), "sender must be the logged-in account");
        assert.equal(await bob.quiet(200), true);
      });

      it("accepts the sender in any case", async () => {
        const a = fresh("Case");
        const b = fresh();
        const alice = await account(a);
        const bob = await account(b);
        assert.equal(await alice.message(a.toUpperCase(), b, "hi"), "");
        assert.equal((await bob.pushed()).sender, a);
      });

      it("answers the hub's refusals: not logged in, unknown user, empty and too long", async () => {
        const p = await open();
        assert.equal(await p.message("x", "y", "hi"), "log in first");
        const a = fresh();
        await p.create(a);
        assert.equal(await p.message(a, fresh("nobody"), "hi"), "no such user");
        assert.equal(await p.message(a, a, ""), "empty message");
        assert.equal(await p.message(a, a, "x".repeat(4097)), "message too long");
        p.send({ command: Command.Send, sender: a, recipient: a, message: "x".repeat(4096) });
        assert.equal((await p.pushed()).message.length, 4096);
        assert.equal(await p.confirmation(), "");
      });
    });

    describe("cs262 offline delivery and DELIVER", TIMEOUT, () => {
      it("queues for an offline account and DELIVER returns the messages in order, once", async () => {
        const a = fresh("qa");
        const b = fresh("Qb");
        const bob = await account(b);
        bob.close();
        await waitUntil(() => !server.running.hub.isOnline(b));
        const alice = await account(a);
        for (const m of ["one", "two", "three|||bars"]) assert.equal(await alice.message(a, b, m), "");
        const again = await account(b.toLowerCase(), undefined, true);
        assert.equal(await again.quiet(100), true, "nothing arrives before DELIVER");
        const got = await again.deliver();
        assert.equal(got.error, "");
        // Version 0 names the recipient as its LOGIN spelled it (the original client compares).
        const recipient = version === 1 ? b : b.toLowerCase();
        assert.deepEqual(got.messages, [
          { sender: a, recipient, message: "one" },
          { sender: a, recipient, message: "two" },
          { sender: a, recipient, message: "three|||bars" },
        ]);
        assert.deepEqual(await again.deliver(), { messages: [], error: "" });
      });

      it("delivers more than one page of queued messages, in order", async () => {
        // 600 SENDs at once is a bulk client, not a chat: this server has no message rate.
        const bulk = await startCs262({ limits: { msgRate: 0 }, store: "memory" });
        try {
          const a = fresh();
          const b = fresh();
          (await RawCs262.account(bulk.cs262Port, b, undefined, false, version)).close();
          await waitUntil(() => !bulk.running.hub.isOnline(b));
          const alice = await RawCs262.account(bulk.cs262Port, a, undefined, false, version);
          const count = 600;
          for (let i = 0; i < count; i++) alice.send({ command: Command.Send, sender: a, recipient: b, message: `m${i}` });
          for (let i = 0; i < count; i++) assert.equal(await alice.confirmation(), "");
          const bob = await RawCs262.account(bulk.cs262Port, b, undefined, true, version);
          const got = await bob.deliver(10_000);
          assert.equal(got.error, "");
          assert.deepEqual(got.messages.map((m) => m.message), Array.from({ length: count }, (_, i) => `m${i}`));
          assert.deepEqual(await bob.deliver(), { messages: [], error: "" });
          alice.close();
          bob.close();
        } finally {
          await bulk.close();
        }
      });

      it("refuses DELIVER and DELETE before logging in, and answers an empty DELIVER with success", async () => {
        const p = await open();
        assert.deepEqual(await p.deliver(), { messages: [], error: "log in first" });
        assert.equal(await p.remove(), "log in first");
        await p.create(fresh());
        assert.deepEqual(await p.deliver(), { messages: [], error: "" });
      });

      it("renders text from other dialects as ASCII, one ? per non-ASCII character", async () => {
        const b = fresh();
        const bob = await account(b);
        const bcsName = fresh("bcs");
        const { peer: bcs } = await RawBcs.login(server.bcsPort, bcsName);
        peers.push(bcs);
        bcs.send({ type: FrameType.Send, message: "caf\u00e9 \u{1F600}!" });
        assert.deepEqual(await bob.pushed(), { sender: bcsName, recipient: b, message: "caf? ?!" });
      });
    });

    describe("cs262 DELETE", TIMEOUT, () => {
      it("removes the account and its queue, logs out, and keeps the connection open", async () => {
        const a = fresh("del");
        const b = fresh();
        const alice = await account(a);
        const bob = await account(b);
        bob.close();
        await waitUntil(() => !server.running.hub.isOnline(b));
        assert.equal(await alice.message(a, b, "kept"), "");
        const bob2 = await account(b, undefined, true);
        assert.equal(await bob2.remove(), "");
        assert.equal(server.running.hub.isOnline(b), false);
        assert.deepEqual(await bob2.list(b), []);
        assert.equal(await bob2.message(b, a, "hi"), "log in first");
        assert.equal(await alice.message(a, b, "to nobody"), "no such user");
        // The connection stays: the same name can be made again, with an empty queue.
        assert.equal(await bob2.create(b), "");
        assert.deepEqual(await bob2.deliver(), { messages: [], error: "" });
        assert.equal(bob2.closed, false);
      });

      it("frees the name for other dialects", async () => {
        const a = fresh();
        const p = await account(a);
        assert.equal(await p.remove(), "");
        const { peer } = await RawBcs.login(server.bcsPort, a);
        peers.push(peer);
      });
    });

    describe("cs262 refused frames (docs/cs262.md#answers)", TIMEOUT, () => {
      it("answers RESPONSE and LISTRESPONSE from a client with an error and goes on", async () => {
        const p = await open();
        p.send({ command: Command.Response, error: "" });
        assert.equal(await p.response(), "unexpected command from a client");
        p.send({ command: Command.ListResponse, names: ["a"] });
        assert.equal(await p.response(), "unexpected command from a client");
        assert.equal(await p.create(fresh()), "");
      });

      it("answers bad data in a whole frame with an error and goes on", async () => {
        const p = await open();
        const h = Buffer.alloc(42);
        h[0] = version;
        h[1] = wireCommand(Command.List, version);
        h.writeUIntBE(2, 36, 6);
        p.write(Buffer.concat([h, Buffer.from([0xc3, 0xa9])]));
        assert.equal(await p.response(), "data must be ASCII");
        p.send({ command: Command.Deliver });
        assert.equal(await p.response(), "log in first");
        assert.equal(p.closed, false);
      });

      const header = (version: number, command: number, len: bigint): Buffer => {
        const h = Buffer.alloc(42);
        h[0] = version;
        h[1] = command;
        for (let i = 41, v = len; i >= 2; i--, v >>= 8n) h[i] = Number(v & 0xffn);
        return h;
      };
      // Version 1 connections keep their words (docs/cs262.md#answers: version 1 unchanged).
      const wrongVersion = version === 1 ? "unsupported version (this server speaks version 1)" : "unsupported version (this connection speaks version 0)";
      for (const [what, bytes, error] of [
        ["a wrong version", header(2, 1, 5n), wrongVersion],
        ["a frame of the other version", header(1 - version, 1, 5n), wrongVersion],
        ["an unknown command", header(version, 42, 0n), "unknown command"],
        ["a data_len of 2^300", header(version, wireCommand(Command.Send, version), 2n ** 300n), "frame too large"],
        ["a data_len just over the frame limit", header(version, wireCommand(Command.Send, version), BigInt(64 * 1024 - 42 + 1)), "frame too large"],
      ] as const) {
        it(`answers ${what} with a RESPONSE error, then closes`, async () => {
          const name = fresh();
          const p = await account(name);
          p.write(bytes);
          assert.equal(await p.response(), error);
          assert.equal(await p.next(), undefined, "closed after the answer");
          await waitUntil(() => !server.running.hub.isOnline(name));
        });
      }
    });

    describe("cs262 with bcs on one hub (docs/wire.md)", TIMEOUT, () => {
      it("delivers a cs262 SEND to an online bcs user as a private deliver", async () => {
        const a = fresh();
        const bcsName = fresh("Bcs");
        const { peer: bcs } = await RawBcs.login(server.bcsPort, bcsName);
        peers.push(bcs);
        const alice = await account(a);
        assert.deepEqual(await bcs.deliver(), { from: "server", message: `${a} has connected` });
        assert.equal(await alice.message(a, bcsName.toLowerCase(), "hello bcs"), "");
        assert.deepEqual(await bcs.deliver(), { from: a, message: "(private) hello bcs" });
      });

      it("delivers a bcs lobby message to cs262 users as a server SEND", async () => {
        const b = fresh();
        const bob = await account(b);
        const bcsName = fresh("lobby");
        const { peer: bcs } = await RawBcs.login(server.bcsPort, bcsName);
        peers.push(bcs);
        bcs.send({ type: FrameType.Send, message: "hello all" });
        assert.deepEqual(await bob.pushed(), { sender: bcsName, recipient: b, message: "hello all" });
      });

      it("reserves account names: a bcs user cannot register one, online or not (status 1, name in use)", async () => {
        const a = fresh("Res");
        const alice = await account(a);
        for (const variant of [a, a.toUpperCase()]) {
          const bcs = await RawBcs.open(server.bcsPort);
          peers.push(bcs);
          bcs.send({ type: FrameType.Register, username: variant });
          assert.deepEqual(await bcs.next(), { type: FrameType.Status, code: 1, message: "name in use" });
        }
        alice.close();
        await waitUntil(() => !server.running.hub.isOnline(a));
        const bcs = await RawBcs.open(server.bcsPort);
        peers.push(bcs);
        bcs.send({ type: FrameType.Register, username: a });
        assert.deepEqual(await bcs.next(), { type: FrameType.Status, code: 1, message: "name in use" });
      });

      it("refuses CREATE of a name a bcs user holds online", async () => {
        const bcsName = fresh("held");
        const { peer } = await RawBcs.login(server.bcsPort, bcsName);
        peers.push(peer);
        const p = await open();
        assert.equal(await p.create(bcsName.toUpperCase()), "name in use");
        assert.deepEqual(await p.list(bcsName), []);
      });

      it("answers a SEND to an offline name without an account with no such user", async () => {
        const a = fresh();
        const bcsName = fresh("gone");
        const { peer } = await RawBcs.login(server.bcsPort, bcsName);
        peer.close();
        await waitUntil(() => !server.running.hub.isOnline(bcsName));
        const alice = await account(a);
        assert.equal(await alice.message(a, bcsName, "hi"), "no such user");
      });
    });

    describe("cs262 connection limits", TIMEOUT, () => {
      it("lists at most the names that fit one frame of the limit, in alphabetical order", async () => {
        const small = await startCs262({ limits: { maxFrameBytes: 512 }, store: "memory" });
        try {
          const names = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, "0")}${"x".repeat(29)}`);
          for (const n of names) (await RawCs262.account(small.cs262Port, n, undefined, false, version)).close();
          const p = await RawCs262.open(small.cs262Port, undefined, version);
          const listed = await p.list();
          assert.equal(listed.length, Math.floor((512 - 42 + 3) / 35)); // 13 names of 32 characters
          assert.deepEqual(listed, names.slice(0, listed.length));
          p.close();
        } finally {
          await small.close();
        }
      });

      it("closes a connection that does not log in within the login timeout", async () => {
        const quick = await startCs262({ limits: { loginTimeoutMs: 300 }, store: "memory" });
        try {
          const p = await RawCs262.open(quick.cs262Port, undefined, version);
          assert.deepEqual(await p.list(), []);
          assert.equal(await p.next(3000), undefined);
        } finally {
          await quick.close();
        }
      });
    });
  });
}

async function waitUntil(ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
