/**
 * `switchboard client cs262 --wire-version 0` against a stand-in for the original server
 * (test/fixtures/cs262-original-server.ts): it must never wait for a RESPONSE that
 * version 0 does not send (after a SEND, DELIVER or DELETE), and prints what it prints
 * against Switchboard.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { OriginalCs262Server } from "../fixtures/cs262-original-server.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { Interactive } from "../helpers/interactive.js";
import { CLI } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
let server: OriginalCs262Server;
before(async () => {
  server = await OriginalCs262Server.start();
});
after(async () => {
  await server.close();
});
afterEach(() => Interactive.killAll());

const client = (): Interactive => new Interactive(CLI("switchboard"), ["client", "cs262", "--port", String(server.port), "--wire-version", "0"]);

describe("switchboard client cs262 --wire-version 0 against the original server", TIMEOUT, () => {
  it("creates, sends, lists with a glob, delivers and deletes, one answer per line, and exits 0", async () => {
    const bob = await RawCs262.account(server.port, "bob", undefined, false, 0);
    bob.close();
    await new Promise((r) => setTimeout(r, 100));
    const c = client();
    c.type("create dave", "send bob kept for you", "send dave note to self", "send nobody hi", "list d?ve*", "list [bc]*", "deliver", "delete", "list", "quit");
    assert.equal(await c.exit(), 0, c.dump());
    assert.deepEqual(c.out, [
      "created account dave; logged in",
      "sent to bob",
      "dave: note to self",
      "sent to dave",
      "accounts: dave",
      "accounts: bob",
      "no more kept messages",
      "deleted account dave; logged out",
      "accounts: bob",
    ]);
    assert.deepEqual(c.err, ["error: specific recipient nobody does not exist"]);
  });

  it("prints the messages DELIVER brings, then goes on", async () => {
    const erin = await RawCs262.account(server.port, "erin", undefined, false, 0);
    erin.close();
    await new Promise((r) => setTimeout(r, 100));
    const sender = await RawCs262.account(server.port, "fay", undefined, false, 0);
    assert.equal(await sender.message("fay", "erin", "one"), "");
    assert.equal(await sender.message("fay", "erin", "two"), "");
    const c = client();
    c.type("login ERIN", "login erin", "deliver", "deliver", "logout", "login erin");
    c.endInput();
    assert.equal(await c.exit(), 0, c.dump());
    assert.deepEqual(c.out, ["logged in as erin", "fay: one", "fay: two", "no more kept messages", "no more kept messages", "logged out of erin", "logged in as erin"]);
    assert.deepEqual(c.err, ["error: username does not exist"]);
    sender.close();
  });
});
