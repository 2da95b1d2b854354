/**
 * LabSession when the hub's answer is pending (a networked registry or router, a login
 * waiting for its address's allowance): the session reads nothing more until it comes,
 * then answers in request order. Ports that answer when the test says: gated-ports.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hub } from "../../../src/core/hub.js";
import { LocalNameRegistry } from "../../../src/core/local-registry.js";
import { LocalRouter } from "../../../src/core/local-router.js";
import { LoginAttempts } from "../../../src/core/login-attempts.js";
import type { HubEvent } from "../../../src/core/events.js";
import type { Router } from "../../../src/core/ports.js";
import { createRequestCodec } from "../../../src/protocols/lab/codec.js";
import type { LabRequest } from "../../../src/protocols/lab/frames.js";
import { LabSession } from "../../../src/protocols/lab/session.js";
import { RecordingConn } from "../../helpers/fake-conn.js";
import { Gate, GatedRegistry, GatedRouter } from "../../helpers/gated-ports.js";

class FakeConn extends RecordingConn<LabRequest> {
  readonly lines: string[] = [];
  override readonly session: LabSession;
  constructor(hub: Hub) {
    super(createRequestCodec(512), 512, { rethrows: true });
    this.session = new LabSession(this, { hub });
  }
  protected override record(b: Buffer): void {
    this.lines.push(b.toString("utf8"));
  }
  write(text: string): void {
    this.push(Buffer.from(text));
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("lab session with pending hub answers", () => {
  it("answers nothing and reads nothing more while its HELLO-FROM waits for the registry, then answers in order", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const c = new FakeConn(hub);
    c.write("HELLO-FROM alice\nLIST\nSEND alice hi\n");
    assert.deepEqual(c.lines, []);
    assert.equal(c.inputPaused, true);
    assert.equal(c.framesRead, 1, "the lines after it wait unread");
    assert.equal(c.isLoggedIn, false);
    gate.open();
    await turn();
    assert.deepEqual(c.lines, ["HELLO alice\n", "LIST-OK alice\n", "DELIVERY alice hi\n", "SEND-OK\n"]);
    assert.equal(c.inputPaused, false);
    assert.equal(c.isLoggedIn, true);
  });

  it("answers a HELLO-FROM that lost the name to a rival's once the registry has decided, and closes", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const first = new FakeConn(hub);
    const rival = new FakeConn(hub);
    first.write("HELLO-FROM bob\n");
    rival.write("HELLO-FROM BOB\n");
    assert.deepEqual([first.lines, rival.lines], [[], []]);
    gate.open();
    await turn();
    assert.deepEqual(first.lines, ["HELLO bob\n"]);
    assert.deepEqual(rival.lines, ["IN-USE\n"]);
    assert.equal(rival.closeReason, "rejected");
  });

  it("answers SEND-OK only once the router has handed the message over; later requests are read, their replies wait their turn", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate) });
    const a = new FakeConn(hub);
    const b = new FakeConn(hub);
    a.write("HELLO-FROM a\n");
    b.write("HELLO-FROM b\n");
    a.write("SEND b one\nSEND b two\nLIST\n");
    assert.deepEqual(a.lines, ["HELLO a\n"], "no reply overtakes the SENDs still to be answered");
    assert.equal(a.inputPaused, false, "pipelined SENDs are read while earlier ones wait");
    assert.equal(gate.waiting, 2, "both SENDs are with the router");
    gate.openOne();
    await turn();
    assert.deepEqual(a.lines, ["HELLO a\n", "SEND-OK\n"], "the second SEND's reply waits for its own answer");
    gate.open();
    await turn();
    assert.deepEqual(a.lines, ["HELLO a\n", "SEND-OK\n", "SEND-OK\n", "LIST-OK a,b\n"]);
    assert.deepEqual(b.lines, ["HELLO b\n", "DELIVERY a one\n", "DELIVERY a two\n"]);
  });

  it("writes replies in request order when later answers come first", async () => {
    const registry = new LocalNameRegistry();
    const local = new LocalRouter(registry);
    const held: (() => void)[] = [];
    // The first unicast is answered last: its reply still goes out first.
    const router: Router = {
      broadcast: (event: HubEvent, except, audience) => local.broadcast(event, except, audience),
      unicast: (member, event) =>
        new Promise<boolean>((resolve) => {
          held.push(() => resolve(local.unicast(member, event)));
        }),
    };
    const hub = new Hub({ registry, router });
    const a = new FakeConn(hub);
    new FakeConn(hub).write("HELLO-FROM b\n");
    a.write("HELLO-FROM a\nSEND b one\nSEND nobody two\nSEND b three\n");
    held[1]!();
    held[0]!();
    await turn();
    assert.deepEqual(a.lines, ["HELLO a\n", "SEND-OK\n", "BAD-DEST-USER\n", "SEND-OK\n"]);
  });

  it("reads no more once 64 replies wait, and reads on as they come", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate) });
    const a = new FakeConn(hub);
    new FakeConn(hub).write("HELLO-FROM b\n");
    a.write("HELLO-FROM a\n" + "SEND b x\n".repeat(70));
    assert.equal(gate.waiting, 64);
    assert.equal(a.inputPaused, true);
    gate.openOne();
    await turn();
    assert.equal(a.lines.filter((l) => l === "SEND-OK\n").length, 1);
    assert.equal(gate.waiting, 64, "one answered: one more read, and no more");
    gate.open();
    await turn();
    gate.open();
    await turn();
    assert.equal(a.lines.filter((l) => l === "SEND-OK\n").length, 70);
  });

  it("answers BAD-DEST-USER, never SEND-OK, for a message the router could not hand over, and goes on", async () => {
    const registry = new LocalNameRegistry();
    const local = new LocalRouter(registry);
    const router: Router = {
      broadcast: (event: HubEvent, except, audience) => local.broadcast(event, except, audience),
      unicast: () => Promise.reject(new Error("node gone")),
    };
    const hub = new Hub({ registry, router });
    const a = new FakeConn(hub);
    new FakeConn(hub).write("HELLO-FROM b\n");
    a.write("HELLO-FROM a\nSEND b hi\nLIST\n");
    await turn();
    assert.deepEqual(a.lines, ["HELLO a\n", "BAD-DEST-USER\n", "LIST-OK b,a\n"]);
  });

  it("answers a HELLO-FROM over its address's refused logins later, not with an error", async () => {
    // One refused login per 200 ms, and every fake connection comes from 127.0.0.1.
    const hub = new Hub({ loginAttempts: new LoginAttempts(1, 200) });
    const refused = new FakeConn(hub);
    refused.write("HELLO-FROM bad!name\n");
    assert.deepEqual(refused.lines, ["BAD-RQST-BODY\n"]);
    const patient = new FakeConn(hub);
    patient.write("HELLO-FROM patient\nLIST\n");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(patient.lines, [], "no answer while the address is over its allowance");
    assert.equal(patient.inputPaused, true);
    await patient.settle();
    assert.deepEqual(patient.lines, ["HELLO patient\n", "LIST-OK patient\n"]);
    assert.equal(hub.stats.dialect("lab").rateLimited.login_failures, 1);
  });

  it("abandons a HELLO-FROM still waiting when the connection closes: the name never comes online", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    const c = new FakeConn(hub);
    c.write("HELLO-FROM carol\n");
    await c.end();
    gate.open();
    await turn();
    assert.equal(hub.isOnline("carol"), false);
    assert.deepEqual(c.lines, []);
    assert.equal(hub.tableSizes()["hub.pendingLogins"], 0);
  });
});
