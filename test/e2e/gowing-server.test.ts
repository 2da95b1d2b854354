/** The gowing server over real sockets (seed 003, docs/gowing.md; issue 5 acceptance). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeRaw, encodeText } from "../../src/protocols/gowing/codec.js";
import { FrameType, JoinStatus } from "../../src/protocols/gowing/frames.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { error, message, RawGowing } from "../helpers/gowing-wire.js";
import { withGowing } from "../helpers/gowing-server.js";
import { bare, within } from "../helpers/tcp-peer.js";

const TIMEOUT = { timeout: 20_000 };

describe("gowing connect and JOIN", () => {
  it("sends nothing before the JOIN reply, and the command list after it, to the joiner only", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "cl_a");
    const b = await RawGowing.open(server.gowingPort);
    assert.equal(await b.quiet(300), true, "nothing before JOIN (the public clients read the first byte as the status)");
    b.send(FrameType.Join, "cl_b");
    assert.equal(await b.joinStatus(), 0);
    assert.deepEqual(await b.next(), message(COMMAND_LIST));
    assert.deepEqual(await a.next(), message("**cl_b is joining the chat**"), "the command list did not go to the others");
    a.close();
    b.close();
  }));

  it("answers JOIN with one raw byte 00, then the command list, then the joining notice to everyone, the joiner included", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "Alice");
    const b = await bare(server.gowingPort);
    const expected = Buffer.concat([Buffer.from([0]), encodeText(2, COMMAND_LIST), encodeText(2, "**Bob is joining the chat**")]);
    let bytes = Buffer.alloc(0);
    const got = new Promise<void>((resolve) =>
      b.socket.on("data", (d: Buffer) => {
        bytes = Buffer.concat([bytes, d]);
        if (bytes.length >= expected.length) resolve();
      }),
    );
    b.socket.write(encodeText(FrameType.Join, "Bob"));
    await within(3000, got, "the reply");
    assert.equal(bytes.toString("hex"), expected.toString("hex"));
    assert.deepEqual(await a.next(), message("**Bob is joining the chat**"));
    a.close();
    b.socket.destroy();
  }));

  it("answers status 1 to a name in use in any case, and takes another name on the same connection", TIMEOUT, withGowing({}, async (server) => {
    const holder = await RawGowing.joined(server.gowingPort, "Dup");
    const p = await RawGowing.open(server.gowingPort);
    for (const name of ["Dup", "dup", "DUP"]) {
      p.send(FrameType.Join, name);
      assert.equal(await p.joinStatus(), JoinStatus.NameTaken);
    }
    assert.equal(await holder.quiet(150), true, "a refused JOIN tells nobody");
    p.send(FrameType.Join, "Dup2");
    assert.equal(await p.joinStatus(), JoinStatus.Accepted);
    assert.deepEqual(await p.next(), message(COMMAND_LIST));
    assert.deepEqual(await p.next(), message("**Dup2 is joining the chat**"));
    holder.close();
    p.close();
  }));

  it("answers status 2 to blank, spaced, long, reserved and non-ASCII names", TIMEOUT, withGowing({}, async (server) => {
    const p = await RawGowing.open(server.gowingPort);
    for (const name of ["", " ", "has space", "x".repeat(33), "sl/ash", "server", "SERVER", "naïve"]) {
      p.send(FrameType.Join, name);
      assert.equal(await p.joinStatus(), JoinStatus.InvalidName, JSON.stringify(name));
    }
    p.write(encodeRaw(FrameType.Join, Buffer.from([0x62, 0xff, 0x62]))); // not even UTF-8
    assert.equal(await p.joinStatus(), JoinStatus.InvalidName);
    assert.equal(p.closed, false, "a refused name leaves the connection open for another try");
    p.close();
  }));

  it("answers status 3 when the server is full", TIMEOUT, withGowing({ limits: { maxUsers: 1 } }, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "only");
    const p = await RawGowing.open(server.gowingPort);
    p.send(FrameType.Join, "second");
    assert.equal(await p.joinStatus(), JoinStatus.ServerFull);
    a.close();
    p.close();
  }));

  it("answers a second JOIN with ERROR and keeps the first name", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "twice");
    a.send(FrameType.Join, "again");
    assert.deepEqual(await a.next(), error("Already joined"));
    a.send(FrameType.List);
    assert.deepEqual(await a.next(), { type: FrameType.List, text: "twice" });
    a.close();
  }));

  it("answers chat before JOIN with ERROR Join first", TIMEOUT, withGowing({}, async (server) => {
    const p = await RawGowing.open(server.gowingPort);
    for (const type of [FrameType.Message, FrameType.List, FrameType.Direct]) {
      p.send(type, type === FrameType.List ? "" : "someone hi");
      assert.deepEqual(await p.next(), error("Join first"));
    }
    p.close();
  }));

  it("closes a connection that has not joined within the login deadline", TIMEOUT, withGowing({ limits: { loginTimeoutMs: 300 } }, async (server) => {
    const p = await RawGowing.open(server.gowingPort);
    p.send(FrameType.Join, "server"); // refused: the deadline still runs
    assert.equal(await p.joinStatus(), JoinStatus.InvalidName);
    const closedIn = Date.now();
    await p.whenClosed;
    assert.ok(Date.now() - closedIn < 3000);
    const q = await RawGowing.joined(server.gowingPort, "quick");
    assert.equal(await q.quiet(700), true, "a joined user is not timed out");
    assert.equal(q.closed, false);
    q.close();
  }));
});

describe("gowing chat", () => {
  it("sends MESSAGE to every other client as [X] text and never back to the sender", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "m_a");
    const b = await RawGowing.joined(server.gowingPort, "m_b");
    await a.next(); // m_b joining
    const c = await RawGowing.joined(server.gowingPort, "m_c");
    await a.next();
    await b.next();
    a.send(FrameType.Message, "Hi");
    assert.deepEqual(await b.next(), message("[m_a] Hi"));
    assert.deepEqual(await c.next(), message("[m_a] Hi"));
    assert.equal(await a.quiet(200), true, "the sender got its own message back");
    for (const p of [a, b, c]) p.close();
  }));

  it("turns each non-ASCII character a gowing user sends into one ?", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "u_a");
    const b = await RawGowing.joined(server.gowingPort, "u_b");
    await a.next();
    a.send(FrameType.Message, "héllo ✓ 😀");
    assert.deepEqual(await b.next(), message("[u_a] h?llo ? ?"));
    a.write(encodeRaw(FrameType.Message, Buffer.from([0x61, 0xff, 0x62]))); // invalid UTF-8
    assert.deepEqual(await b.next(), message("[u_a] a?b"));
    a.close();
    b.close();
  }));

  it("answers an empty MESSAGE and one over the message limit with ERROR, to the sender only", TIMEOUT, withGowing({ limits: { maxMessageBytes: 100 } }, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "l_a");
    const b = await RawGowing.joined(server.gowingPort, "l_b");
    await a.next();
    a.send(FrameType.Message, "");
    assert.deepEqual(await a.next(), error("Empty message"));
    a.send(FrameType.Message, "x".repeat(101));
    assert.deepEqual(await a.next(), error("Message too long"));
    a.send(FrameType.Message, "x".repeat(100));
    assert.deepEqual(await b.next(), message(`[l_a] ${"x".repeat(100)}`));
    assert.equal(await b.quiet(150), true);
    a.close();
    b.close();
  }));

  it("skips a frame over the frame limit unread, answers ERROR, and stays in step", TIMEOUT, withGowing({ limits: { maxFrameBytes: 512 } }, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "f_a");
    const b = await RawGowing.joined(server.gowingPort, "f_b");
    await a.next();
    a.send(FrameType.Message, "y".repeat(60_000));
    assert.deepEqual(await a.next(), error("Message too long"));
    a.send(FrameType.Direct, `f_b ${"y".repeat(1000)}`);
    assert.deepEqual(await a.next(), error("Message too long"));
    a.send(FrameType.Message, "after");
    assert.deepEqual(await b.next(), message("[f_a] after"));
    const p = await RawGowing.open(server.gowingPort);
    p.send(FrameType.Join, "n".repeat(600));
    assert.equal(await p.joinStatus(), JoinStatus.InvalidName);
    for (const peer of [a, b, p]) peer.close();
  }));

  it("answers LIST with type 3: every online name in join order, joined by comma and space", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "L_one");
    const b = await RawGowing.joined(server.gowingPort, "L_two");
    const c = await RawGowing.joined(server.gowingPort, "L_three");
    b.send(FrameType.List);
    assert.deepEqual(await b.next(), message("**L_three is joining the chat**"));
    assert.deepEqual(await b.next(), { type: FrameType.List, text: "L_one, L_two, L_three" });
    for (const p of [a, b, c]) p.close();
  }));

  it("sends DIRECT to the named user only as type 4 [X] (private) text", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "d_a");
    const b = await RawGowing.joined(server.gowingPort, "d_b");
    await a.next();
    const c = await RawGowing.joined(server.gowingPort, "d_c");
    await a.next();
    await b.next();
    a.send(FrameType.Direct, "D_B psst, over here");
    assert.deepEqual(await b.next(), { type: FrameType.Direct, text: "[d_a] (private) psst, over here" });
    assert.equal(await c.quiet(150), true, "a third user saw the direct message");
    assert.equal(await a.quiet(0), true, "the sender got something back");
    for (const p of [a, b, c]) p.close();
  }));

  it("answers DIRECT to an unknown name, or without text, with ERROR to the sender", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "du_a");
    const b = await RawGowing.joined(server.gowingPort, "du_b");
    await a.next();
    a.send(FrameType.Direct, "ghost hello");
    assert.deepEqual(await a.next(), error("No such user: ghost"));
    a.send(FrameType.Direct, "du_b");
    assert.deepEqual(await a.next(), error("Empty message"));
    a.send(FrameType.Direct, "bad\u0001name hello");
    assert.deepEqual(await a.next(), error("No such user"));
    assert.equal(await b.quiet(150), true);
    a.close();
    b.close();
  }));

  it("tells the rest **X is leaving the chat** on LEAVE, then closes the leaver", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "lv_a");
    const b = await RawGowing.joined(server.gowingPort, "lv_b");
    await a.next();
    b.send(FrameType.Leave);
    assert.deepEqual(await a.next(), message("**lv_b is leaving the chat**"));
    assert.equal(await b.next(), undefined, "the leaver got a frame instead of the close");
    await b.whenClosed;
    const again = await RawGowing.joined(server.gowingPort, "lv_b"); // the name is free again
    assert.deepEqual(await a.next(), message("**lv_b is joining the chat**"));
    a.close();
    again.close();
  }));

  it("tells the rest **X is leaving the chat** when a connection drops", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "dr_a");
    const b = await RawGowing.joined(server.gowingPort, "dr_b");
    await a.next();
    b.socket.resetAndDestroy();
    assert.deepEqual(await a.next(), message("**dr_b is leaving the chat**"));
    a.close();
  }));

  it("answers an unsupported type with ERROR on that connection only, and goes on", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "us_a");
    const b = await RawGowing.joined(server.gowingPort, "us_b");
    await a.next();
    a.write(encodeRaw(9, Buffer.from("whatever this is")));
    assert.deepEqual(await a.next(), error("Unsupported command"));
    a.send(FrameType.Error, "clients do not send errors");
    assert.deepEqual(await a.next(), error("Unsupported command"));
    a.write(encodeRaw(255, Buffer.alloc(0)));
    assert.deepEqual(await a.next(), error("Unsupported command"));
    assert.equal(await b.quiet(150), true, "another connection saw the error");
    a.send(FrameType.Message, "still here");
    assert.deepEqual(await b.next(), message("[us_a] still here"));
    a.close();
    b.close();
  }));

  it("understands frames split into single bytes", TIMEOUT, withGowing({}, async (server) => {
    const a = await RawGowing.joined(server.gowingPort, "sb_a");
    const b = await RawGowing.open(server.gowingPort);
    const bytes = Buffer.concat([
      Buffer.from([FrameType.Join, 0, 4]),
      Buffer.from("sb_b"),
      Buffer.from([FrameType.Message, 0, 5]),
      Buffer.from("split"),
    ]);
    for (const byte of bytes) {
      b.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 2)); // separate segments
    }
    assert.equal(await b.joinStatus(), JoinStatus.Accepted);
    assert.deepEqual(await a.next(), message("**sb_b is joining the chat**"));
    assert.deepEqual(await a.next(), message("[sb_b] split"));
    a.close();
    b.close();
  }));
});
