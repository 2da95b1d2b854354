/**
 * udp over real UDP sockets on loopback against an in-process server (docs/udp.md,
 * issue 6 acceptance): every opcode's success and error path, lists, liveness,
 * anti-abuse, malformed datagrams, and interop with bcs and with other dialects' members.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { decodeDatagram, encodeFrame, encodeText } from "../../src/protocols/udp/codec.js";
import { MAX_SERVER_DATAGRAM, Op, type UdpFrame } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { FakeMember, joinFake, startUdpServer, type UdpTestServer } from "../helpers/udp-server.js";
import { RawUdp } from "../helpers/udp-wire.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function decode(raw: Buffer): UdpFrame {
  const d = decodeDatagram(raw);
  if (!d.ok) throw new Error(`undecodable datagram: ${d.error.message}`);
  return d.frame;
}

function expectError(f: UdpFrame, message: string | RegExp): void {
  assert.equal(f.op, Op.Error, `expected an Error, got ${JSON.stringify(f)}`);
  if (f.op !== Op.Error) return;
  if (typeof message === "string") assert.equal(f.message, message);
  else assert.match(f.message, message);
}

/** A test with a server of its own (presence and lists must not see other tests' users). */
function isolated(
  udp: Parameters<typeof startUdpServer>[0],
  options: Parameters<typeof startUdpServer>[1],
  test: (server: UdpTestServer, peers: RawUdp[]) => Promise<void>,
): () => Promise<void> {
  return async () => {
    const server = await startUdpServer(udp, options);
    const peers: RawUdp[] = [];
    try {
      await test(server, peers);
    } finally {
      for (const p of peers) p.close();
      await server.close();
    }
  };
}

describe("udp REGISTER and LOGOUT", () => {
  let server: UdpTestServer;
  const peers: RawUdp[] = [];
  const open = async () => {
    const p = await RawUdp.open(server.udpPort);
    peers.push(p);
    return p;
  };
  before(async () => (server = await startUdpServer({}, { limits: { maxUsers: 50 } })));
  after(async () => {
    for (const p of peers) p.close();
    await server.close();
  });

  it("answers REGISTER with the three bytes of OK and binds the name to the address", async () => {
    const p = await open();
    p.send({ op: Op.Register, name: "reg_alice" });
    assert.deepEqual([...(await p.nextRaw())], [0, 0, 0]);
    assert.equal(server.running.hub.isOnline("reg_alice"), true);
  });

  it("refuses a name in use, in any case and from any dialect, with Error", async () => {
    const holder = await open();
    holder.send({ op: Op.Register, name: "Dup" });
    assert.equal((await holder.next()).op, Op.Ok);
    joinFake(server, "fake_dup", "gowing");
    for (const name of ["Dup", "dup", "DUP", "FAKE_dup"]) {
      const p = await open();
      p.send({ op: Op.Register, name });
      expectError(await p.next(), "name in use");
    }
  });

  it("refuses invalid and reserved names with Error", async () => {
    for (const name of ["", "has space", "x".repeat(33), "sl/ash", "naïve", "nul\0byte"]) {
      const p = await open();
      p.send({ op: Op.Register, name });
      expectError(await p.next(), /^invalid name/);
    }
    for (const name of ["server", "SERVER"]) {
      const p = await open();
      p.send({ op: Op.Register, name });
      expectError(await p.next(), "invalid name: reserved");
    }
  });

  it("answers a repeated REGISTER of the same name with OK (its first OK may have been lost) and another name with Error", async () => {
    const p = await open();
    p.send({ op: Op.Register, name: "again" });
    assert.equal((await p.next()).op, Op.Ok);
    p.send({ op: Op.Register, name: "AGAIN" });
    assert.equal((await p.next()).op, Op.Ok);
    p.send({ op: Op.Register, name: "other_name" });
    expectError(await p.next(), /already registered/);
    assert.equal(server.running.hub.isOnline("other_name"), false);
  });

  it("answers LOGOUT with OK, frees the name, and stops serving the address", async () => {
    const p = await open();
    p.send({ op: Op.Register, name: "leaver" });
    assert.equal((await p.next()).op, Op.Ok);
    p.send({ op: Op.Logout });
    assert.deepEqual([...(await p.nextRaw())], [0, 0, 0]);
    assert.equal(server.running.hub.isOnline("leaver"), false);
    p.send({ op: Op.List });
    assert.equal(await p.quiet(300), true, "an address that logged out was answered LIST");
    const q = await open();
    q.send({ op: Op.Register, name: "leaver" });
    assert.equal((await q.next()).op, Op.Ok, "the name was not freed");
  });

  it("refuses REGISTER beyond --max-users with Error server full", isolated({}, { limits: { maxUsers: 1 } }, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "full_a");
    peers.push(a);
    const b = await RawUdp.open(s.udpPort);
    peers.push(b);
    b.send({ op: Op.Register, name: "full_b" });
    expectError(await b.next(), "server full");
  }));
});

