/**
 * The Mailbox contract (src/core/ports.ts), against the port only: mail for an account
 * that is offline is kept in the order accepted, up to its limit, handed out a page at
 * a time and removed once handed out, so each message is handed out once. Which names
 * are accounts is the Accounts port's: the runner gives both, over one backend.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Accounts, Mailbox, QueuedMail } from "../../../src/core/ports.js";

export interface MailboxTarget {
  /** A fresh mailbox keeping at most `limit` messages per account (0: no limit), the accounts it keeps mail for, and how to let them go. */
  open(limit: number): Opened | Promise<Opened>;
}

interface Opened {
  mailbox: Mailbox;
  accounts: Accounts;
  close?: () => Promise<void>;
}

const durable = (mailbox: Mailbox): Promise<Error | undefined> => new Promise((resolve) => mailbox.whenDurable(resolve));
const texts = (mail: readonly QueuedMail[]): string[] => mail.map((m) => m.text);

export function mailboxContract(name: string, target: MailboxTarget): void {
  describe(`Mailbox contract: ${name}`, () => {
    const opened: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of opened.splice(0)) await close().catch(() => undefined);
    });
    async function fresh(limit = 0, ...names: string[]) {
      const { mailbox, accounts, close } = await target.open(limit);
      if (close) opened.push(close);
      for (const n of names) assert.equal(await accounts.create(n, undefined), "created");
      return { mailbox, accounts };
    }

    it("keeps mail for accounts only, by any case of the name", async () => {
      const { mailbox } = await fresh(0, "Carol");
      assert.equal(await mailbox.accept("a", "carol", "one"), "queued");
      assert.equal(await mailbox.accept("b", "CAROL", "two"), "queued");
      assert.equal(await mailbox.accept("a", "dave", "lost"), "not_an_account");
      assert.equal(await durable(mailbox), undefined);
      const kept = await mailbox.page("Carol", 0, 10);
      assert.deepEqual(kept.map((m) => [m.from, m.text]), [["a", "one"], ["b", "two"]]);
      assert.deepEqual(await mailbox.page("dave", 0, 10), []);
    });

    it("tells when what it accepted is durable, at once when it accepted nothing", async () => {
      const { mailbox } = await fresh(0, "erin");
      assert.equal(await durable(mailbox), undefined);
      await mailbox.accept("a", "erin", "x");
      assert.equal(await durable(mailbox), undefined);
      assert.deepEqual(texts(await mailbox.page("erin", 0, 10)), ["x"]);
    });

    it("hands mail out in the order accepted, with increasing ids, a page at a time", async () => {
      const { mailbox } = await fresh(0, "grace");
      for (let i = 0; i < 7; i++) assert.equal(await mailbox.accept(i % 2 ? "ann" : "ben", "grace", `m${i}`), "queued");
      await durable(mailbox);
      const first = await mailbox.page("grace", 0, 3);
      const second = await mailbox.page("grace", first.at(-1)!.id, 3);
      const third = await mailbox.page("grace", second.at(-1)!.id, 3);
      const all = [...first, ...second, ...third];
      assert.deepEqual(texts(all), ["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
      assert.equal(third.length, 1);
      assert.ok(all.every((m, i) => i === 0 || m.id > all[i - 1]!.id));
      assert.ok(all.every((m) => m.sentAt > 0));
      assert.equal(all[1]!.from, "ann");
    });

    it("reads without removing; removes through an id, once: what was handed out never comes again", async () => {
      const { mailbox } = await fresh(0, "heidi");
      for (const t of ["a", "b", "c"]) await mailbox.accept("x", "heidi", t);
      await durable(mailbox);
      const page = await mailbox.page("heidi", 0, 2);
      assert.deepEqual(texts(await mailbox.page("heidi", 0, 10)), ["a", "b", "c"], "a page read is still there");
      await mailbox.remove("heidi", page.at(-1)!.id);
      assert.deepEqual(texts(await mailbox.page("heidi", 0, 10)), ["c"]);
      await mailbox.remove("heidi", page.at(-1)!.id);
      assert.deepEqual(texts(await mailbox.page("heidi", 0, 10)), ["c"], "removing again removes nothing more");
      await mailbox.accept("x", "heidi", "d");
      await durable(mailbox);
      assert.deepEqual(texts(await mailbox.page("heidi", 0, 10)), ["c", "d"]);
    });

    it("keeps each account's mail apart", async () => {
      const { mailbox } = await fresh(0, "ivan", "judy");
      await mailbox.accept("a", "ivan", "for ivan");
      await mailbox.accept("a", "judy", "for judy");
      await durable(mailbox);
      const ivan = await mailbox.page("ivan", 0, 10);
      await mailbox.remove("judy", ivan[0]!.id + 1000);
      assert.deepEqual(texts(await mailbox.page("ivan", 0, 10)), ["for ivan"]);
      assert.deepEqual(await mailbox.page("judy", 0, 10), []);
    });

    it("is full at its limit per account, and takes more once some were removed", async () => {
      const { mailbox } = await fresh(3, "kim", "lee");
      for (let i = 0; i < 3; i++) assert.equal(await mailbox.accept("a", "kim", `m${i}`), "queued");
      assert.equal(await mailbox.accept("a", "KIM", "over"), "full");
      assert.equal(await mailbox.accept("a", "lee", "other box"), "queued", "the limit is per account");
      await durable(mailbox);
      const kept = await mailbox.page("kim", 0, 10);
      assert.deepEqual(texts(kept), ["m0", "m1", "m2"]);
      await mailbox.remove("kim", kept[1]!.id);
      assert.equal(await mailbox.accept("a", "kim", "m3"), "queued");
      assert.equal(await mailbox.accept("a", "kim", "m4"), "queued");
      assert.equal(await mailbox.accept("a", "kim", "m5"), "full");
      await durable(mailbox);
      assert.deepEqual(texts(await mailbox.page("kim", 0, 10)), ["m2", "m3", "m4"]);
    });

    it("drops the mail of an account that is deleted, also when it is made again", async () => {
      const { mailbox, accounts } = await fresh(0, "mo");
      await mailbox.accept("a", "mo", "old");
      await durable(mailbox);
      assert.equal(await accounts.delete("mo"), true);
      assert.equal(await mailbox.accept("a", "mo", "after"), "not_an_account");
      assert.equal(await accounts.create("mo", undefined), "created");
      assert.deepEqual(await mailbox.page("mo", 0, 10), []);
    });
  });
}
