/**
 * Across dialects on one hub (WIRE.md 2): lab, gowing, bcs and cs262 users in one
 * process, each speaking its own wire over real sockets.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, startHub, type TestHub } from "../helpers/server.js";

describe("interop across lab, gowing, bcs and cs262", () => {
  let hub: TestHub;
  let port: (name: string) => number;
  before(async () => {
    hub = await startHub({
      lab: { ...ANY_PORT, bots: [] },
      gowing: { ...ANY_PORT, logDir: "off" },
      bcs: { ...ANY_PORT, chatLog: "off" },
      cs262: ANY_PORT,
      store: "memory",
    });
    port = (name) => hub.ports[name]!;
  });
  after(() => hub.close());

  it("a cs262 SEND to an online lab user arrives there as DELIVERY", async () => {
    const lab = await RawLab.login(port("lab"), "lab_reader");
    const acct = await RawCs262.account(port("cs262"), "acct_writer");
    assert.equal(await acct.message("acct_writer", "lab_reader", "hello from cs262"), "");
    assert.equal(await lab.next(), "DELIVERY acct_writer hello from cs262");
    lab.close();
    acct.socket.destroy();
  });

  it("a lab user cannot log in under an existing account's name, online or not", async () => {
    const owner = await RawCs262.account(port("cs262"), "Reserved_Acct");
    owner.socket.destroy(); // offline now: the name stays reserved
    await new Promise((r) => setTimeout(r, 50));
    for (const name of ["Reserved_Acct", "reserved_acct"]) {
      const lab = await RawLab.open(port("lab"));
      lab.write(`HELLO-FROM ${name}\n`);
      assert.equal(await lab.next(), "BAD-RQST-BODY");
      await lab.whenClosed;
    }
  });

  it("accounts are listed by cs262's LIST only; other dialects list who is online", async () => {
    const offline = await RawCs262.account(port("cs262"), "only_an_account");
    offline.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
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
    await new Promise((r) => setTimeout(r, 50));
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
});
