import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import { LocalNameRegistry } from "../../src/core/local-registry.js";
import { LocalRouter } from "../../src/core/local-router.js";
import { foldName } from "../../src/core/names.js";
import type { Accounts, Mailbox, MailboxResult, Member, QueuedMail, Router } from "../../src/core/ports.js";

/** A member that records what the hub gives it; `capacity` events before it overflows. */
class FakeMember implements Member {
  readonly dialect = "fake";
  name = "";
  readonly events: HubEvent[] = [];
  disconnected: DisconnectReason | undefined;
  constructor(private capacity = Infinity) {}
  deliver(event: HubEvent): boolean {
    if (this.events.length >= this.capacity) return false;
    this.events.push(event);
    return true;
  }
  disconnect(reason: DisconnectReason): void {
    this.disconnected = reason;
  }
}

/** Accounts that own `names` and do nothing else: a join asks only isAccount. */
function owning(...names: string[]): Accounts {
  const unused = (): never => {
    throw new Error("not used by a join");
  };
  return { isAccount: (n) => names.includes(foldName(n)), create: unused, authenticate: unused, delete: unused, list: unused };
}

function joined(hub: Hub, name: string, capacity = Infinity): FakeMember {
  const m = new FakeMember(capacity);
  m.name = name;
  assert.equal(hub.join(m, name), "ok");
  return m;
}

describe("hub names (docs/wire.md#names)", () => {
  it("accepts 1-32 characters of A-Z a-z 0-9 _ - . and nothing else", () => {
    const hub = new Hub();
    for (const good of ["a", "Bob", "x_y-z.1", "A".repeat(32)]) assert.equal(hub.join(new FakeMember(), good), "ok", good);
    for (const bad of ["", "A".repeat(33), "with space", "ümlaut", "a/b", "a\u0000", "tab\t"]) {
      assert.equal(hub.join(new FakeMember(), bad), "name_invalid", JSON.stringify(bad));
    }
  });

  it("keeps names unique case-insensitively", () => {
    const hub = new Hub();
    joined(hub, "Bob");
    assert.equal(hub.join(new FakeMember(), "bob"), "name_taken");
    assert.equal(hub.join(new FakeMember(), "BOB"), "name_taken");
  });

  it("reserves server in any case", () => {
    const hub = new Hub();
    assert.equal(hub.join(new FakeMember(), "server"), "name_reserved");
    assert.equal(hub.join(new FakeMember(), "SeRvEr"), "name_reserved");
  });

  it("reserves names owned elsewhere unless the joiner proves ownership: taken, not invalid", () => {
    const hub = new Hub({ accounts: owning("carol") });
    assert.equal(hub.join(new FakeMember(), "Carol"), "name_owned");
    const owner = new FakeMember();
    owner.name = "carol";
    assert.equal(hub.join(owner, "carol", { ownsReservedName: true }), "ok");
  });

  it("frees a name when its holder leaves", () => {
    const hub = new Hub();
    const a = joined(hub, "alice");
    hub.leave(a);
    assert.equal(hub.isOnline("alice"), false);
    joined(hub, "ALICE");
  });

  it("refuses joins beyond maxUsers", () => {
    const hub = new Hub({ limits: { maxUsers: 2 } });
    joined(hub, "a");
    joined(hub, "b");
    assert.equal(hub.join(new FakeMember(), "c"), "server_full");
  });
});

