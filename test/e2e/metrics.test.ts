/**
 * /metrics counts what a scripted chat does: users of every dialect log in, send lobby
 * and direct messages, get error answers, hit the message rate and store a file, over
 * real sockets against one in-process server; every counter is checked by its exact
 * value, per dialect.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { encodeSendFileHeader, encodeStatus } from "../../src/protocols/bcs/codec.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { VERSION } from "../../src/version.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { scrape, scrapeUntil, type Exposition } from "../helpers/metrics.js";
import { RawUdp } from "../helpers/udp-wire.js";
import { ANY_PORT, startHub, withOwnServer } from "../helpers/server.js";

const DIALECTS = ["lab", "gowing", "bcs", "cs262", "udp"] as const;

/** Every dialect's value of a per-dialect series, as one object (easy to compare whole). */
function byDialect(e: Exposition, name: string, labels: Record<string, string> = {}): Record<string, number> {
  return Object.fromEntries(DIALECTS.map((d) => [d, e.value(name, { ...labels, dialect: d })]));
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}

describe("/metrics during a scripted chat", () => {
  it(
    "counts logins, messages in and deliveries out, error answers, rate-limit hits and stored files by dialect",
    { timeout: 60_000 },
    withOwnServer(
      () =>
        startHub(
          {
            lab: { ...ANY_PORT, bots: [] },
            gowing: { ...ANY_PORT, logDir: "off" },
            bcs: { ...ANY_PORT, chatLog: "off" },
            cs262: ANY_PORT,
            udp: { ...ANY_PORT, listIntervalMs: 60_000, rate: { perSecond: 0.01, burst: 3 } },
            store: "memory",
            http: ANY_PORT,
          },
          // A burst of 6 is more than any scripted user sends; the rate (one token in 100 s)
          // gives nothing back during the test, so the one hit below is exact.
          { msgRate: 0.01, msgBurst: 6 },
        ),
      async (hub) => {
        const http = hub.ports["http"]!;
        const port = (name: string) => hub.ports[name]!;

        const zero = await scrape(http);
        assert.equal(zero.types.get("switchboard_logins_total"), "counter");
        assert.equal(zero.types.get("switchboard_users_online"), "gauge");
        assert.deepEqual(byDialect(zero, "switchboard_logins_total"), { lab: 0, gowing: 0, bcs: 0, cs262: 0, udp: 0 });
        assert.ok(zero.has("nodejs_eventloop_lag_seconds"), "the event-loop lag is exposed");
        assert.equal(zero.value("switchboard_info", { version: VERSION }), 1);

        // Logins: no dialect here shows joins except bcs and gowing, which log in last.
        const alice = await RawLab.login(port("lab"), "alice");
        const dave = await RawLab.login(port("lab"), "dave");
        const frank = await RawCs262.account(port("cs262"), "frank");
        const carol = await RawUdp.registered(port("udp"), "carol");
        const { peer: bob } = await RawBcs.login(port("bcs"), "bob");
        const erin = await RawGowing.joined(port("gowing"), "erin");
        assert.equal((await bob.deliver()).message, "erin has connected");

        const online = await scrape(http);
        assert.deepEqual(byDialect(online, "switchboard_logins_total"), { lab: 2, gowing: 1, bcs: 1, cs262: 1, udp: 1 });
        assert.deepEqual(byDialect(online, "switchboard_users_online"), { lab: 2, gowing: 1, bcs: 1, cs262: 1, udp: 1 });
        assert.deepEqual(byDialect(online, "switchboard_connections"), { lab: 2, gowing: 1, bcs: 1, cs262: 1, udp: 1 });

        // Lobby: bcs and gowing send to everyone else.
        bob.send({ type: BcsType.Send, message: "hello" });
        assert.equal((await bob.next())?.type, BcsType.Status);
        for (const lab of [alice, dave]) assert.equal(await lab.next(), "DELIVERY bob hello");
        assert.deepEqual(await carol.nextNotList(), { op: Op.PublicMessage, from: "bob", text: "hello" });
        assert.equal((await erin.next())?.text, "[bob] hello");
        assert.equal((await frank.pushed()).message, "hello");

        erin.send(GowingType.Message, "hi all");
        for (const lab of [alice, dave]) assert.equal(await lab.next(), "DELIVERY erin hi all");
        assert.equal((await bob.deliver()).message, "hi all");
        assert.deepEqual(await carol.nextNotList(), { op: Op.PublicMessage, from: "erin", text: "hi all" });
        assert.equal((await frank.pushed()).message, "hi all");

        // Direct: lab -> udp, udp -> lab, cs262 -> gowing.
        alice.write("SEND carol psst\n");
        assert.equal(await alice.next(), "SEND-OK");
        assert.deepEqual(await carol.nextNotList(), { op: Op.PrivateMessage, from: "alice", text: "psst" });
        carol.send({ op: Op.Private, to: "alice", text: "back" });
        assert.deepEqual(await carol.nextNotList(), { op: Op.Ok });
        assert.equal(await alice.next(), "DELIVERY carol back");
        assert.equal(await frank.message("frank", "erin", "yo"), "");
        assert.equal((await erin.next())?.text, "[frank] (private) yo");

        const chatted = await scrape(http);
        assert.deepEqual(delta(byDialect(chatted, "switchboard_messages_received_total", { kind: "lobby" }), byDialect(online, "switchboard_messages_received_total", { kind: "lobby" })), {
          lab: 0,
          gowing: 1,
          bcs: 1,
          cs262: 0,
          udp: 0,
        });
        assert.deepEqual(delta(byDialect(chatted, "switchboard_messages_received_total", { kind: "direct" }), byDialect(online, "switchboard_messages_received_total", { kind: "direct" })), {
          lab: 1,
          gowing: 0,
          bcs: 0,
          cs262: 1,
          udp: 1,
        });
        // bob's lobby: lab 2, udp, gowing, cs262; erin's: lab 2, bcs, udp, cs262; then
        // one direct each to udp, lab and gowing.
        assert.deepEqual(delta(byDialect(chatted, "switchboard_messages_delivered_total"), byDialect(online, "switchboard_messages_delivered_total")), {
          lab: 5,
          gowing: 2,
          bcs: 1,
          cs262: 2,
          udp: 3,
        });

        // One error answer in each dialect: a message to nobody (bcs: an empty one).
        alice.write("SEND nobody x\n");
        assert.equal(await alice.next(), "BAD-DEST-USER");
        bob.send({ type: BcsType.Send, message: "" });
        assert.deepEqual(await bob.next(), { type: BcsType.Status, code: 5, message: "empty message" });
        erin.send(GowingType.Direct, "nobody hi");
        assert.deepEqual(await erin.next(), { type: GowingType.Error, text: "No such user: nobody" });
        assert.equal(await frank.message("frank", "nobody", "x"), "no such user");
        carol.send({ op: Op.Private, to: "nobody", text: "x" });
        assert.deepEqual(await carol.nextNotList(), { op: Op.Error, message: "no such user" });

        const errors = await scrape(http);
        const errorCount = (dialect: string, code: string) => errors.value("switchboard_error_answers_total", { dialect, code });
        assert.equal(errorCount("lab", "bad_dest_user"), 1);
        assert.equal(errorCount("bcs", "message_empty"), 1);
        assert.equal(errorCount("gowing", "user_unknown"), 1);
        assert.equal(errorCount("cs262", "user_unknown"), 1);
        assert.equal(errorCount("udp", "user_unknown"), 1);
        assert.equal(
          errors.samples.filter((s) => s.name === "switchboard_error_answers_total").reduce((sum, s) => sum + s.value, 0),
          5,
          "no other error answer was counted",
        );
        assert.deepEqual(byDialect(errors, "switchboard_messages_delivered_total"), byDialect(chatted, "switchboard_messages_delivered_total"), "refused messages deliver nothing");

        // A stored file: 11 bytes.
        bob.write(Buffer.concat([encodeSendFileHeader("notes.txt", 11), Buffer.from("hello world")]));
        assert.deepEqual(await bob.next(), { type: BcsType.Status, code: 0, message: "ok" });
        const stored = await scrape(http);
        assert.equal(stored.value("switchboard_files_stored_total"), 1);
        assert.equal(stored.value("switchboard_file_bytes_stored_total"), 11);

        // The message rate: a bcs client with its burst spent (a register and five stray
        // acks) is refused the next frame; a udp address with its 3 spent, the next datagram.
        const { peer: flood } = await RawBcs.login(port("bcs"), "flood");
        flood.write(Buffer.concat(Array.from({ length: 8 }, () => encodeStatus(0, "ok"))));
        carol.send({ op: Op.Info });
        assert.equal((await carol.nextNotList()).op, Op.InfoReply);
        carol.send({ op: Op.Info });
        assert.deepEqual(await carol.nextNotList(), { op: Op.Error, message: "rate limited" });
        const limited = await scrapeUntil(http, (e) => e.value("switchboard_rate_limited_total", { dialect: "bcs", limit: "msg_rate" }) > 0);
        assert.deepEqual(byDialect(limited, "switchboard_rate_limited_total", { limit: "msg_rate" }), { lab: 0, gowing: 0, bcs: 1, cs262: 0, udp: 1 });
        for (const limit of ["login_failures", "upload_quota"]) {
          assert.deepEqual(byDialect(limited, "switchboard_rate_limited_total", { limit }), { lab: 0, gowing: 0, bcs: 0, cs262: 0, udp: 0 }, limit);
        }
        assert.equal(limited.value("switchboard_error_answers_total", { dialect: "udp", code: "rate_limited" }), 1);
        assert.equal(limited.value("switchboard_error_answers_total", { dialect: "bcs", code: "rate_limited" }), 0, "a refused stray ack is not answered");

        for (const peer of [alice, dave, frank, bob, erin, flood]) peer.close();
        carol.close();
      },
    ),
  );

  it(
    "counts logins held back or refused for an address's failures, uploads over the quota and connections over the per-address limit",
    { timeout: 30_000 },
    withOwnServer(
      () =>
        startHub(
          { lab: { ...ANY_PORT, bots: [] }, bcs: { ...ANY_PORT, chatLog: "off" }, udp: { ...ANY_PORT, listIntervalMs: 60_000 }, store: "memory", http: ANY_PORT },
          { loginFailures: 1, loginFailureWindowMs: 60_000, uploadsPerMinute: 1, maxConnectionsPerAddress: 3 },
        ),
      async (hub) => {
        const http = hub.ports["http"]!;
        const { peer: up } = await RawBcs.login(hub.ports["bcs"]!, "up");

        // One upload a minute: the second is refused.
        up.write(Buffer.concat([encodeSendFileHeader("one.txt", 3), Buffer.from("one")]));
        assert.deepEqual(await up.next(), { type: BcsType.Status, code: 0, message: "ok" });
        up.write(encodeSendFileHeader("two.txt", 3));
        assert.equal((await up.next())?.type, BcsType.Status);

        // One refused login a minute per address: lab's HELLO-FROM up (taken) spends it;
        // then bcs refuses a register, and lab holds the next HELLO-FROM back.
        const taken = await RawLab.open(hub.ports["lab"]!);
        taken.write("HELLO-FROM up\n");
        assert.equal(await taken.next(), "IN-USE");
        await taken.whenClosed;
        const refusedRegister = await RawBcs.open(hub.ports["bcs"]!);
        refusedRegister.send({ type: BcsType.Register, username: "someone" });
        assert.equal((await refusedRegister.next())?.type, BcsType.Status);
        await refusedRegister.whenClosed;
        const held = await RawLab.open(hub.ports["lab"]!);
        held.write("HELLO-FROM waiting\n");

        const limits = await scrapeUntil(http, (e) => e.value("switchboard_rate_limited_total", { dialect: "lab", limit: "login_failures" }) > 0);
        assert.deepEqual(byDialect(limits, "switchboard_rate_limited_total", { limit: "login_failures" }), { lab: 1, gowing: 0, bcs: 1, cs262: 0, udp: 0 });
        assert.deepEqual(byDialect(limits, "switchboard_rate_limited_total", { limit: "upload_quota" }), { lab: 0, gowing: 0, bcs: 1, cs262: 0, udp: 0 });
        assert.equal(limits.value("switchboard_error_answers_total", { dialect: "bcs", code: "uploads_later" }), 1);

        // Three connections per address: `up`, the held one and this one; a fourth is closed at accept.
        // (First the server must have seen the refused ones close, not only the clients.)
        await scrapeUntil(http, (e) => e.value("switchboard_connections", { dialect: "lab" }) + e.value("switchboard_connections", { dialect: "bcs" }) === 2);
        const third = await RawLab.open(hub.ports["lab"]!);
        const fourth = await RawLab.open(hub.ports["lab"]!);
        await fourth.whenClosed;
        const refused = await scrapeUntil(http, (e) => e.value("switchboard_connections_refused_total", { dialect: "lab", reason: "too_many_from_address" }) > 0);
        assert.equal(refused.value("switchboard_connections_refused_total", { dialect: "lab", reason: "too_many_from_address" }), 1);
        assert.equal(refused.value("switchboard_connections_refused_total", { dialect: "bcs", reason: "too_many_from_address" }), 0);
        assert.equal(refused.has("switchboard_connections_refused_total"), true);
        assert.equal(refused.samples.some((x) => x.name === "switchboard_connections_refused_total" && x.labels["dialect"] === "udp"), false, "udp refuses no connections");
        assert.equal(refused.value("switchboard_disconnects_total", { dialect: "lab", reason: "rejected" }), 1, "a connection refused at accept is no disconnect");
        for (const peer of [up, held, third]) peer.close();
      },
    ),
  );

  it(
    "counts connections closed for a bad or missing PROXY protocol header",
    { timeout: 30_000 },
    withOwnServer(
      () => startHub({ lab: { ...ANY_PORT, bots: [] }, proxyProtocol: true, http: ANY_PORT }, { loginTimeoutMs: 300 }),
      async (hub) => {
        const bad = await RawLab.open(hub.ports["lab"]!);
        bad.write("HELLO-FROM alice\n");
        const half = await RawLab.open(hub.ports["lab"]!);
        half.write("PROXY TCP4 192.0.2.1");
        const silent = await RawLab.open(hub.ports["lab"]!);
        await bad.whenClosed;
        await silent.whenClosed;
        await half.whenClosed;
        const e = await scrapeUntil(hub.ports["http"]!, (x) => x.value("switchboard_connections_refused_total", { dialect: "lab", reason: "proxy_header_timeout" }) === 2);
        assert.equal(e.value("switchboard_connections_refused_total", { dialect: "lab", reason: "bad_proxy_header" }), 1);
        assert.equal(e.value("switchboard_connections_refused_total", { dialect: "lab", reason: "proxy_header_timeout" }), 2);
        assert.equal(e.value("switchboard_logins_total", { dialect: "lab" }), 0);
      },
    ),
  );

  it(
    "counts disconnects by dialect and reason, and a refused login as an error answer",
    { timeout: 30_000 },
    withOwnServer(
      () => startHub({ lab: { ...ANY_PORT, bots: [] }, udp: { ...ANY_PORT, listIntervalMs: 60_000 }, http: ANY_PORT }, { loginTimeoutMs: 300 }),
      async (hub) => {
        const http = hub.ports["http"]!;
        const silent = await RawLab.open(hub.ports["lab"]!);
        const invalid = await RawLab.open(hub.ports["lab"]!);
        invalid.write("HELLO-FROM bad!name\n");
        assert.equal(await invalid.next(), "BAD-RQST-BODY");
        const leaver = await RawLab.login(hub.ports["lab"]!, "leaver");
        leaver.close();
        const carol = await RawUdp.registered(hub.ports["udp"]!, "carol");
        carol.send({ op: Op.Logout });
        assert.deepEqual(await carol.nextNotList(), { op: Op.Ok });
        await silent.whenClosed;
        await invalid.whenClosed;

        const e = await scrapeUntil(http, (x) => x.value("switchboard_disconnects_total", { dialect: "lab", reason: "client_closed" }) === 1);
        const reasons = (dialect: string) =>
          Object.fromEntries(
            e.samples.filter((s) => s.name === "switchboard_disconnects_total" && s.labels["dialect"] === dialect && s.value > 0).map((s) => [s.labels["reason"]!, s.value]),
          );
        assert.deepEqual(reasons("lab"), { login_timeout: 1, rejected: 1, client_closed: 1 });
        assert.deepEqual(reasons("udp"), { client_left: 1 });
        assert.equal(e.value("switchboard_error_answers_total", { dialect: "lab", code: "bad_rqst_body" }), 1);
        assert.deepEqual(
          { lab: e.value("switchboard_users_online", { dialect: "lab" }), udp: e.value("switchboard_users_online", { dialect: "udp" }) },
          { lab: 0, udp: 0 },
        );
        assert.equal(e.value("switchboard_connections", { dialect: "lab" }), 0);
        carol.close();
      },
    ),
  );
});