describe("udp INFO and LIST", () => {
  it("answers INFO with the ISO-8601 UTC date and switchboard/<version>, registered or not", isolated({}, {}, async (s, peers) => {
    const registered = await RawUdp.registered(s.udpPort, "info_user");
    const stranger = await RawUdp.open(s.udpPort);
    peers.push(registered, stranger);
    for (const p of [registered, stranger]) {
      p.send({ op: Op.Info });
      const f = await p.next();
      assert.equal(f.op, Op.InfoReply);
      if (f.op !== Op.InfoReply) return;
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) switchboard\/(\d+\.\d+\.\d+\S*)$/.exec(f.info);
      assert.ok(m, f.info);
      assert.ok(Math.abs(Date.parse(m[1]!) - Date.now()) < 5000, "the date is not now");
    }
  }));

  it("answers LIST with everyone online in every dialect, in join order", isolated({}, {}, async (s, peers) => {
    joinFake(s, "lab_first", "lab");
    const a = await RawUdp.registered(s.udpPort, "list_a");
    joinFake(s, "cs_third", "cs262");
    peers.push(a);
    a.send({ op: Op.List });
    const raw = await a.nextRaw();
    assert.deepEqual([...raw.subarray(0, 3)], [43, 0, "lab_first\0list_a\0cs_third".length]);
    assert.deepEqual(encodeFrame({ op: Op.UserList, names: ["lab_first", "list_a", "cs_third"], more: false }), raw);
  }));

  it("sends the list to every registered address every period, and not to others", isolated({ listIntervalMs: 200 }, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "period_a");
    const b = await RawUdp.registered(s.udpPort, "period_b");
    const stranger = await RawUdp.open(s.udpPort);
    peers.push(a, b, stranger);
    for (let round = 0; round < 2; round++) {
      for (const p of [a, b]) assert.deepEqual((await p.list(2000)).names, ["period_a", "period_b"]);
    }
    assert.equal(await stranger.quiet(500), true, "an unregistered address got the periodic list");
  }));

  it("splits a list of 300 names into datagrams of at most 1200 bytes that hold every name, on LIST and every period", isolated({ listIntervalMs: 300 }, {}, async (s, peers) => {
    const expected: string[] = [];
    for (let i = 0; i < 299; i++) {
      const name = `n${String(i).padStart(3, "0")}_abcdefghijklmnopqrstuvwxyz0`; // 32 characters
      joinFake(s, name);
      expected.push(name);
    }
    const a = await RawUdp.registered(s.udpPort, "list_reader");
    peers.push(a);
    expected.push("list_reader");
    await a.drain(0);
    a.send({ op: Op.List });
    // A periodic list may come first: either way it is the same list.
    for (const source of ["first", "second"]) {
      const { names, sizes } = await a.list(3000);
      assert.equal(names.length, 300, source);
      assert.deepEqual(names, expected, source);
      assert.ok(sizes.length >= 9, `${sizes.length} datagrams`);
      for (const size of sizes) assert.ok(size <= MAX_SERVER_DATAGRAM, `a list datagram of ${size} bytes`);
    }
  }));
});

