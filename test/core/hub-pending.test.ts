/**
 * The hub over ports that answer later (test/helpers/gated-ports.ts), as a cluster's
 * will: joins, direct messages and account logins are answered once the port answers,
 * a member that leaves meanwhile abandons its login, and the login policy (refused
 * logins per address) holds for pending logins as for immediate ones.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import { LocalNameRegistry } from "../../src/core/local-registry.js";
import { LocalRouter } from "../../src/core/local-router.js";
import { LoginAttempts } from "../../src/core/login-attempts.js";
import type { Member, NameRegistry, Router } from "../../src/core/ports.js";
import { StoreAccounts } from "../../src/store/accounts.js";
import { StoreMailbox } from "../../src/store/mailbox.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { Gate, GatedAccounts, GatedMailbox, GatedRegistry, GatedRouter } from "../helpers/gated-ports.js";

class FakeMember implements Member {
  readonly dialect = "fake";
  readonly events: HubEvent[] = [];
  disconnected: DisconnectReason | undefined;
  constructor(public name: string) {}
  deliver(event: HubEvent): boolean {
    this.events.push(event);
    return true;
  }
  disconnect(reason: DisconnectReason): void {
    this.disconnected = reason;
  }
}

const PENDING = Symbol("pending");
/** What `answer` settled to within a few turns, or PENDING. */
async function settled<T>(answer: T | Promise<T>, ms = 20): Promise<T | typeof PENDING> {
  return Promise.race([Promise.resolve(answer), new Promise<typeof PENDING>((r) => setTimeout(() => r(PENDING), ms))]);
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function gatedHub(options: { loginAttempts?: LoginAttempts } = {}) {
  const gate = new Gate();
  const registry = new GatedRegistry(new LocalNameRegistry(), gate);
  const errors: unknown[] = [];
  const hub = new Hub({ registry, onError: (err) => errors.push(err), ...options });
  return { hub, gate, errors };
}

describe("hub joins through a registry that answers later", () => {
  it("answers once the claim is decided, and only then is the member online and announced", async () => {
    const { hub, gate } = gatedHub();
    const watcher = new FakeMember("watcher");
    const watching = hub.join(watcher, "watcher");
    gate.open();
    assert.equal(await watching, "ok");
    const alice = new FakeMember("alice");
    const answer = hub.join(alice, "alice");
    assert.ok(answer instanceof Promise, "pending, not a value");
    assert.equal(await settled(answer), PENDING);
    assert.equal(hub.isOnline("alice"), false);
    assert.deepEqual(watcher.events, []);
    gate.open();
    assert.equal(await answer, "ok");
    assert.equal(hub.isMember(alice), true);
    assert.deepEqual(watcher.events, [{ kind: "join", name: "alice" }]);
  });

  it("lets exactly one of two joins of one name made at once in", async () => {
    const { hub, gate } = gatedHub();
    const a = new FakeMember("bob");
    const b = new FakeMember("BOB");
    const answers = Promise.all([hub.join(a, "bob"), hub.join(b, "BOB")]);
    gate.open();
    assert.deepEqual((await answers).sort(), ["name_taken", "ok"]);
    assert.equal(hub.online, 1);
  });

  it("abandons a join whose member leaves meanwhile: the name goes back, nobody is told, no answer comes", async () => {
    const { hub, gate } = gatedHub();
    const watcher = new FakeMember("watcher");
    const w = hub.join(watcher, "watcher");
    gate.open();
    await w;
    const gone = new FakeMember("carol");
    const answer = hub.join(gone, "carol");
    assert.equal(hub.tableSizes()["hub.pendingLogins"], 1);
    hub.leave(gone); // its connection closed
    gate.open();
    assert.equal(await settled(answer), PENDING);
    assert.equal(hub.isOnline("carol"), false);
    assert.deepEqual(watcher.events, []);
    assert.equal(hub.tableSizes()["hub.pendingLogins"], 0);
    const again = hub.join(new FakeMember("carol"), "carol");
    gate.open();
    assert.equal(await again, "ok", "the name is free");
  });

  it("refuses a join decided after the server began going down", async () => {
    const { hub, gate } = gatedHub();
    const late = hub.join(new FakeMember("dave"), "dave");
    hub.dismissAll("server_shutdown");
    gate.open();
    assert.equal(await late, "server_full");
    assert.equal(hub.isOnline("dave"), false);
  });

  it("answers server_full, and reports it, when the registry cannot be asked", async () => {
    const failing: NameRegistry = Object.assign(new LocalNameRegistry(), {
      claim: () => Promise.reject(new Error("registry unreachable")),
    });
    const errors: unknown[] = [];
    const hub = new Hub({ registry: failing, onError: (err) => errors.push(err) });
    assert.equal(await hub.join(new FakeMember("erin"), "erin"), "server_full");
    assert.match(String(errors[0]), /registry unreachable/);
  });

  it("answers a local join at once: a plain value, no promise", () => {
    const hub = new Hub();
    assert.equal(hub.join(new FakeMember("frank"), "frank"), "ok");
    assert.equal(hub.direct(new FakeMember("x"), "frank", "hi"), "not_joined");
  });
});

describe("the login policy inside the hub (refused logins per address)", () => {
  const WAIT = { address: "192.0.2.1", overAllowance: "wait" } as const;
  const REFUSE = { address: "192.0.2.1", overAllowance: "refuse" } as const;

  it("answers a login over the allowance late when asked to wait, or refuses it at once, and counts each hit", async () => {
    // One refused login per 200 ms.
    const hub = new Hub({ loginAttempts: new LoginAttempts(1, 200) });
    assert.equal(hub.join(new FakeMember("bad name"), "bad name", { from: WAIT }), "name_invalid");
    assert.equal(hub.join(new FakeMember("grace"), "grace", { from: REFUSE }), "login_limited");
    const started = Date.now();
    const waiting = hub.join(new FakeMember("grace"), "grace", { from: WAIT });
    assert.ok(waiting instanceof Promise);
    assert.equal(await settled(waiting, 50), PENDING);
    assert.equal(await waiting, "ok");
    assert.ok(Date.now() - started >= 150, `answered after the try came back (${Date.now() - started} ms)`);
    assert.equal(hub.stats.dialect("fake").rateLimited.login_failures, 2);
  });

  it("keeps the try of a refused name, gives back the try of a login that got in or found the server full", () => {
    const hub = new Hub({ loginAttempts: new LoginAttempts(1, 60_000), limits: { maxUsers: 1 } });
    for (let i = 0; i < 5; i++) {
      const m = new FakeMember(`h${i}`);
      if (i === 0) assert.equal(hub.join(m, m.name, { from: REFUSE }), "ok");
      else assert.equal(hub.join(m, m.name, { from: REFUSE }), "server_full");
    }
    assert.equal(hub.join(new FakeMember("h0"), "h0", { from: REFUSE }), "name_taken");
    assert.equal(hub.join(new FakeMember("h9"), "h9", { from: REFUSE }), "login_limited");
  });

  it("abandons a login waiting for its allowance when its member leaves: it never joins", async () => {
    const hub = new Hub({ loginAttempts: new LoginAttempts(1, 100) });
    hub.join(new FakeMember("bad name"), "bad name", { from: WAIT });
    const ivan = new FakeMember("ivan");
    const waiting = hub.join(ivan, "ivan", { from: WAIT });
    hub.leave(ivan);
    assert.equal(await settled(waiting, 250), PENDING);
    assert.equal(hub.isOnline("ivan"), false);
    assert.equal(hub.tableSizes()["hub.pendingLogins"], 0);
  });

  it("follows new limits (SIGHUP: setLimits) and forgets refilled addresses (sweep)", () => {
    const hub = new Hub({ loginAttempts: new LoginAttempts(1, 60_000), limits: { loginFailures: 1, loginFailureWindowMs: 60_000 } });
    assert.equal(hub.join(new FakeMember("bad name"), "bad name", { from: REFUSE }), "name_invalid");
    assert.equal(hub.join(new FakeMember("lee"), "lee", { from: REFUSE }), "login_limited");
    hub.setLimits({ ...hub.limits, loginFailures: 0 });
    assert.equal(hub.join(new FakeMember("lee"), "lee", { from: REFUSE }), "ok", "0: no limit");
    hub.setLimits({ ...hub.limits, loginFailures: 1 });
    assert.equal(hub.join(new FakeMember("max"), "max", { from: REFUSE }), "login_limited", "the address kept what it had used");
    assert.equal(hub.tableSizes()["logins.addresses"], 1);
    hub.setLimits({ ...hub.limits, loginFailureWindowMs: 1 });
    hub.sweep(Date.now() + 10);
    assert.equal(hub.tableSizes()["logins.addresses"], 0, "refilled: forgotten");
    assert.equal(hub.join(new FakeMember("max"), "max", { from: REFUSE }), "ok");
  });

  it("counts a pending join's refusal when it is decided", async () => {
    const { hub, gate } = gatedHub({ loginAttempts: new LoginAttempts(1, 60_000) });
    const holder = hub.join(new FakeMember("judy"), "judy");
    gate.open();
    await holder;
    const rival = hub.join(new FakeMember("judy"), "judy", { from: REFUSE });
    gate.open();
    assert.equal(await rival, "name_taken");
    assert.equal(hub.join(new FakeMember("kim"), "kim", { from: REFUSE }), "login_limited", "the refused name kept its try");
  });
});

describe("hub direct messages through ports that answer later", () => {
  it("answers ok once the router has handed the message over, not before", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const router = new GatedRouter(new LocalRouter(registry), gate);
    const hub = new Hub({ registry, router });
    const a = new FakeMember("a");
    const b = new FakeMember("b");
    hub.join(a, "a");
    hub.join(b, "b");
    const sent = hub.direct(a, "B", "psst");
    assert.equal(await settled(sent), PENDING);
    assert.deepEqual(b.events, []);
    gate.open();
    assert.equal(await sent, "ok");
    assert.deepEqual(b.events, [{ kind: "direct", from: "a", text: "psst" }]);
    assert.equal(hub.stats.dialect("fake").directIn, 1);
  });

  it("rejects a direct message the router could not hand over", async () => {
    const registry = new LocalNameRegistry();
    const local = new LocalRouter(registry);
    const router: Router = {
      broadcast: (event, except, audience) => local.broadcast(event, except, audience),
      unicast: () => Promise.reject(new Error("node gone")),
    };
    const hub = new Hub({ registry, router });
    const a = new FakeMember("a");
    hub.join(a, "a");
    hub.join(new FakeMember("b"), "b");
    await assert.rejects(Promise.resolve(hub.direct(a, "b", "hi")), /node gone/);
  });

  it("queues for an offline account once the mailbox has answered", async () => {
    const store = new MemoryStore();
    await store.createAccount("carol", undefined);
    const gate = new Gate();
    const hub = new Hub({ accounts: new StoreAccounts(store), mailbox: new GatedMailbox(new StoreMailbox(store, 1), gate) });
    const a = new FakeMember("a");
    hub.join(a, "a");
    const first = hub.direct(a, "carol", "one");
    const second = hub.direct(a, "carol", "two");
    const nobody = hub.direct(a, "nobody", "three");
    gate.open();
    assert.deepEqual(await Promise.all([first, second, nobody]), ["queued", "mailbox_full", "user_unknown"]);
  });
});