describe("hub presence and routing", () => {
  it("tells the others of a join and a leave, not the member itself", () => {
    const hub = new Hub();
    const a = joined(hub, "alice");
    const b = joined(hub, "bob");
    assert.deepEqual(a.events, [{ kind: "join", name: "bob" }]);
    assert.deepEqual(b.events, []);
    hub.leave(b);
    assert.deepEqual(a.events.at(-1), { kind: "leave", name: "bob" });
    hub.leave(b); // idempotent
    assert.equal(a.events.length, 2);
  });

  it("broadcasts lobby messages to everyone but the sender, one shared event", () => {
    const hub = new Hub();
    const a = joined(hub, "a");
    const b = joined(hub, "b");
    const c = joined(hub, "c");
    a.events.length = b.events.length = c.events.length = 0;
    assert.equal(hub.lobby(a, "hello"), "ok");
    assert.deepEqual(a.events, []);
    assert.deepEqual(b.events, [{ kind: "lobby", from: "a", text: "hello" }]);
    assert.equal(b.events[0], c.events[0]);
  });

  it("routes a direct message to one member by any case of its name", () => {
    const hub = new Hub();
    const a = joined(hub, "a");
    const b = joined(hub, "Bob");
    const c = joined(hub, "c");
    c.events.length = 0;
    assert.equal(hub.direct(a, "BOB", "psst"), "ok");
    assert.deepEqual(b.events.at(-1), { kind: "direct", from: "a", text: "psst" });
    assert.deepEqual(c.events, []);
    assert.equal(hub.direct(a, "nobody", "psst"), "user_unknown");
  });

  it("checks message text: empty, too long in UTF-8 bytes, sender not joined", () => {
    const hub = new Hub({ limits: { maxMessageBytes: 10 } });
    const a = joined(hub, "a");
    joined(hub, "b");
    assert.equal(hub.lobby(a, ""), "message_empty");
    assert.equal(hub.lobby(a, "x".repeat(10)), "ok");
    assert.equal(hub.lobby(a, "x".repeat(11)), "message_too_long");
    assert.equal(hub.lobby(a, "ééééé€"), "message_too_long"); // 6 characters, 13 bytes
    assert.equal(hub.lobby(new FakeMember(), "hi"), "not_joined");
  });

  it("disconnects a slow consumer instead of buffering, and the others go on", () => {
    const hub = new Hub();
    const fast = joined(hub, "fast");
    const slow = joined(hub, "slow", 1); // room for the sender's join notice only
    const sender = joined(hub, "sender");
    fast.events.length = 0;
    assert.equal(hub.lobby(sender, "one"), "ok");
    assert.equal(slow.disconnected, "slow_consumer");
    assert.equal(hub.isOnline("slow"), false);
    assert.deepEqual(fast.events, [
      { kind: "lobby", from: "sender", text: "one" },
      { kind: "leave", name: "slow" },
    ]);
    assert.equal(hub.lobby(sender, "two"), "ok");
    assert.equal(fast.events.length, 3);
  });

  it("reports a direct message to a full queue and drops that recipient", () => {
    const hub = new Hub();
    const a = joined(hub, "a");
    const slow = joined(hub, "slow", 0);
    assert.equal(hub.direct(a, "slow", "hi"), "recipient_overflow");
    assert.equal(slow.disconnected, "slow_consumer");
    assert.equal(hub.isOnline("slow"), false);
  });

  it("announces a stored file to the others", () => {
    const hub = new Hub();
    const a = joined(hub, "a");
    const b = joined(hub, "b");
    hub.fileStored(a, "notes.txt");
    assert.deepEqual(b.events.at(-1), { kind: "file", from: "a", file: "notes.txt" });
    assert.equal(a.events.some((e) => e.kind === "file"), false);
  });

  it("lists display names in join order", () => {
    const hub = new Hub();
    joined(hub, "Zed");
    joined(hub, "amy");
    assert.deepEqual(hub.names(), ["Zed", "amy"]);
  });
});

/** A Mailbox that records what it takes; `accounts` are the names that may receive offline. */
class FakeMailbox implements Mailbox {
  readonly taken: [string, string, string][] = [];
  durable: Error | undefined | "pending" = undefined;
  private waiting: ((err?: Error) => void)[] = [];
  constructor(private readonly accounts: string[]) {}
  /** Most messages kept per account, as --mailbox-limit. */
  limit = Infinity;
  accept(from: string, to: string, text: string): MailboxResult {
    if (!this.accounts.includes(to.toLowerCase())) return "not_an_account";
    if (this.taken.filter((t) => t[1].toLowerCase() === to.toLowerCase()).length >= this.limit) return "full";
    this.taken.push([from, to, text]);
    return "queued";
  }
  whenDurable(done: (err?: Error) => void): void {
    if (this.durable === "pending") this.waiting.push(done);
    else done(this.durable);
  }
  settle(err?: Error): void {
    for (const w of this.waiting.splice(0)) w(err);
  }
  page(): QueuedMail[] {
    return [];
  }
  remove(): void {}
}

