/**
 * The NameRegistry contract (src/core/ports.ts): one suite, run against every
 * implementation by a small runner (local-ports.test.ts), as test/store/store.contract.ts
 * does for the Store. Written against the port only: a networked registry (a cluster's)
 * must pass it too, so every answer is awaited, whether it came at once or later.
 * Names are given folded, as the hub gives them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NameRegistry } from "../../../src/core/ports.js";
import { QuietMember } from "../../helpers/quiet-member.js";

export interface NameRegistryTarget {
  /** A fresh, empty registry (a networked one may take a moment to open). */
  open(): NameRegistry | Promise<NameRegistry>;
}

export function nameRegistryContract(name: string, target: NameRegistryTarget): void {
  describe(`NameRegistry contract: ${name}`, () => {
    it("binds a free name to its claimant, and finds, counts and lists it", async () => {
      const registry = await target.open();
      const alice = new QuietMember("Alice");
      assert.equal(await registry.claim("alice", alice), true);
      assert.equal(registry.find("alice"), alice);
      assert.equal(registry.find("bob"), undefined);
      assert.equal(registry.size, 1);
      assert.deepEqual([...registry.members()], [alice]);
    });

    it("refuses a name that is held, to anyone, the holder included", async () => {
      const registry = await target.open();
      const first = new QuietMember("bob");
      assert.equal(await registry.claim("bob", first), true);
      assert.equal(await registry.claim("bob", new QuietMember("BOB")), false);
      assert.equal(await registry.claim("bob", first), false);
      assert.equal(registry.find("bob"), first);
      assert.equal(registry.size, 1);
    });

    it("lets exactly one of two claims of one name made at once win", async () => {
      const registry = await target.open();
      const a = new QuietMember("carol");
      const b = new QuietMember("Carol");
      const won = await Promise.all([registry.claim("carol", a), registry.claim("carol", b)]);
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal(registry.find("carol"), won[0] ? a : b);
      assert.equal(registry.size, 1);
    });

    it("lets exactly one of many claims of one name win, and every claim of a free name", async () => {
      const registry = await target.open();
      const rivals = Array.from({ length: 50 }, (_, i) => new QuietMember(`dave${i}`));
      const others = Array.from({ length: 50 }, (_, i) => new QuietMember(`erin${i}`));
      const [contested, distinct] = await Promise.all([
        Promise.all(rivals.map((m) => registry.claim("dave", m))),
        Promise.all(others.map((m, k) => registry.claim(`erin${k}`, m))),
      ]);
      assert.equal(contested.filter(Boolean).length, 1);
      assert.deepEqual(distinct, others.map(() => true));
      assert.equal(registry.size, 51);
    });

    it("releases a name only for its holder", async () => {
      const registry = await target.open();
      const holder = new QuietMember("frank");
      const other = new QuietMember("frank");
      await registry.claim("frank", holder);
      registry.release("frank", other);
      assert.equal(registry.find("frank"), holder, "not the holder: nothing happens");
      registry.release("nobody", holder);
      assert.equal(registry.size, 1, "a name nobody holds: nothing happens");
      registry.release("frank", holder);
      assert.equal(registry.find("frank"), undefined);
      assert.equal(registry.size, 0);
      assert.equal(await registry.claim("frank", other), true, "free again, for anyone");
    });

    it("lists the members in the order they claimed, without those released", async () => {
      const registry = await target.open();
      const [x, y, z] = [new QuietMember("x"), new QuietMember("y"), new QuietMember("z")];
      await registry.claim("x", x);
      await registry.claim("y", y);
      await registry.claim("z", z);
      registry.release("y", y);
      assert.deepEqual([...registry.members()], [x, z]);
      await registry.claim("y", y);
      assert.deepEqual([...registry.members()], [x, z, y]);
    });
  });
}
