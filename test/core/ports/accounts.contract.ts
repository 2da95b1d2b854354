/**
 * The Accounts contract (src/core/ports.ts), against the port only: accounts are made
 * once per name in any case, keep their display name, check their optional password,
 * can be deleted, and are listed by the two kinds of pattern cs262 uses (docs/cs262.md#accounts).
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Accounts } from "../../../src/core/ports.js";

export interface AccountsTarget {
  /** Fresh accounts, none made yet, and how to let them go (a networked target may take a moment). */
  open(): Opened | Promise<Opened>;
}

interface Opened {
  accounts: Accounts;
  close?: () => Promise<void>;
}

export function accountsContract(name: string, target: AccountsTarget): void {
  describe(`Accounts contract: ${name}`, () => {
    const opened: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of opened.splice(0)) await close().catch(() => undefined);
    });
    async function fresh(): Promise<Accounts> {
      const { accounts, close } = await target.open();
      if (close) opened.push(close);
      return accounts;
    }

    it("makes an account once, whatever the case of a later attempt, and knows it at once", async () => {
      const accounts = await fresh();
      assert.equal(accounts.isAccount("alice"), false);
      assert.equal(await accounts.create("Alice", undefined), "created");
      assert.equal(accounts.isAccount("alice"), true);
      assert.equal(accounts.isAccount("ALICE"), true);
      assert.equal(await accounts.create("alice", "pw"), "exists");
      assert.equal(await accounts.create("ALICE", undefined), "exists");
      assert.deepEqual(await accounts.list({ kind: "all" }, 10), ["Alice"]);
    });

    it("makes exactly one of two accounts of one name asked at once", async () => {
      const accounts = await fresh();
      const made = await Promise.all([accounts.create("bob", "one"), accounts.create("BOB", "two")]);
      assert.deepEqual([...made].sort(), ["created", "exists"]);
      const winner = made[0] === "created" ? "one" : "two";
      assert.equal((await accounts.authenticate("bob", winner)).outcome, "ok");
    });

    it("leaves everything as it was when the creation is no longer wanted", async () => {
      const accounts = await fresh();
      assert.equal(await accounts.create("carol", "pw", () => false), "abandoned");
      assert.equal(accounts.isAccount("carol"), false);
      assert.equal(await accounts.create("carol", "pw", () => true), "created");
    });

    it("lets an account without a password in with any password or none, under its display name", async () => {
      const accounts = await fresh();
      await accounts.create("Dave", undefined);
      assert.deepEqual(await accounts.authenticate("dave", undefined), { outcome: "ok", name: "Dave" });
      assert.deepEqual(await accounts.authenticate("DAVE", "anything"), { outcome: "ok", name: "Dave" });
    });

    it("holds an account with a password to it", async () => {
      const accounts = await fresh();
      await accounts.create("erin", "s3cret");
      assert.deepEqual(await accounts.authenticate("Erin", "s3cret"), { outcome: "ok", name: "erin" });
      assert.deepEqual(await accounts.authenticate("erin", "wrong"), { outcome: "wrong_password" });
      assert.deepEqual(await accounts.authenticate("erin", "S3CRET"), { outcome: "wrong_password" });
      assert.deepEqual(await accounts.authenticate("erin", undefined), { outcome: "password_required" });
    });

    it("knows no account it did not make", async () => {
      const accounts = await fresh();
      assert.deepEqual(await accounts.authenticate("frank", undefined), { outcome: "unknown_account" });
      assert.deepEqual(await accounts.authenticate("frank", "pw"), { outcome: "unknown_account" });
    });

    it("deletes an account and frees its name", async () => {
      const accounts = await fresh();
      await accounts.create("Grace", "pw");
      assert.equal(await accounts.delete("GRACE"), true);
      assert.equal(accounts.isAccount("grace"), false);
      assert.deepEqual(await accounts.authenticate("grace", "pw"), { outcome: "unknown_account" });
      assert.equal(await accounts.delete("grace"), false);
      assert.equal(await accounts.create("grace", undefined), "created");
      assert.deepEqual(await accounts.authenticate("grace", undefined), { outcome: "ok", name: "grace" });
    });

    describe("listing by pattern (docs/cs262.md#accounts)", () => {
      const names = ["alice", "Albert", "bob", "Abby", "carol", "rob_b", "x.y", "a%b", "a_c"];
      const withAccounts = async (): Promise<Accounts> => {
        const accounts = await fresh();
        for (const n of names) await accounts.create(n, undefined);
        return accounts;
      };

      it("lists all of them in the order of their folded names, at most the limit", async () => {
        const accounts = await withAccounts();
        const all = ["a%b", "a_c", "Abby", "Albert", "alice", "bob", "carol", "rob_b", "x.y"];
        assert.deepEqual(await accounts.list({ kind: "all" }, 100), all);
        assert.deepEqual(await accounts.list({ kind: "glob", text: "*" }, 100), all);
        assert.deepEqual(await accounts.list({ kind: "star", text: "*" }, 100), all);
        assert.deepEqual(await accounts.list({ kind: "all" }, 2), ["a%b", "a_c"]);
        assert.deepEqual(await accounts.list({ kind: "all" }, 0), []);
      });

      it("takes a shell glob: *, ? and [...], case-insensitively, matching the whole name", async () => {
        const accounts = await withAccounts();
        const glob = (text: string) => accounts.list({ kind: "glob", text }, 100);
        assert.deepEqual(await glob("A*"), ["a%b", "a_c", "Abby", "Albert", "alice"]);
        assert.deepEqual(await glob("*B"), ["a%b", "bob", "rob_b"]);
        assert.deepEqual(await glob("x?y"), ["x.y"]);
        assert.deepEqual(await glob("[ab]*"), ["a%b", "a_c", "Abby", "Albert", "alice", "bob"]);
        assert.deepEqual(await glob("[!ab]*"), ["carol", "rob_b", "x.y"]);
        assert.deepEqual(await glob("BO"), []);
        assert.deepEqual(await glob("a_*"), ["a_c"], "_ is no wildcard");
      });

      it("takes a star pattern: only * is special, ? and [ are themselves", async () => {
        const accounts = await withAccounts();
        const star = (text: string) => accounts.list({ kind: "star", text }, 100);
        assert.deepEqual(await star("a*"), ["a%b", "a_c", "Abby", "Albert", "alice"]);
        assert.deepEqual(await star("*O*"), ["bob", "carol", "rob_b"]);
        assert.deepEqual(await star("x?y"), []);
        assert.deepEqual(await star("[ab]*"), []);
        assert.deepEqual(await star("x.y"), ["x.y"]);
      });
    });
  });
}
