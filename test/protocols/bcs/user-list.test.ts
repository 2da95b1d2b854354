/**
 * Regression (found by the 10,000-connection test, issue 8): with thousands of users
 * online the bcs user list passed a u16 string, encodeDeliver threw inside the session
 * and every new bcs client was disconnected at register. The list now comes as several
 * delivers of whole names (docs/bcs.md, Register).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameType } from "../../../src/protocols/bcs/frames.js";
import { MAX_USER_LIST_BYTES, userListMessages } from "../../../src/protocols/bcs/session.js";
import { RawBcs } from "../../helpers/bcs-wire.js";
import { startBcs } from "../../helpers/server.js";
import { QuietMember } from "../../helpers/quiet-member.js";


describe("the bcs user list with thousands online", () => {
  it("splits into messages of whole names, each within the limit, that list everyone in order", () => {
    const names = Array.from({ length: 5000 }, (_, i) => `user-${String(i).padStart(26, "0")}`);
    const lists = userListMessages(names);
    assert.ok(lists.length > 1);
    for (const l of lists) {
      assert.ok(l.startsWith("online: "));
      assert.ok(Buffer.byteLength(l) <= MAX_USER_LIST_BYTES);
    }
    assert.deepEqual(lists.flatMap((l) => l.slice("online: ".length).split(", ")), names);
    assert.deepEqual(userListMessages([]), ["online: nobody else"]);
    assert.deepEqual(userListMessages(["a", "b"]), ["online: a, b"]);
  });

  it("registers a client while 3,000 users with 32-character names are online, and lists them all", async () => {
    const server = await startBcs();
    try {
      const names = Array.from({ length: 3000 }, (_, i) => `u${String(i).padStart(31, "0")}`);
      for (const n of names) server.running.hub.join(new QuietMember(n), n);
      const peer = await RawBcs.open(server.bcsPort);
      peer.send({ type: FrameType.Register, username: "newcomer" });
      assert.deepEqual(await peer.next(), { type: FrameType.Status, code: 0, message: "ok" });
      const listed: string[] = [];
      while (listed.length < names.length) {
        const f = await peer.next();
        assert.equal(f?.type, FrameType.Deliver, "the connection stays open and the list comes as delivers");
        if (f?.type !== FrameType.Deliver) break;
        assert.equal(f.from, "server");
        assert.match(f.message, /^online: /);
        listed.push(...f.message.slice("online: ".length).split(", "));
        peer.ack();
      }
      assert.deepEqual(listed, names);
      peer.close();
    } finally {
      await server.close();
    }
  });
});