describe("udp PUBLIC and PRIVATE", () => {
  it("sends PUBLIC to everyone, the sender included, and answers nothing else", isolated({}, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "pub_a");
    const b = await RawUdp.registered(s.udpPort, "pub_b");
    const c = await RawUdp.registered(s.udpPort, "pub_c");
    peers.push(a, b, c);
    a.send({ op: Op.Public, text: "hello, world ✓" });
    for (const p of [a, b, c]) assert.deepEqual(await p.next(), { op: Op.PublicMessage, from: "pub_a", text: "hello, world ✓" });
    assert.equal(await a.quiet(200), true, "the sender got more than its own message");
  }));

  it("answers an empty or too long PUBLIC with Error and sends nothing", isolated({}, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "long_a");
    const b = await RawUdp.registered(s.udpPort, "long_b");
    peers.push(a, b);
    a.send({ op: Op.Public, text: "" });
    expectError(await a.next(), "empty message");
    a.send({ op: Op.Public, text: "x".repeat(4097) });
    expectError(await a.next(), "message too long");
    assert.equal(await b.quiet(200), true);
  }));

  it("delivers PRIVATE as 23 to the receiver (any case) and answers the sender OK", isolated({}, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "priv_a");
    const b = await RawUdp.registered(s.udpPort, "Priv_B");
    const c = await RawUdp.registered(s.udpPort, "priv_c");
    peers.push(a, b, c);
    a.send({ op: Op.Private, to: "priv_b", text: "psst" });
    assert.deepEqual(await b.next(), { op: Op.PrivateMessage, from: "priv_a", text: "psst" });
    assert.deepEqual(await a.next(), { op: Op.Ok });
    assert.equal(await c.quiet(200), true, "a third user saw the private message");
  }));

  it("answers PRIVATE to an unknown name, or with an empty text, with Error", isolated({}, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "priv_lonely");
    peers.push(a);
    a.send({ op: Op.Private, to: "nobody", text: "hello?" });
    expectError(await a.next(), "no such user");
    a.send({ op: Op.Private, to: "priv_lonely", text: "" });
    expectError(await a.next(), "empty message");
  }));

  it("answers a server-only opcode from a client with Error", isolated({}, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "srvop");
    peers.push(a);
    for (const f of [
      { op: Op.Ok },
      { op: Op.Error, message: "x" },
      { op: Op.PublicMessage, from: "srvop", text: "forged" },
      { op: Op.PrivateMessage, from: "x", text: "y" },
      { op: Op.InfoReply, info: "x" },
      { op: Op.UserList, names: ["x"], more: false },
    ] as const) {
      a.send(f);
      expectError(await a.next(), "unexpected opcode from a client");
    }
  }));
});

describe("udp liveness", () => {
  it("logs out an address silent past the idle limit, a bcs user sees it leave, and any datagram keeps another alive", isolated({ idleTimeoutMs: 500 }, { withBcs: true }, async (s, peers) => {
    const { peer: bcs } = await RawBcs.login(s.bcsPort, "bcs_watch");
    try {
      const idler = await RawUdp.registered(s.udpPort, "idler");
      const chatty = await RawUdp.registered(s.udpPort, "chatty");
      const garbler = await RawUdp.registered(s.udpPort, "garbler");
      peers.push(idler, chatty, garbler);
      const registeredAt = Date.now();
      // Joins that wait behind an unacknowledged notice are folded into one (docs/bcs.md "Presence").
      let told = "";
      while (!["idler", "chatty", "garbler"].every((n) => told.includes(n))) {
        const d = await bcs.deliver();
        assert.equal(d.from, "server");
        told += `${d.message}\n`;
      }
      assert.match(told, /^idler has connected\n(chatty has connected\ngarbler has connected|chatty and garbler have connected)\n$/);
      // chatty asks for INFO, garbler sends undecodable bytes: both are signs of life.
      const keepAlive = setInterval(() => {
        chatty.send({ op: Op.Info });
        garbler.write(Buffer.from([0xff]));
      }, 100);
      try {
        assert.deepEqual(await bcs.deliver(3000), { from: "server", message: "idler has disconnected" });
        assert.ok(Date.now() - registeredAt >= 450, "logged out before the idle limit");
        await sleep(600); // past another idle limit for the two that keep talking
      } finally {
        clearInterval(keepAlive);
      }
      assert.equal(await bcs.quiet(100), true, "a live address was logged out");
      assert.equal(s.running.hub.isOnline("idler"), false);
      assert.equal(s.running.hub.isOnline("chatty"), true);
      assert.equal(s.running.hub.isOnline("garbler"), true);
      idler.send({ op: Op.List });
      assert.equal(await idler.quiet(300), true, "a logged-out address was answered LIST");
      idler.send({ op: Op.Register, name: "idler" });
      assert.equal((await idler.nextNotList()).op, Op.Ok, "the name was not freed");
    } finally {
      bcs.close();
    }
  }));
});