describe("hub offline delivery (docs/wire.md#offline-mail: cs262 accounts get it queued)", () => {
  it("queues a direct message to an offline name the mailbox takes, and refuses others", () => {
    const mailbox = new FakeMailbox(["carol"]);
    const hub = new Hub({ mailbox });
    const a = joined(hub, "a");
    assert.equal(hub.direct(a, "Carol", "later"), "queued");
    assert.deepEqual(mailbox.taken, [["a", "Carol", "later"]]);
    assert.equal(hub.direct(a, "dave", "later"), "user_unknown");
    assert.equal(mailbox.taken.length, 1);
  });

  it("never consults the mailbox for an online target", () => {
    const mailbox = new FakeMailbox(["carol"]);
    const hub = new Hub({ mailbox });
    const a = joined(hub, "a");
    const carol = joined(hub, "carol");
    assert.equal(hub.direct(a, "carol", "now"), "ok");
    assert.deepEqual(carol.events.at(-1), { kind: "direct", from: "a", text: "now" });
    assert.deepEqual(mailbox.taken, []);
  });

  it("checks the text before queuing: empty, too long, sender not joined", () => {
    const mailbox = new FakeMailbox(["carol"]);
    const hub = new Hub({ mailbox, limits: { maxMessageBytes: 5 } });
    const a = joined(hub, "a");
    assert.equal(hub.direct(a, "carol", ""), "message_empty");
    assert.equal(hub.direct(a, "carol", "toolong"), "message_too_long");
    assert.equal(hub.direct(new FakeMember(), "carol", "hi"), "not_joined");
    assert.deepEqual(mailbox.taken, []);
  });

  it("reports durability through whenQueuedDurable, and at once without a mailbox", () => {
    const mailbox = new FakeMailbox(["carol"]);
    mailbox.durable = "pending";
    const hub = new Hub({ mailbox });
    const a = joined(hub, "a");
    assert.equal(hub.direct(a, "carol", "x"), "queued");
    const outcomes: (Error | undefined)[] = [];
    hub.whenQueuedDurable((err) => outcomes.push(err));
    assert.deepEqual(outcomes, []);
    const failure = new Error("disk full");
    mailbox.settle(failure);
    assert.deepEqual(outcomes, [failure]);

    let called = false;
    new Hub().whenQueuedDurable((err) => (called = err === undefined));
    assert.equal(called, true);
  });

  it("answers mailbox_full when the offline account's mailbox is at its limit, and keeps nothing", () => {
    const mailbox = new FakeMailbox(["carol", "dave"]);
    mailbox.limit = 2;
    const hub = new Hub({ mailbox });
    const a = joined(hub, "a");
    assert.equal(hub.direct(a, "carol", "1"), "queued");
    assert.equal(hub.direct(a, "carol", "2"), "queued");
    assert.equal(hub.direct(a, "carol", "3"), "mailbox_full");
    assert.equal(hub.direct(a, "dave", "1"), "queued");
    assert.deepEqual(mailbox.taken.map((t) => t[2]), ["1", "2", "1"]);
  });

  it("without a mailbox, a direct message to an offline name is user_unknown", () => {
    const hub = new Hub();
    const a = joined(hub, "a");
    assert.equal(hub.direct(a, "carol", "x"), "user_unknown");
  });
});

/** A member whose deliver throws: a broken session, as the hub must survive it. */
class ThrowingMember extends FakeMember {
  armed = false;
  override deliver(event: HubEvent): boolean {
    if (this.armed) throw new Error("deliver bug");
    return super.deliver(event);
  }
}

