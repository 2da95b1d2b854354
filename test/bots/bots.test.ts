/**
 * The bots (src/bots/bots.ts) on a hub whose ports answer at once (the local ones) and
 * on one whose ports answer later (gated-ports.ts), as networked ones do: they log in,
 * answer people, keep the delaybot's two copies in order with the first one split, and
 * log a reply the hub could not hand over instead of leaving an unhandled rejection.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startBots } from "../../src/bots/bots.js";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import { LocalNameRegistry } from "../../src/core/local-registry.js";
import { LocalRouter } from "../../src/core/local-router.js";
import type { Member, Router } from "../../src/core/ports.js";
import { isSplitDelivery } from "../../src/transport/split-delivery.js";
import { captureLog } from "../helpers/capture-log.js";
import { Gate, GatedRegistry, GatedRouter } from "../helpers/gated-ports.js";
import { QuietMember } from "../helpers/quiet-member.js";

/** A person: records each direct message with whether it was delivered split. */
class Person implements Member {
  readonly dialect = "test";
  readonly got: string[] = [];
  constructor(readonly name: string) {}
  deliver(event: HubEvent): boolean {
    if (event.kind === "direct") this.got.push(`${event.from}: ${event.text}${isSplitDelivery() ? " (split)" : ""}`);
    return true;
  }
  disconnect(_reason: DisconnectReason): void {}
}

/** A router that cannot reach anyone (a cluster's network down). */
class UnreachableRouter implements Router {
  constructor(private readonly inner: Router) {}
  broadcast(event: HubEvent, except: Member | undefined, audience?: Iterable<Member>): Member[] {
    return this.inner.broadcast(event, except, audience);
  }
  unicast(): Promise<boolean> {
    return Promise.reject(new Error("no route"));
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Turns until `done()`, at most `max`: a bot answers a turn after it is told. */
async function until(done: () => boolean, max = 20): Promise<void> {
  for (let i = 0; i < max && !done(); i++) await turn();
}

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown): void => void unhandled.push(err);
process.on("unhandledRejection", onUnhandled);
after(() => process.off("unhandledRejection", onUnhandled));

describe("bots on local ports", () => {
  it("echobot sends a direct message back; delaybot twice, the first copy split", async () => {
    const hub = new Hub();
    const bots = await startBots(hub, ["echobot", "delaybot"]);
    assert.deepEqual(hub.names(), ["echobot", "delaybot"]);
    const ann = new Person("ann");
    hub.join(ann, "ann");
    assert.equal(hub.direct(ann, "echobot", "ping"), "ok");
    assert.equal(hub.direct(ann, "delaybot", "pong"), "ok");
    await until(() => ann.got.length === 3);
    assert.deepEqual(ann.got, ["echobot: ping", "delaybot: pong (split)", "delaybot: pong"]);
    bots.stop();
    assert.deepEqual(hub.names(), ["ann"]);
  });

  it("refuses an unknown bot before logging any in, and a taken name with the earlier bots logged out again", async () => {
    const hub = new Hub();
    await assert.rejects(startBots(hub, ["echobot", "nobot"]), /unknown bot "nobot"/);
    assert.deepEqual(hub.names(), []);
    hub.join(new QuietMember("delaybot"), "delaybot");
    await assert.rejects(startBots(hub, ["echobot", "delaybot"]), /bot delaybot cannot log in: name_taken/);
    assert.deepEqual(hub.names(), ["delaybot"]);
  });
});

describe("bots on ports that answer later", () => {
  it("start once the registry has answered every login", async () => {
    const gate = new Gate();
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate) });
    let started = false;
    const starting = startBots(hub, ["echobot", "delaybot"]).then((bots) => {
      started = true;
      return bots;
    });
    await until(() => gate.waiting > 0);
    assert.equal(gate.waiting, 1, "one login at a time");
    gate.open();
    await until(() => gate.waiting > 0);
    assert.equal(started, false, "the second login is still pending");
    gate.open();
    const bots = await starting;
    assert.deepEqual(hub.names(), ["echobot", "delaybot"]);
    bots.stop();
    assert.deepEqual(hub.names(), []);
  });

  it("delaybot sends its second copy once the first is handed over: the two stay in order", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate) });
    const bots = await startBots(hub, ["delaybot"]);
    const ann = new Person("ann");
    hub.join(ann, "ann");
    const sent = hub.direct(ann, "delaybot", "hello");
    gate.open(); // ann's message reaches the bot
    assert.equal(await sent, "ok");
    await until(() => gate.waiting > 0);
    assert.equal(gate.waiting, 1, "only the first copy is on its way");
    gate.openOne();
    await until(() => gate.waiting > 0);
    assert.equal(gate.waiting, 1, "then the second");
    gate.openOne();
    await until(() => ann.got.length === 2);
    // Delivered after the bot's hub.direct call returned: written whole, as any other message
    // (split-delivery.ts: only a delivery inside the call is split).
    assert.deepEqual(ann.got, ["delaybot: hello", "delaybot: hello"]);
    bots.stop();
  });

  it("logs a reply the router could not hand over, and leaves no unhandled rejection", async () => {
    const registry = new LocalNameRegistry();
    const hub = new Hub({ registry, router: new UnreachableRouter(new LocalRouter(registry)) });
    const { log, records } = captureLog();
    const bots = await startBots(hub, ["echobot", "delaybot"], log);
    hub.join(new Person("ann"), "ann");
    // ann's own message cannot be handed over either, so each bot is told as the
    // router of its node would tell it.
    for (const name of ["echobot", "delaybot"]) registry.find(name)!.deliver({ kind: "direct", from: "ann", text: "ping" });
    await until(() => records.length === 2);
    await turn();
    assert.deepEqual(
      records.map((r) => `${String(r.user)}: ${r.msg} (${(r.err as { message?: string } | undefined)?.message})`),
      ["echobot: bot reply failed (no route)", "delaybot: bot reply failed (no route)"],
    );
    assert.deepEqual(unhandled, []);
    bots.stop();
  });
});
