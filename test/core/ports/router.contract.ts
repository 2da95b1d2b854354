/**
 * The Router contract (src/core/ports.ts), against the port only (a runner gives the
 * implementation: local-ports.test.ts). A router moves events to members it finds in
 * its registry; a member whose deliver throws is reported and counts as not delivered,
 * and never costs anyone else a message.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HubEvent } from "../../../src/core/events.js";
import type { Member, MemberFailure, NameRegistry, Router } from "../../../src/core/ports.js";

export interface RouterTarget {
  /** A fresh router and the registry it routes by; `onThrow` hears of members whose deliver threw. */
  open(onThrow: MemberFailure): { router: Router; registry: NameRegistry };
}

/** A member that keeps what it is given, up to `capacity`, or throws when `broken`. */
class Recorder implements Member {
  readonly dialect = "test";
  readonly got: HubEvent[] = [];
  constructor(
    readonly name: string,
    private readonly capacity = Infinity,
    private readonly broken = false,
  ) {}
  deliver(event: HubEvent): boolean {
    if (this.broken) throw new Error(`${this.name} is broken`);
    if (this.got.length >= this.capacity) return false;
    this.got.push(event);
    return true;
  }
  disconnect(): void {}
}

export function routerContract(name: string, target: RouterTarget): void {
  describe(`Router contract: ${name}`, () => {
    async function setUp(...members: Recorder[]) {
      const thrown: [Member, unknown][] = [];
      const { router, registry } = target.open((m, err) => thrown.push([m, err]));
      for (const m of members) assert.equal(await registry.claim(m.name, m), true);
      return { router, thrown };
    }

    it("hands a unicast to its one member, and says so", async () => {
      const a = new Recorder("a");
      const b = new Recorder("b");
      const { router } = await setUp(a, b);
      const event: HubEvent = { kind: "direct", from: "b", text: "psst" };
      assert.equal(await router.unicast(a, event), true);
      assert.deepEqual(a.got, [event]);
      assert.deepEqual(b.got, []);
    });

    it("answers false for a member that did not take it (its queue is full)", async () => {
      const full = new Recorder("full", 0);
      const { router, thrown } = await setUp(full);
      assert.equal(await router.unicast(full, { kind: "direct", from: "x", text: "hi" }), false);
      assert.deepEqual(thrown, []);
    });

    it("reports a member whose deliver throws, and answers false for it", async () => {
      const broken = new Recorder("broken", Infinity, true);
      const { router, thrown } = await setUp(broken);
      assert.equal(await router.unicast(broken, { kind: "direct", from: "x", text: "hi" }), false);
      assert.equal(thrown.length, 1);
      assert.equal(thrown[0]![0], broken);
      assert.match(String(thrown[0]![1]), /broken is broken/);
    });

    it("keeps the order of unicasts to one member", async () => {
      const a = new Recorder("a");
      const { router } = await setUp(a);
      const texts = Array.from({ length: 20 }, (_, i) => `m${i}`);
      const answers = await Promise.all(texts.map((text) => router.unicast(a, { kind: "direct", from: "s", text })));
      assert.deepEqual(answers, texts.map(() => true));
      assert.deepEqual(a.got.map((e) => (e.kind === "direct" ? e.text : "")), texts);
    });

    it("broadcasts one shared event to every member but the one excepted", async () => {
      const [a, b, c] = [new Recorder("a"), new Recorder("b"), new Recorder("c")];
      const { router } = await setUp(a, b, c);
      const event: HubEvent = { kind: "lobby", from: "a", text: "hello" };
      assert.deepEqual(router.broadcast(event, a), []);
      assert.deepEqual(a.got, []);
      assert.equal(b.got[0], event);
      assert.equal(c.got[0], event);
    });

    it("broadcasts to an audience when given one, and to everyone without an exception", async () => {
      const [a, b, c] = [new Recorder("a"), new Recorder("b"), new Recorder("c")];
      const { router } = await setUp(a, b, c);
      router.broadcast({ kind: "join", name: "d" }, undefined, [a, c]);
      assert.deepEqual([a.got.length, b.got.length, c.got.length], [1, 0, 1]);
      router.broadcast({ kind: "leave", name: "d" }, undefined);
      assert.deepEqual([a.got.length, b.got.length, c.got.length], [2, 1, 2]);
    });

    it("goes on past members that did not take a broadcast, and names them", async () => {
      const full = new Recorder("full", 0);
      const broken = new Recorder("broken", Infinity, true);
      const fine = new Recorder("fine");
      const { router, thrown } = await setUp(full, broken, fine);
      const failed = router.broadcast({ kind: "lobby", from: "x", text: "hi" }, undefined);
      assert.deepEqual(new Set(failed), new Set([full, broken]));
      assert.equal(fine.got.length, 1);
      assert.deepEqual(thrown.map(([m]) => m), [broken]);
    });
  });
}
