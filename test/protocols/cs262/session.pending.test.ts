/**
 * Cs262Session over accounts, mail and routing that answer when the test says
 * (gated-ports.ts), as a cluster's will: every request still gets its one answer, in
 * request order, and nothing more is read while one waits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hub } from "../../../src/core/hub.js";
import { DEFAULT_LIMITS } from "../../../src/app/limits.js";
import { LocalNameRegistry } from "../../../src/core/local-registry.js";
import { LocalRouter } from "../../../src/core/local-router.js";
import { LoginAttempts } from "../../../src/core/login-attempts.js";
import { silentLog } from "../../../src/log/ops-log.js";
import { Cs262Codec, encodeFrame } from "../../../src/protocols/cs262/codec.js";
import { Command, type Cs262Frame } from "../../../src/protocols/cs262/frames.js";
import { Cs262Session } from "../../../src/protocols/cs262/session.js";
import { StoreAccounts } from "../../../src/store/accounts.js";
import { StoreMailbox } from "../../../src/store/mailbox.js";
import { MemoryStore } from "../../../src/store/memory-store.js";
import { RecordingConn } from "../../helpers/fake-conn.js";
import { Gate, GatedAccounts, GatedMailbox, GatedRegistry, GatedRouter } from "../../helpers/gated-ports.js";

const MAX_FRAME = DEFAULT_LIMITS.maxFrameBytes;

class FakeConn extends RecordingConn<Cs262Frame> {
  /** What the server sent, one line per frame: `ok`, an error, `list: a,b` or `send: from>to: text`. */
  readonly said: string[] = [];
  override readonly session: Cs262Session;
  constructor(hub: Hub) {
    super(new Cs262Codec(MAX_FRAME), MAX_FRAME, { rethrows: true, settleTimeoutMs: 5000 });
    this.session = new Cs262Session(this, { hub, log: silentLog, limits: DEFAULT_LIMITS });
  }
  protected override record(b: Buffer): void {
    const r = new Cs262Codec(1 << 20).decode(b, 0);
    assert.ok(r.kind === "frame");
    const f = r.frame;
    if (f.command === Command.Response) this.said.push(f.error === "" ? "ok" : f.error);
    else if (f.command === Command.ListResponse) this.said.push(`list: ${f.names.join(",")}`);
    else if (f.command === Command.Send) this.said.push(`send: ${f.sender}>${f.recipient}: ${f.message}`);
    else this.said.push(`command ${f.command}`);
  }
  request(...frames: Cs262Frame[]): void {
    this.push(Buffer.concat(frames.map(encodeFrame)));
  }
}

const login = (name: string, password?: string): Cs262Frame => ({ command: Command.Login, name, password });
const create = (name: string, password?: string): Cs262Frame => ({ command: Command.Create, name, password });
const send = (sender: string, recipient: string, message: string): Cs262Frame => ({ command: Command.Send, sender, recipient, message });
const LIST: Cs262Frame = { command: Command.List, pattern: undefined };
const DELIVER: Cs262Frame = { command: Command.Deliver };