describe("hub accounts through ports that answer later", () => {
  async function accountsHub(options: { loginAttempts?: LoginAttempts } = {}) {
    const store = new MemoryStore();
    const gate = new Gate();
    const accounts = new GatedAccounts(new StoreAccounts(store), gate);
    const mailbox = new GatedMailbox(new StoreMailbox(store), gate);
    const hub = new Hub({ accounts, mailbox, ...options });
    return { hub, gate, store };
  }
  /** Open the gate until `answer` settles (each step of a login waits there in turn). */
  async function through<T>(gate: Gate, answer: T | Promise<T>): Promise<T> {
    let result: T | typeof PENDING = PENDING;
    void Promise.resolve(answer).then((r) => (result = r));
    const deadline = Date.now() + 5000; // a password is hashed meanwhile
    while (result === PENDING && Date.now() < deadline) {
      gate.open();
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.notEqual(result, PENDING, "answered");
    return result as T;
  }

  it("holds the name online while an account is being made, then logs its creator in", async () => {
    const { hub, gate } = await accountsHub();
    const maker = new FakeMember("Lee");
    const making = hub.accounts.create(maker, "Lee", "pw");
    assert.equal(hub.isMember(maker), true, "joined first");
    assert.equal(hub.join(new FakeMember("lee"), "lee"), "name_taken");
    assert.equal(hub.accounts.create(new FakeMember("LEE"), "LEE", undefined), "name_taken", "a rival creation is kept out");
    assert.equal(await through(gate, making), "ok");
    assert.equal(hub.accounts.create(new FakeMember("lEE"), "lEE", undefined), "account_exists");
  });

  it("signs the maker off when the account turned out to exist, and answers so", async () => {
    const { hub, gate, store } = await accountsHub();
    const maker = new FakeMember("mo");
    const making = hub.accounts.create(maker, "mo", undefined);
    await store.createAccount("mo", undefined); // made meanwhile elsewhere
    assert.equal(await through(gate, making), "account_exists");
    assert.equal(hub.isOnline("mo"), false);
  });

  it("logs in once the password is checked, under the account's display name", async () => {
    const { hub, gate, store } = await accountsHub();
    await store.createAccount("Nina", undefined);
    const member = new FakeMember("");
    const named: string[] = [];
    const answer = hub.accounts.logIn(member, "nina", "any", { named: (n) => named.push((member.name = n)) });
    assert.equal(hub.isOnline("nina"), false);
    assert.equal(await through(gate, answer), "ok");
    assert.deepEqual(named, ["Nina"]);
    assert.equal(hub.isMember(member), true);
    const elsewhere = hub.accounts.logIn(new FakeMember(""), "NINA", "wrong", { named: () => undefined });
    assert.equal(elsewhere, "logged_in_elsewhere", "an account in use says so before any password check");
  });

  it("abandons a login whose member left while the password was checked, and gives its try back", async () => {
    const { hub, gate, store } = await accountsHub({ loginAttempts: new LoginAttempts(1, 60_000) });
    await store.createAccount("oscar", undefined);
    const from = { address: "192.0.2.9", overAllowance: "refuse" } as const;
    const member = new FakeMember("");
    const answer = hub.accounts.logIn(member, "oscar", undefined, { from, named: (n) => (member.name = n) });
    hub.leave(member);
    gate.open();
    await turn();
    assert.equal(await settled(answer), PENDING);
    assert.equal(hub.isOnline("oscar"), false);
    const next = new FakeMember("");
    const retry = hub.accounts.logIn(next, "oscar", undefined, { from, named: (n) => (next.name = n) });
    assert.equal(await through(gate, retry), "ok", "the abandoned login's try was given back");
  });

  it("hands out the mail kept for a member's account a page at a time, removing what was handed out", async () => {
    const { hub, gate, store } = await accountsHub();
    await store.createAccount("pat", undefined);
    for (const t of ["1", "2", "3"]) await store.enqueue("pat", "x", t);
    const pat = new FakeMember("pat");
    hub.join(pat, "pat", { ownsReservedName: true });
    const page = await through(gate, hub.accounts.mail(pat, 0, 2));
    assert.deepEqual(page.map((m) => m.text), ["1", "2"]);
    await through(gate, hub.accounts.handedOut(pat, page[1]!.id));
    assert.deepEqual((await through(gate, hub.accounts.mail(pat, 0, 10))).map((m) => m.text), ["3"]);
    assert.deepEqual(hub.accounts.mail(new FakeMember("pat"), 0, 10), [], "only for the account's member online");
  });
});
