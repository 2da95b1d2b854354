/**
 * `switchboard client cs262 --wire-version 0` against Switchboard with a low message rate:
 * DELIVER and DELETE are followed by a LIST end mark, and either frame may get the
 * `rate limited` RESPONSE instead of its answer. The client must neither wait for a
 * LISTRESPONSE that will not come nor take a refused request for a done one.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { startCs262, type Cs262TestServer } from "../helpers/cs262-server.js";
import { Interactive } from "../helpers/interactive.js";
import { CLI } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
/** Three requests at once, then two a second: each test below spends the burst on purpose. */
const LIMITS = { msgRate: 2, msgBurst: 3 };

let server: Cs262TestServer;
before(async () => {
  server = await startCs262({ store: "memory", limits: LIMITS });
});
after(async () => {
  await server.close();
});
afterEach(() => Interactive.killAll());

const client = (): Interactive => new Interactive(CLI("switchboard"), ["client", "cs262", "--port", String(server.cs262Port), "--wire-version", "0"]);

describe("switchboard client cs262 --wire-version 0 under the server's message rate", TIMEOUT, () => {
  it("takes a refused end mark for the end of a done DELIVER: prints the kept messages and goes on", async () => {
    (await RawCs262.account(server.cs262Port, "rKeep", "pw", false, 0)).close();
    const sender = await RawCs262.account(server.cs262Port, "rSend", undefined, false, 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await sender.message("rSend", "rKeep", "one"), "");
    assert.equal(await sender.message("rSend", "rKeep", "two"), "");
    const c = client();
    // LOGIN and its spelling LIST take two tokens, DELIVER the third: its mark is refused.
    c.type("login rKeep pw", "deliver", "list rk*");
    c.endInput();
    assert.equal(await c.exit(15_000), 0, c.dump());
    assert.deepEqual(c.out, ["logged in as rKeep", "rSend: one", "rSend: two", "no more kept messages", "accounts: rKeep"]);
    assert.deepEqual(c.err, []);
    sender.close();
  });

  it("sends a refused DELETE again (its mark was answered), and deletes once", async () => {
    const c = client();
    // CREATE and two LISTs take the burst: the DELETE itself is refused, its mark answered.
    c.type("create rDel", "list rD*", "list rD*", "delete", "list rD*");
    c.endInput();
    assert.equal(await c.exit(15_000), 0, c.dump());
    assert.deepEqual(c.out, ["created account rDel; logged in", "accounts: rDel", "accounts: rDel", "deleted account rDel; logged out", "accounts: (none)"]);
    assert.deepEqual(c.err, []);
  });
});