describe("udp anti-abuse (spoof check)", () => {
  it("answers nothing but REGISTER and INFO from an unregistered address, and such datagrams have no effect", isolated({}, {}, async (s, peers) => {
    const member = await RawUdp.registered(s.udpPort, "victim");
    const spoofer = await RawUdp.open(s.udpPort);
    peers.push(member, spoofer);
    const ignored: Buffer[] = [
      encodeFrame({ op: Op.List }),
      encodeFrame({ op: Op.Public, text: "spoofed public" }),
      encodeFrame({ op: Op.Private, to: "victim", text: "spoofed private" }),
      encodeFrame({ op: Op.Private, to: "nobody", text: "unknown target" }),
      encodeFrame({ op: Op.Logout }),
      encodeFrame({ op: Op.PublicMessage, from: "victim", text: "forged" }),
      Buffer.from([99, 0, 0]), // unknown opcode
      Buffer.from([Op.Public, 0, 9, 0x41]), // a malformed PUBLIC
      Buffer.from([Op.List, 0]), // a short LIST
      Buffer.alloc(0),
    ];
    for (const d of ignored) spoofer.write(d);
    assert.equal(await spoofer.quiet(400), true, "an unregistered address was answered");
    assert.equal(await member.quiet(100), true, "a datagram from an unregistered address reached a user");
  }));

  it("stops INFO replies to an unregistered address after 5 in a second, and resumes after it", isolated({}, {}, async (s, peers) => {
    const p = await RawUdp.open(s.udpPort);
    peers.push(p);
    for (let i = 0; i < 20; i++) p.send({ op: Op.Info });
    const replies = await p.drain(500);
    assert.equal(replies.length, 5, `${replies.length} INFO replies in a burst of 20`);
    await sleep(700);
    p.send({ op: Op.Info });
    assert.equal((await p.next()).op, Op.InfoReply);
  }));

  it("counts REGISTER refusals in the same 5 a second, keeps every reply within 64 bytes, and answers a malformed REGISTER or INFO", isolated({}, {}, async (s, peers) => {
    const p = await RawUdp.open(s.udpPort);
    peers.push(p);
    // Refusals, a long invalid name, malformed REGISTER and INFO, INFO.
    p.send({ op: Op.Register, name: "x".repeat(1000) });
    p.send({ op: Op.Register, name: "server" });
    p.write(Buffer.from([Op.Register, 0, 7, 0x61])); // length mismatch
    p.write(Buffer.from([Op.Info, 0, 1, 0x61])); // INFO with data
    p.send({ op: Op.Info });
    p.send({ op: Op.Register, name: "bad name" });
    p.send({ op: Op.Info });
    const replies = await p.drain(500);
    assert.equal(replies.length, 5);
    for (const r of replies) assert.ok(r.length <= 64, `a reply of ${r.length} bytes to an unregistered address`);
    assert.deepEqual(replies.map((r) => r[0]), [Op.Error, Op.Error, Op.Error, Op.Error, Op.InfoReply]);
  }));

  it("keeps the limits per address: another unregistered address is answered meanwhile", isolated({}, {}, async (s, peers) => {
    const noisy = await RawUdp.open(s.udpPort);
    const quiet = await RawUdp.open(s.udpPort);
    peers.push(noisy, quiet);
    for (let i = 0; i < 10; i++) noisy.send({ op: Op.Info });
    await noisy.drain(200);
    quiet.send({ op: Op.Info });
    assert.equal((await quiet.next()).op, Op.InfoReply);
  }));

  it("rate-limits a registered address with one Error per run of refused datagrams", isolated({ rate: { perSecond: 0.1, burst: 5 } }, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "flooder");
    const b = await RawUdp.registered(s.udpPort, "reader");
    peers.push(a, b);
    for (let i = 0; i < 20; i++) a.send({ op: Op.Public, text: `m${i}` });
    const got = await a.drain(500);
    const echoes = got.filter((d) => d[0] === Op.PublicMessage);
    const errors = got.filter((d) => d[0] === Op.Error);
    assert.equal(echoes.length, 5, `${echoes.length} messages through a burst of 5`);
    assert.equal(errors.length, 1);
    assert.deepEqual(errors[0], encodeText(Op.Error, "rate limited"));
    assert.equal((await b.drain(100)).length, 5);
  }));
});

describe("udp malformed datagrams", () => {
  it("answers each malformed datagram from a registered address with one Error and keeps serving", isolated({}, {}, async (s, peers) => {
    const a = await RawUdp.registered(s.udpPort, "malformed");
    peers.push(a);
    const cases: [Buffer, string][] = [
      [Buffer.alloc(0), "malformed: shorter than the 3-byte header"],
      [Buffer.from([Op.Public]), "malformed: shorter than the 3-byte header"],
      [Buffer.from([Op.Public, 0]), "malformed: shorter than the 3-byte header"],
      [Buffer.from([Op.Public, 0, 5, 0x61]), "malformed: length disagrees with datagram size"],
      [Buffer.from([Op.Public, 0, 0, 0x61]), "malformed: length disagrees with datagram size"],
      [Buffer.from([99, 0, 0]), "unknown opcode"],
      [Buffer.from([Op.Logout, 0, 1, 0]), "malformed: this opcode takes no data"],
      [Buffer.from([Op.Private, 0, 3, 0x61, 0x62, 0x63]), "malformed: no NUL after the name"],
    ];
    for (const [bytes, message] of cases) {
      a.write(bytes);
      expectError(await a.next(), message);
    }
    assert.equal(await a.quiet(150), true, "more than one answer to a malformed datagram");
    assert.equal(s.running.hub.isOnline("malformed"), true);
    a.send({ op: Op.Public, text: "still here" });
    assert.deepEqual(await a.next(), { op: Op.PublicMessage, from: "malformed", text: "still here" });
  }));
});