/** Open `gate` until `c` has answered everything it read. */
async function drain(gate: Gate, c: FakeConn): Promise<void> {
  const deadline = Date.now() + 5000; // a password may be hashed meanwhile
  while ((c.inputPaused || gate.waiting > 0) && Date.now() < deadline) {
    gate.open();
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(c.inputPaused, false, "everything read was answered");
}

async function world() {
  const store = new MemoryStore();
  const gate = new Gate();
  const accounts = new GatedAccounts(new StoreAccounts(store), gate);
  const mailbox = new GatedMailbox(new StoreMailbox(store), gate);
  const hub = new Hub({ accounts, mailbox });
  return { store, gate, hub };
}

describe("cs262 session with pending hub answers", () => {
  it("answers CREATE, LIST and LOGIN in request order, reading nothing more while one waits", async () => {
    const { gate, hub, store } = await world();
    await store.createAccount("bob", undefined);
    const c = new FakeConn(hub);
    c.request(create("alice", "pw"), LIST, { command: Command.Delete }, login("bob"));
    assert.deepEqual(c.said, []);
    assert.equal(c.framesRead, 1, "the rest wait unread");
    await drain(gate, c);
    // DELETE logs alice out, so the LOGIN after it is to an account like any other.
    assert.deepEqual(c.said, ["ok", "list: alice,bob", "ok", "ok"]);
    assert.equal(hub.isOnline("bob"), true);
    assert.equal(store.isAccount("alice"), false);
  });

  it("answers a refused LOGIN once the password is checked, and the connection goes on", async () => {
    const { gate, hub, store } = await world();
    await store.createAccount("carol", undefined);
    const c = new FakeConn(hub);
    c.request(login("nobody"), login("CAROL"), send("carol", "carol", "note to self"));
    await drain(gate, c);
    assert.deepEqual(c.said, ["no such account", "ok", "send: carol>carol: note to self", "ok"]);
  });

  it("confirms a SEND to an offline account only once the mailbox took it and it is durable", async () => {
    const { gate, hub, store } = await world();
    await store.createAccount("dave", undefined);
    await store.createAccount("erin", undefined);
    const c = new FakeConn(hub);
    c.request(login("erin"));
    await drain(gate, c);
    c.request(send("erin", "dave", "later"), LIST);
    assert.deepEqual(c.said, ["ok"], "the SEND waits for the mailbox, the LIST behind it");
    await drain(gate, c);
    assert.deepEqual(c.said, ["ok", "ok", "list: dave,erin"]);
    assert.deepEqual((await store.peekQueued("dave", 0, 10)).map((m) => m.text), ["later"]);
  });

  it("hands out queued mail through a mailbox that answers later, then answers the DELIVER", async () => {
    const { gate, hub, store } = await world();
    await store.createAccount("frank", undefined);
    for (const t of ["one", "two"]) await store.enqueue("frank", "x", t);
    const c = new FakeConn(hub);
    c.request(login("frank"), DELIVER, LIST);
    await drain(gate, c);
    assert.deepEqual(c.said, ["ok", "send: x>frank: one", "send: x>frank: two", "ok", "list: frank"]);
    assert.deepEqual(await store.peekQueued("frank", 0, 10), [], "handed out once, then removed");
  });

  it("answers a SEND to an online user once the router handed it over", async () => {
    const gate = new Gate();
    const registry = new LocalNameRegistry();
    const store = new MemoryStore();
    for (const n of ["gina", "hank"]) await store.createAccount(n, undefined);
    const hub = new Hub({ registry, router: new GatedRouter(new LocalRouter(registry), gate), accounts: new StoreAccounts(store) });
    const g = new FakeConn(hub);
    const h = new FakeConn(hub);
    g.request(login("gina"));
    h.request(login("hank"));
    await drain(gate, g);
    await drain(gate, h);
    g.request(send("gina", "hank", "psst"), LIST);
    assert.deepEqual(g.said, ["ok"]);
    assert.deepEqual(h.said, ["ok"]);
    await drain(gate, g);
    assert.deepEqual(g.said, ["ok", "ok", "list: gina,hank"]);
    assert.deepEqual(h.said, ["ok", "send: gina>hank: psst"]);
  });

  it("answers a LOGIN while its name's claim is pending, and a rival's as logged in elsewhere", async () => {
    const gate = new Gate();
    const store = new MemoryStore();
    await store.createAccount("ivy", undefined);
    const hub = new Hub({ registry: new GatedRegistry(new LocalNameRegistry(), gate), accounts: new StoreAccounts(store) });
    const a = new FakeConn(hub);
    const b = new FakeConn(hub);
    a.request(login("ivy"));
    b.request(login("IVY"));
    await drain(gate, a);
    await drain(gate, b);
    assert.deepEqual([a.said, b.said].sort(), [["account is logged in elsewhere"], ["ok"]]);
  });

  it("refuses a CREATE or LOGIN over its address's refused logins at once, before asking the accounts", async () => {
    const store = new MemoryStore();
    const gate = new Gate();
    const hub = new Hub({ accounts: new GatedAccounts(new StoreAccounts(store), gate), loginAttempts: new LoginAttempts(1, 60_000) });
    const c = new FakeConn(hub);
    c.request(login("nobody"));
    await drain(gate, c);
    c.request(login("nobody"), create("new"));
    assert.equal(gate.waiting, 0, "nothing asked of the accounts");
    await c.settle();
    const limited = "too many refused logins from your address; try again later";
    assert.deepEqual(c.said, ["no such account", limited, limited]);
  });

  it("abandons a LOGIN whose connection closes while the password is checked", async () => {
    const { gate, hub, store } = await world();
    await store.createAccount("jo", undefined);
    const c = new FakeConn(hub);
    c.request(login("jo"));
    await c.end();
    gate.open();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(hub.isOnline("jo"), false);
    assert.deepEqual(c.said, []);
  });
});
