/**
 * `switchboard client cs262` as a process with piped stdin, against an in-process server,
 * speaking each numbering (`--wire-version 1` and `0`): what it prints is the same.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { HELP } from "../../src/clients/cs262/commands.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { startCs262, type Cs262TestServer } from "../helpers/cs262-server.js";
import { Interactive } from "../helpers/interactive.js";
import { CLI } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
class Client extends Interactive {
  constructor(port: number, version = 1) {
    super(CLI("switchboard"), ["client", "cs262", "--host", "127.0.0.1", "--port", String(port), "--wire-version", String(version)]);
  }
}

let server: Cs262TestServer;
afterEach(() => Interactive.killAll());

for (const version of [1, 0]) describe(`switchboard client cs262 --wire-version ${version}`, TIMEOUT, () => {
  // A server per numbering: the tests' fixed names meet no earlier run's.
  before(async () => {
    server = await startCs262();
  });
  after(async () => {
    await server.close();
  });
  it("creates, lists, sends, deletes and quits from piped input, one answer per line", async () => {
    const c = new Client(server.cs262Port, version);
    c.type("create cAlice pw", "list ca*", "send cAlice hello   me", "list nobody*", "delete", "quit", "list");
    assert.equal(await c.exit(), 0, c.dump());
    assert.deepEqual(c.out, [
      "created account cAlice; logged in",
      "accounts: cAlice",
      "cAlice: hello   me",
      "sent to cAlice",
      "accounts: (none)",
      "deleted account cAlice; logged out",
    ]);
    assert.deepEqual(c.err, []);
  });

  it("prints messages pushed to it as they arrive, and exits 0 at end of input", async () => {
    const c = new Client(server.cs262Port, version);
    c.type("create cBob");
    await c.waitFor("created account cBob; logged in");
    const alice = await RawCs262.account(server.cs262Port, "cAl2");
    assert.equal(await alice.message("cAl2", "cbob", "are you there?"), "");
    await c.waitFor("cAl2: are you there?");
    c.endInput();
    assert.equal(await c.exit(), 0);
    alice.close();
  });

  it("fetches kept messages with deliver", async () => {
    (await RawCs262.account(server.cs262Port, "cCarol", "pw")).close();
    const dave = await RawCs262.account(server.cs262Port, "cDave");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await dave.message("cDave", "cCarol", "one"), "");
    assert.equal(await dave.message("cDave", "cCarol", "two"), "");
    const c = new Client(server.cs262Port, version);
    c.type("login cCarol wrong", "login cCarol pw", "deliver", "deliver");
    c.endInput();
    assert.equal(await c.exit(), 0);
    assert.deepEqual(c.out, ["logged in as cCarol", "cDave: one", "cDave: two", "no more kept messages", "no more kept messages"]);
    assert.deepEqual(c.err, ["error: wrong password"]);
    dave.close();
  });

  it("prints the server's refusals and its own on stderr and goes on", async () => {
    const c = new Client(server.cs262Port, version);
    c.type("send x hi", "login nobody_here", "bogus", "create a b c", "help", "create cErin", "send nobody_here hi");
    c.endInput();
    assert.equal(await c.exit(), 0);
    // Lines the client refuses itself print when typed; the server's answers when they come.
    assert.deepEqual([...c.err].sort(), [
      "error: log in first (create or login)",
      "error: unknown command bogus (try help)",
      "error: usage: create <name> [password]",
      "error: no such account",
      "error: no such user",
    ].sort());
    assert.deepEqual(c.out, [...HELP.split("\n"), "created account cErin; logged in"]);
  });

  it("exits 1 when it cannot connect", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const c = new Client(port, version);
    c.type("list");
    assert.equal(await c.exit(), 1);
    assert.match(c.err[0]!, /^error: cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED$/);
  });

  it("exits 1 when the server goes away while it is logged in", async () => {
    const own = await startCs262({ store: "memory" });
    const c = new Client(own.cs262Port, version);
    c.type("create cFrank");
    await c.waitFor("created account cFrank; logged in");
    await own.close();
    assert.equal(await c.exit(), 1);
    assert.deepEqual(c.err, ["error: the server closed the connection"]);
  });

  it("prints the account's own spelling after login, and logs out by reconnecting", async () => {
    (await RawCs262.account(server.cs262Port, "frank")).close();
    await new Promise((r) => setTimeout(r, 100));
    const c = new Client(server.cs262Port, version);
    c.type("login FRANK", "logout", "logout", "login Frank", "deliver");
    c.endInput();
    assert.equal(await c.exit(), 0, c.dump());
    assert.deepEqual(c.out, ["logged in as frank", "logged out of frank", "logged in as frank", "no more kept messages"]);
    assert.deepEqual(c.err, ["error: not logged in"]);
  });
});