describe("udp interop", () => {
  it("carries udp PUBLIC to bcs as a deliver and bcs send to udp as 21; bcs sees udp joins and LOGOUT", isolated({}, { withBcs: true }, async (s, peers) => {
    const { peer: bcs } = await RawBcs.login(s.bcsPort, "bcs_bob");
    try {
      const u = await RawUdp.registered(s.udpPort, "udp_ann");
      peers.push(u);
      assert.deepEqual(await bcs.deliver(), { from: "server", message: "udp_ann has connected" });
      u.send({ op: Op.Public, text: "hi from udp ✓" });
      assert.deepEqual(await bcs.deliver(), { from: "udp_ann", message: "hi from udp ✓" });
      assert.deepEqual(await u.next(), { op: Op.PublicMessage, from: "udp_ann", text: "hi from udp ✓" });
      bcs.send({ type: FrameType.Send, message: "hi from bcs" });
      assert.equal((await bcs.next())?.type, FrameType.Status);
      assert.deepEqual(await u.next(), { op: Op.PublicMessage, from: "bcs_bob", text: "hi from bcs" });
      u.send({ op: Op.List });
      assert.deepEqual(await u.list(), { names: ["bcs_bob", "udp_ann"], sizes: [3 + "bcs_bob\0udp_ann".length] });
      u.send({ op: Op.Private, to: "BCS_BOB", text: "direct" });
      assert.deepEqual(await bcs.deliver(), { from: "udp_ann", message: "(private) direct" });
      assert.deepEqual(await u.next(), { op: Op.Ok });
      u.send({ op: Op.Logout });
      assert.deepEqual(await u.next(), { op: Op.Ok });
      assert.deepEqual(await bcs.deliver(), { from: "server", message: "udp_ann has disconnected" });
    } finally {
      bcs.close();
    }
  }));

  it("delivers udp PRIVATE to a lab, cs262 or gowing user and their direct messages as 23", isolated({}, {}, async (s, peers) => {
    const u = await RawUdp.registered(s.udpPort, "udp_dm");
    peers.push(u);
    for (const dialect of ["lab", "cs262", "gowing"]) {
      const other: FakeMember = joinFake(s, `${dialect}_user`, dialect);
      u.send({ op: Op.Private, to: `${dialect}_user`, text: `to ${dialect}` });
      assert.deepEqual(await other.waitFor((e) => e.kind === "direct"), { kind: "direct", from: "udp_dm", text: `to ${dialect}` });
      assert.deepEqual(await u.next(), { op: Op.Ok });
      assert.equal(s.running.hub.direct(other, "udp_dm", `from ${dialect}`), "ok");
      assert.deepEqual(await u.next(), { op: Op.PrivateMessage, from: `${dialect}_user`, text: `from ${dialect}` });
      assert.equal(s.running.hub.lobby(other, `lobby from ${dialect}`), "ok");
      assert.deepEqual(await u.next(), { op: Op.PublicMessage, from: `${dialect}_user`, text: `lobby from ${dialect}` });
    }
    const lab = joinFake(s, "lab_watcher", "lab");
    u.send({ op: Op.Public, text: "to all" });
    assert.deepEqual(await lab.waitFor((e) => e.kind === "lobby"), { kind: "lobby", from: "udp_dm", text: "to all" });
  }));

  it("splits a 4096-byte message from another dialect into datagrams of at most 1200 bytes", isolated({}, {}, async (s, peers) => {
    const u = await RawUdp.registered(s.udpPort, "udp_long");
    peers.push(u);
    const lab = joinFake(s, "lab_long", "lab");
    const text = "0123456789abcdef".repeat(256);
    assert.equal(s.running.hub.direct(lab, "udp_long", text), "ok");
    let joined = "";
    while (joined.length < text.length) {
      const raw = await u.nextRaw();
      assert.ok(raw.length <= MAX_SERVER_DATAGRAM, `${raw.length} bytes`);
      const f = decode(raw);
      assert.equal(f.op, Op.PrivateMessage);
      if (f.op === Op.PrivateMessage) joined += f.text;
    }
    assert.equal(joined, text);
  }));
});
