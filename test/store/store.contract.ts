/**
 * The Store contract (src/store/store.ts): one suite, run against every implementation
 * by a small runner (memory-store.test.ts, sqlite-store.test.ts), as aedes-persistence
 * does. A runner gives a factory for a fresh, empty store, and for a store that keeps
 * its data, a way to open it again.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Store } from "../../src/store/store.js";
import { literalGlob } from "../../src/store/glob.js";

export interface ContractTarget {
  /** A fresh, empty store; `reopen` opens the same data again after a close (durable stores only). */
  open(): { store: Store; reopen?: () => Store };
}

export function storeContract(name: string, target: ContractTarget): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const fresh = (): Store => {
      const { store } = target.open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    });

    describe("accounts", () => {
      it("creates an account once, whatever the case of a later attempt", async () => {
        const store = fresh();
        assert.equal(await store.createAccount("Alice", undefined), true);
        assert.equal(await store.createAccount("alice", "x"), false);
        assert.equal(await store.createAccount("ALICE", undefined), false);
        assert.deepEqual(await store.listAccounts(undefined, 10), ["Alice"]);
      });

      it("finds an account by any case and keeps its display name and password hash", async () => {
        const store = fresh();
        const before = Date.now();
        await store.createAccount("Bob", "scrypt$hash");
        await store.createAccount("carol", undefined);
        const bob = await store.findAccount("BOB");
        assert.equal(bob?.name, "Bob");
        assert.equal(bob?.passwordHash, "scrypt$hash");
        assert.ok(bob!.createdAt >= before && bob!.createdAt <= Date.now());
        assert.equal((await store.findAccount("carol"))?.passwordHash, undefined);
        assert.equal(await store.findAccount("dave"), undefined);
      });

      it("answers isAccount synchronously, case-insensitively, once the creation has resolved", async () => {
        const store = fresh();
        assert.equal(store.isAccount("erin"), false);
        await store.createAccount("Erin", undefined);
        assert.equal(store.isAccount("erin"), true);
        assert.equal(store.isAccount("ERIN"), true);
        assert.equal(store.isAccount("erin2"), false);
      });

      it("deletes an account and frees its name", async () => {
        const store = fresh();
        await store.createAccount("frank", undefined);
        assert.equal(await store.deleteAccount("FRANK"), true);
        assert.equal(store.isAccount("frank"), false);
        assert.equal(await store.findAccount("frank"), undefined);
        assert.equal(await store.deleteAccount("frank"), false);
        assert.equal(await store.createAccount("Frank", undefined), true);
      });
    });

    describe("listing by pattern (docs/cs262.md#accounts)", () => {
      const names = ["alice", "Albert", "bob", "Abby", "carol", "rob_b", "x.y", "a%b", "a_c"];
      const withAccounts = async (): Promise<Store> => {
        const store = fresh();
        for (const n of names) await store.createAccount(n, undefined);
        return store;
      };

      it("lists every account in the order of the folded names without a pattern or with *", async () => {
        const store = await withAccounts();
        const all = ["a%b", "a_c", "Abby", "Albert", "alice", "bob", "carol", "rob_b", "x.y"];
        assert.deepEqual(await store.listAccounts(undefined, 100), all);
        assert.deepEqual(await store.listAccounts("*", 100), all);
      });

      it("matches a* as a prefix and *b* anywhere, case-insensitively", async () => {
        const store = await withAccounts();
        assert.deepEqual(await store.listAccounts("a*", 100), ["a%b", "a_c", "Abby", "Albert", "alice"]);
        assert.deepEqual(await store.listAccounts("A*", 100), ["a%b", "a_c", "Abby", "Albert", "alice"]);
        assert.deepEqual(await store.listAccounts("*b*", 100), ["a%b", "Abby", "Albert", "bob", "rob_b"]);
        assert.deepEqual(await store.listAccounts("*B", 100), ["a%b", "bob", "rob_b"]);
      });

      it("matches the whole name, and takes SQL's _ and % literally", async () => {
        const store = await withAccounts();
        assert.deepEqual(await store.listAccounts("bob", 100), ["bob"]);
        assert.deepEqual(await store.listAccounts("BO", 100), []);
        assert.deepEqual(await store.listAccounts("a_*", 100), ["a_c"]); // _ is not "any character"
        assert.deepEqual(await store.listAccounts("a%*", 100), ["a%b"]); // % is not "any run"
        assert.deepEqual(await store.listAccounts("x.y", 100), ["x.y"]);
        assert.deepEqual(await store.listAccounts("*\\*", 100), []); // \ is no escape, and no name holds it
      });

      it("takes ? and [...] as a shell glob does (version 0), case-insensitively", async () => {
        const store = await withAccounts();
        assert.deepEqual(await store.listAccounts("x?y", 100), ["x.y"]);
        assert.deepEqual(await store.listAccounts("[ab]*", 100), ["a%b", "a_c", "Abby", "Albert", "alice", "bob"]);
        assert.deepEqual(await store.listAccounts("[!ab]*", 100), ["carol", "rob_b", "x.y"]);
        assert.deepEqual(await store.listAccounts("?O?", 100), ["bob"]);
      });

      it("matches ? and [ literally in a version-1 pattern (literalGlob)", async () => {
        const store = await withAccounts();
        assert.deepEqual(await store.listAccounts(literalGlob("x?y"), 100), []);
        assert.deepEqual(await store.listAccounts(literalGlob("[ab]*"), 100), []);
        assert.deepEqual(await store.listAccounts(literalGlob("a*"), 100), ["a%b", "a_c", "Abby", "Albert", "alice"]);
      });

      it("returns at most limit names", async () => {
        const store = await withAccounts();
        assert.deepEqual(await store.listAccounts("*", 2), ["a%b", "a_c"]);
        assert.deepEqual(await store.listAccounts("*", 0), []);
      });
    });

    describe("queued messages", () => {
      it("keeps messages for an account in order and drops them once delivered", async () => {
        const store = fresh();
        await store.createAccount("Grace", undefined);
        await Promise.all([store.enqueue("grace", "ann", "one"), store.enqueue("GRACE", "ben", "two|||with bars")]);
        await store.enqueue("grace", "ann", "three");
        const queued = await store.peekQueued("Grace", 0, 10);
        assert.deepEqual(
          queued.map((m) => [m.from, m.text]),
          [["ann", "one"], ["ben", "two|||with bars"], ["ann", "three"]],
        );
        assert.ok(queued[0]!.id < queued[1]!.id && queued[1]!.id < queued[2]!.id);
        assert.ok(queued.every((m) => m.sentAt > 0));
        await store.dropQueued("grace", queued[1]!.id);
        assert.deepEqual((await store.peekQueued("grace", 0, 10)).map((m) => m.text), ["three"]);
        await store.dropQueued("grace", queued[2]!.id);
        assert.deepEqual(await store.peekQueued("grace", 0, 10), []);
      });

      it("pages through a queue with afterId and limit", async () => {
        const store = fresh();
        await store.createAccount("heidi", undefined);
        for (let i = 0; i < 7; i++) void store.enqueue("heidi", "x", `m${i}`);
        const first = await store.peekQueued("heidi", 0, 3);
        const second = await store.peekQueued("heidi", first[2]!.id, 3);
        const third = await store.peekQueued("heidi", second[2]!.id, 3);
        assert.deepEqual([...first, ...second, ...third].map((m) => m.text), ["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
        assert.equal(third.length, 1);
      });

      it("keeps each account's queue apart", async () => {
        const store = fresh();
        await store.createAccount("ivan", undefined);
        await store.createAccount("judy", undefined);
        await store.enqueue("ivan", "a", "for ivan");
        await store.enqueue("judy", "a", "for judy");
        const ivan = await store.peekQueued("ivan", 0, 10);
        await store.dropQueued("judy", ivan[0]!.id + 1000);
        assert.deepEqual(ivan.map((m) => m.text), ["for ivan"]);
        assert.deepEqual(await store.peekQueued("judy", 0, 10), []);
        assert.deepEqual((await store.peekQueued("ivan", 0, 10)).map((m) => m.text), ["for ivan"]);
      });

      it("stores nothing for a name without an account", async () => {
        const store = fresh();
        await store.enqueue("nobody", "a", "lost");
        await store.createAccount("nobody", undefined);
        assert.deepEqual(await store.peekQueued("nobody", 0, 10), []);
      });

      it("deleting an account deletes its queue, also when it is made again", async () => {
        const store = fresh();
        await store.createAccount("kim", undefined);
        await store.enqueue("kim", "a", "old");
        await store.deleteAccount("kim");
        await store.createAccount("kim", undefined);
        assert.deepEqual(await store.peekQueued("kim", 0, 10), []);
      });

      it("counts the queue synchronously: every enqueue called so far, drops and deletes once done", async () => {
        const store = fresh();
        assert.equal(store.queuedCount("nina"), 0, "no account");
        await store.createAccount("Nina", undefined);
        assert.equal(store.queuedCount("nina"), 0);
        void store.enqueue("nina", "a", "one");
        assert.equal(store.queuedCount("NINA"), 1, "counted before it is durable");
        await store.enqueue("Nina", "a", "two");
        await store.enqueue("nina", "a", "three");
        assert.equal(store.queuedCount("nina"), 3);
        const queued = await store.peekQueued("nina", 0, 10);
        await store.dropQueued("nina", queued[1]!.id);
        assert.equal(store.queuedCount("nina"), 1);
        await store.deleteAccount("nina");
        assert.equal(store.queuedCount("nina"), 0);
      });

      it("sees, in a read, every write called before it, awaited or not (rule 2)", async () => {
        const store = fresh();
        void store.createAccount("lee", undefined);
        void store.enqueue("lee", "a", "first");
        void store.enqueue("lee", "a", "second");
        assert.deepEqual((await store.peekQueued("lee", 0, 10)).map((m) => m.text), ["first", "second"]);
        void store.deleteAccount("lee");
        assert.equal(await store.findAccount("lee"), undefined);
      });
    });

    it("keeps ASCII control characters and long text unchanged", async () => {
      const store = fresh();
      await store.createAccount("mo", undefined);
      const text = "tab\tnul\u0000nl\n" + "x".repeat(5000);
      await store.enqueue("mo", "a", text);
      assert.equal((await store.peekQueued("mo", 0, 1))[0]!.text, text);
    });

    it("rejects calls after close instead of throwing", async () => {
      const store = fresh();
      await store.close();
      await assert.rejects(store.findAccount("x"));
      await assert.rejects(store.createAccount("x", undefined));
    });

    it("keeps accounts and queues across close and reopen, when durable", async (t) => {
      const { store, reopen } = target.open();
      if (reopen === undefined) {
        await store.close();
        return t.skip("not a durable store");
      }
      await store.createAccount("Nina", "hash");
      await store.enqueue("nina", "a", "kept 1");
      await store.enqueue("nina", "b", "kept 2");
      const first = await store.peekQueued("nina", 0, 1);
      await store.dropQueued("nina", first[0]!.id);
      await store.close();
      const again = reopen();
      opened.push(again);
      assert.equal(again.isAccount("NINA"), true);
      assert.equal((await again.findAccount("nina"))?.passwordHash, "hash");
      assert.deepEqual((await again.peekQueued("nina", 0, 10)).map((m) => [m.from, m.text]), [["b", "kept 2"]]);
      await again.enqueue("nina", "c", "kept 3");
      const ids = (await again.peekQueued("nina", 0, 10)).map((m) => m.id);
      assert.ok(ids[0]! < ids[1]!, "ids keep increasing after a reopen");
    });
  });
}