describe("hub isolation: a member that throws is the only one that pays", () => {
  function setUp() {
    const errors: [unknown, string | undefined][] = [];
    const hub = new Hub({ onError: (err, m) => errors.push([err, m?.name]) });
    const a = joined(hub, "a");
    const broken = new ThrowingMember();
    broken.name = "broken";
    assert.equal(hub.join(broken, "broken"), "ok");
    const c = joined(hub, "c");
    broken.armed = true;
    return { hub, a, broken, c, errors };
  }

  it("goes on with a broadcast past a member whose deliver throws, and drops that member as session_error", () => {
    const { hub, a, broken, c, errors } = setUp();
    assert.equal(hub.lobby(a, "hello"), "ok", "the sender is not blamed");
    assert.deepEqual(c.events, [
      { kind: "lobby", from: "a", text: "hello" },
      { kind: "leave", name: "broken" },
    ]);
    assert.equal(broken.disconnected, "session_error");
    assert.equal(hub.isOnline("broken"), false);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]![1], "broken");
    assert.match(String(errors[0]![0]), /deliver bug/);
    assert.equal(hub.lobby(a, "still here"), "ok");
    assert.equal(c.events.at(-1)?.kind, "lobby");
  });

  it("answers a direct message to a member whose deliver throws as not delivered", () => {
    const { hub, a, broken, errors } = setUp();
    assert.equal(hub.direct(a, "broken", "hi"), "recipient_overflow");
    assert.equal(broken.disconnected, "session_error");
    assert.equal(errors.length, 1);
  });

  it("survives an observer and a durability callback that throw", () => {
    const errors: unknown[] = [];
    const mailbox = new FakeMailbox(["carol"]);
    const hub = new Hub({ mailbox, onError: (err) => errors.push(err) });
    hub.observe(() => {
      throw new Error("log bug");
    });
    const a = joined(hub, "a");
    const b = joined(hub, "b");
    assert.equal(hub.lobby(a, "x"), "ok");
    assert.deepEqual(b.events.at(-1), { kind: "lobby", from: "a", text: "x" });
    hub.whenQueuedDurable(() => {
      throw new Error("callback bug");
    });
    // Two joins and a lobby message reached the observer; each throw was reported.
    assert.deepEqual(errors.map(String), ["Error: log bug", "Error: log bug", "Error: log bug", "Error: callback bug"]);
  });
});

describe("hub presence audience", () => {
  it("offers joins and leaves only to members that show them, lobby messages to everyone", () => {
    const hub = new Hub();
    const shows = joined(hub, "shows");
    const quiet = new FakeMember();
    Object.assign(quiet, { wantsPresence: false, name: "quiet" });
    assert.equal(hub.join(quiet, "quiet"), "ok");
    const later = joined(hub, "later");
    hub.leave(later);
    assert.deepEqual(shows.events, [
      { kind: "join", name: "quiet" },
      { kind: "join", name: "later" },
      { kind: "leave", name: "later" },
    ]);
    assert.deepEqual(quiet.events, []);
    assert.equal(hub.lobby(shows, "hello"), "ok");
    assert.deepEqual(quiet.events, [{ kind: "lobby", from: "shows", text: "hello" }]);
  });
});

describe("hub with a router that cannot reach everyone (a cluster node cut off: docs/cluster.md#failures)", () => {
  it("refuses lobby messages while the router is unreachable, and delivers them again once it is back", () => {
    let reachable = true;
    const registry = new LocalNameRegistry();
    const local = new LocalRouter(registry);
    const router: Router = {
      broadcast: (event, except, audience) => local.broadcast(event, except, audience),
      unicast: (member, event) => local.unicast(member, event),
      reachable: () => reachable,
    };
    const hub = new Hub({ registry, router });
    const a = joined(hub, "a");
    const b = joined(hub, "b");
    reachable = false;
    assert.equal(hub.lobby(a, "anyone?"), "unreachable");
    assert.deepEqual(b.events, [], "nobody gets a lobby message the others would miss");
    assert.equal(hub.direct(a, "b", "still here"), "ok", "a direct message to a member here needs no one else");
    reachable = true;
    assert.equal(hub.lobby(a, "back"), "ok");
    assert.deepEqual(b.events, [
      { kind: "direct", from: "a", text: "still here" },
      { kind: "lobby", from: "a", text: "back" },
    ]);
  });
});
