/**
 * gowing with other dialects on one hub (docs/wire.md#rendering-across-dialects, gowing column): bcs over real
 * sockets; lab, cs262 and udp direct messages through the hub itself, as their sessions
 * would call it (hub.direct from a Member of that dialect).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HubEvent } from "../../src/core/events.js";
import type { Member } from "../../src/core/ports.js";
import { encodeSendFileHeader } from "../../src/protocols/bcs/codec.js";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { FrameType } from "../../src/protocols/gowing/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { message, RawGowing } from "../helpers/gowing-wire.js";
import { withGowing } from "../helpers/gowing-server.js";

const TIMEOUT = { timeout: 20_000 };

/** A user of another dialect as the hub sees it: records what it is delivered. */
class FakeMember implements Member {
  readonly got: HubEvent[] = [];
  constructor(
    readonly name: string,
    readonly dialect: string,
  ) {}
  deliver(event: HubEvent): boolean {
    this.got.push(event);
    return true;
  }
  disconnect(): void {}
}

describe("gowing and bcs on one hub", () => {
  it("shows a bcs lobby message to gowing users as [X] text, non-ASCII as ?", TIMEOUT, withGowing({ withBcs: true }, async (server) => {
    const g = await RawGowing.joined(server.gowingPort, "g_user");
    const { peer: b } = await RawBcs.login(server.bcsPort, "b_user");
    assert.deepEqual(await g.next(), message("**b_user is joining the chat**"));
    b.send({ type: BcsType.Send, message: "hello from bcs ✓ naïve" });
    assert.deepEqual(await g.next(), message("[b_user] hello from bcs ? na?ve"));
    g.close();
    b.close();
  }));

  it("delivers a gowing MESSAGE to bcs users as a deliver from X", TIMEOUT, withGowing({ withBcs: true }, async (server) => {
    const { peer: b } = await RawBcs.login(server.bcsPort, "b2");
    const g = await RawGowing.joined(server.gowingPort, "g2");
    assert.deepEqual(await b.deliver(), { from: "server", message: "g2 has connected" });
    g.send(FrameType.Message, "hi bcs");
    assert.deepEqual(await b.deliver(), { from: "g2", message: "hi bcs" });
    g.close();
    assert.deepEqual(await b.deliver(), { from: "server", message: "g2 has disconnected" });
    b.close();
  }));

  it("tells gowing users when bcs users join and leave, and lists them", TIMEOUT, withGowing({ withBcs: true }, async (server) => {
    const g = await RawGowing.joined(server.gowingPort, "g3");
    const { peer: b } = await RawBcs.login(server.bcsPort, "b3");
    assert.deepEqual(await g.next(), message("**b3 is joining the chat**"));
    g.send(FrameType.List);
    assert.deepEqual(await g.next(), { type: FrameType.List, text: "g3, b3" });
    b.close();
    assert.deepEqual(await g.next(), message("**b3 is leaving the chat**"));
    g.close();
  }));

  it("shows a bcs upload as **X has uploaded F to the server**", TIMEOUT, withGowing({ withBcs: true }, async (server) => {
    const g = await RawGowing.joined(server.gowingPort, "g4");
    const { peer: b } = await RawBcs.login(server.bcsPort, "b4");
    await g.next(); // b4 joining
    b.write(encodeSendFileHeader("notes.txt", 5));
    b.write(Buffer.from("hello"));
    assert.deepEqual(await b.next(), { type: BcsType.Status, code: 0, message: "ok" });
    assert.deepEqual(await g.next(), message("**b4 has uploaded notes.txt to the server**"));
    g.close();
    b.close();
  }));

  it("delivers a gowing DIRECT to a bcs user as a deliver prefixed (private)", TIMEOUT, withGowing({ withBcs: true }, async (server) => {
    const { peer: b } = await RawBcs.login(server.bcsPort, "b5");
    const g = await RawGowing.joined(server.gowingPort, "g5");
    await b.deliver(); // g5 has connected
    g.send(FrameType.Direct, "b5 just for you");
    assert.deepEqual(await b.deliver(), { from: "g5", message: "(private) just for you" });
    g.close();
    b.close();
  }));
});

describe("direct messages from lab, cs262 and udp users", () => {
  for (const dialect of ["lab", "cs262", "udp"]) {
    it(`shows a ${dialect} user's direct message as type 4 [X] (private) text`, TIMEOUT, withGowing({}, async (server) => {
      const hub = server.running.hub;
      const g = await RawGowing.joined(server.gowingPort, "target");
      const other = new FakeMember(`${dialect}_user`, dialect);
      assert.equal(hub.join(other, other.name), "ok");
      assert.deepEqual(await g.next(), message(`**${dialect}_user is joining the chat**`));
      assert.equal(hub.direct(other, "TARGET", "psst ✓ é"), "ok");
      assert.deepEqual(await g.next(), { type: FrameType.Direct, text: `[${dialect}_user] (private) psst ? ?` });
      g.send(FrameType.Direct, `${dialect}_user back at you`);
      // The hub hands the other dialect the event; its own session renders it.
      await waitFor(() => other.got.some((e) => e.kind === "direct"));
      assert.deepEqual(other.got.at(-1), { kind: "direct", from: "target", text: "back at you" });
      hub.leave(other);
      assert.deepEqual(await g.next(), message(`**${dialect}_user is leaving the chat**`));
      g.close();
    }));
  }

  it("shows a lobby message from a udp user as [X] text", TIMEOUT, withGowing({}, async (server) => {
    const hub = server.running.hub;
    const g = await RawGowing.joined(server.gowingPort, "g6");
    const udp = new FakeMember("udp_six", "udp");
    hub.join(udp, udp.name);
    await g.next();
    assert.equal(hub.lobby(udp, "line one\nline two"), "ok");
    // gowing frames carry their length, so a newline needs no replacing (docs/wire.md#text).
    assert.deepEqual(await g.next(), message("[udp_six] line one\nline two"));
    hub.leave(udp);
    g.close();
  }));
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
