/**
 * Across dialects (docs/wire.md#rendering-across-dialects): lab, gowing, bcs, cs262 and udp
 * users, each speaking its own wire over real sockets, on one hub or spread over the nodes
 * of a cluster (docs/cluster.md#routing).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { RawBcs } from "./bcs-wire.js";
import { RawCs262 } from "./cs262-wire.js";
import { RawGowing } from "./gowing-wire.js";
import { RawLab } from "./lab-wire.js";
import { RawUdp } from "./udp-wire.js";
import { Op as UdpOp } from "../../src/protocols/udp/frames.js";

/** Where each dialect's listener is: one hub, or the nodes of a cluster. */
export interface InteropServers {
  /** The port of the named dialect's listener (each dialect on the node the runner chose). */
  port(dialect: string): number;
  close(): Promise<void>;
}

/**
 * The interop cases against `start`'s servers: one hub (test/e2e/interop.test.ts), or a
 * cluster with the dialects spread over its nodes (test/cluster/). `settle` is how long a
 * user who just went offline takes to be offline everywhere.
 */
export function interopSuite(title: string, start: () => Promise<InteropServers>, settleMs = 50): void {
  describe(title, () => {
    let servers: InteropServers;
    let port: (name: string) => number;
    before(async () => {
      servers = await start();
      port = (name) => servers.port(name);
    });
    after(() => servers.close());

    it("a cs262 SEND to an online lab user arrives there as DELIVERY", async () => {
      const lab = await RawLab.login(port("lab"), "lab_reader");
      const acct = await RawCs262.account(port("cs262"), "acct_writer");
      assert.equal(await acct.message("acct_writer", "lab_reader", "hello from cs262"), "");
      assert.equal(await lab.next(), "DELIVERY acct_writer hello from cs262");
      lab.close();
      acct.socket.destroy();
    });

    it("a lab user cannot log in under an existing account's name, online or not: it is in use", async () => {
      const owner = await RawCs262.account(port("cs262"), "Reserved_Acct");
      owner.socket.destroy(); // offline now: the name stays reserved
      await new Promise((r) => setTimeout(r, settleMs));
      for (const name of ["Reserved_Acct", "reserved_acct"]) {
        const lab = await RawLab.open(port("lab"));
        lab.write(`HELLO-FROM ${name}\n`);
        assert.equal(await lab.next(), "IN-USE");
        await lab.whenClosed;
      }
    });

    it("accounts are listed by cs262's LIST only; other dialects list who is online", async () => {
      const offline = await RawCs262.account(port("cs262"), "only_an_account");
      offline.socket.destroy();
      await new Promise((r) => setTimeout(r, settleMs));
      const lab = await RawLab.login(port("lab"), "lister");
      lab.write("LIST\n");
      const listed = (await lab.next())!.replace(/^LIST-OK /, "").split(",");
      assert.ok(listed.includes("lister"));
      assert.ok(!listed.includes("only_an_account"), "an offline account is not an online user");
      const asker = await RawCs262.open(port("cs262"));
      const accounts = await asker.list();
      assert.ok(accounts.includes("only_an_account"));
      assert.ok(!accounts.includes("lister"), "a lab user is not an account");
      lab.close();
      asker.socket.destroy();
    });

    it("a lab SEND to an offline account is kept (SEND-OK) and delivered at DELIVER", async () => {
      const away = await RawCs262.account(port("cs262"), "away_acct");
      away.socket.destroy();
      await new Promise((r) => setTimeout(r, settleMs));
      const lab = await RawLab.login(port("lab"), "leaves_a_note");
      lab.write("SEND away_acct see you later\n");
      assert.equal(await lab.next(), "SEND-OK");
      const back = await RawCs262.account(port("cs262"), "away_acct", undefined, true);
      const { messages, error } = await back.deliver();
      assert.equal(error, "");
      assert.deepEqual(messages, [{ sender: "leaves_a_note", recipient: "away_acct", message: "see you later" }]);
      lab.close();
      back.socket.destroy();
    });

    it("direct messages from lab and cs262 reach gowing as type 4 [X] (private) text", async () => {
      const g = await RawGowing.joined(port("gowing"), "gw_target");
      const lab = await RawLab.login(port("lab"), "lab_dm");
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**lab_dm is joining the chat**" });
      lab.write("SEND gw_target psst from lab ✓\n");
      assert.equal(await lab.next(), "SEND-OK");
      assert.deepEqual(await g.next(), { type: GowingType.Direct, text: "[lab_dm] (private) psst from lab ?" });
      const acct = await RawCs262.account(port("cs262"), "cs_dm");
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**cs_dm is joining the chat**" });
      assert.equal(await acct.message("cs_dm", "gw_target", "psst from cs262"), "");
      assert.deepEqual(await g.next(), { type: GowingType.Direct, text: "[cs_dm] (private) psst from cs262" });
      g.close();
      lab.close();
      acct.socket.destroy();
    });

    it("a gowing MESSAGE reaches bcs as a deliver and lab as DELIVERY; joins show in bcs and gowing", async () => {
      const { peer: b } = await RawBcs.login(port("bcs"), "bcs_watch");
      const lab = await RawLab.login(port("lab"), "lab_watch");
      assert.deepEqual(await b.deliver(), { from: "server", message: "lab_watch has connected" });
      const g = await RawGowing.joined(port("gowing"), "gw_speaker");
      assert.deepEqual(await b.deliver(), { from: "server", message: "gw_speaker has connected" });
      g.send(GowingType.Message, "hello everyone");
      assert.deepEqual(await b.deliver(), { from: "gw_speaker", message: "hello everyone" });
      assert.equal(await lab.next(), "DELIVERY gw_speaker hello everyone");
      lab.close();
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**lab_watch is leaving the chat**" });
      b.send({ type: BcsType.Send, message: "bye" });
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "[bcs_watch] bye" });
      b.close();
      g.close();
    });

    it("a udp PUBLIC reaches bcs and gowing as lobby messages and lab as DELIVERY, the sender too", async () => {
      const { peer: b } = await RawBcs.login(port("bcs"), "bcs_hears_udp");
      const g = await RawGowing.joined(port("gowing"), "gw_hears_udp");
      assert.deepEqual(await b.deliver(), { from: "server", message: "gw_hears_udp has connected" });
      const lab = await RawLab.login(port("lab"), "lab_hears_udp");
      assert.deepEqual(await b.deliver(), { from: "server", message: "lab_hears_udp has connected" });
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**lab_hears_udp is joining the chat**" });
      const u = await RawUdp.registered(port("udp"), "udp_talker");
      assert.deepEqual(await b.deliver(), { from: "server", message: "udp_talker has connected" });
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**udp_talker is joining the chat**" });
      u.send({ op: UdpOp.Public, text: "hello from udp" });
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.PublicMessage, from: "udp_talker", text: "hello from udp" });
      assert.deepEqual(await b.deliver(), { from: "udp_talker", message: "hello from udp" });
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "[udp_talker] hello from udp" });
      assert.equal(await lab.next(), "DELIVERY udp_talker hello from udp");
      u.send({ op: UdpOp.Logout });
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.Ok });
      assert.deepEqual(await b.deliver(), { from: "server", message: "udp_talker has disconnected" });
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**udp_talker is leaving the chat**" });
      u.close();
      b.close();
      g.close();
      lab.close();
    });

    it("a udp PRIVATE reaches lab, cs262 and gowing users, and is kept for an offline account", async () => {
      const lab = await RawLab.login(port("lab"), "lab_dm_target");
      const acct = await RawCs262.account(port("cs262"), "cs_dm_target");
      const g = await RawGowing.joined(port("gowing"), "gw_dm_target");
      const u = await RawUdp.registered(port("udp"), "udp_dm");
      u.send({ op: UdpOp.Private, to: "lab_dm_target", text: "to lab" });
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.Ok });
      assert.equal(await lab.next(), "DELIVERY udp_dm to lab");
      u.send({ op: UdpOp.Private, to: "cs_dm_target", text: "to cs262" });
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.Ok });
      assert.deepEqual(await acct.pushed(), { sender: "udp_dm", recipient: "cs_dm_target", message: "to cs262" });
      u.send({ op: UdpOp.Private, to: "gw_dm_target", text: "to gowing" });
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.Ok });
      assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**udp_dm is joining the chat**" });
      assert.deepEqual(await g.next(), { type: GowingType.Direct, text: "[udp_dm] (private) to gowing" });
      // The account goes offline: a PRIVATE is kept for it (OK once it is stored).
      acct.socket.destroy();
      await new Promise((r) => setTimeout(r, settleMs));
      u.send({ op: UdpOp.Private, to: "cs_dm_target", text: "while you were out" });
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.Ok });
      const back = await RawCs262.account(port("cs262"), "cs_dm_target", undefined, true);
      assert.deepEqual((await back.deliver()).messages, [{ sender: "udp_dm", recipient: "cs_dm_target", message: "while you were out" }]);
      // Lab and gowing users reach the udp user too.
      lab.write("SEND udp_dm back to udp\n");
      assert.equal(await lab.next(), "SEND-OK");
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.PrivateMessage, from: "lab_dm_target", text: "back to udp" });
      g.send(GowingType.Direct, "udp_dm from gowing");
      assert.deepEqual(await u.nextNotList(), { op: UdpOp.PrivateMessage, from: "gw_dm_target", text: "from gowing" });
      u.close();
      lab.close();
      g.close();
      back.socket.destroy();
    });
  });
}
