/**
 * RunningSwitchboard.drain in this process, where the order of what each client gets can
 * be checked closely: bcs keeps its ack pacing to the end (the goodbye comes after every
 * deliver queued before it), nobody is told of anyone else leaving, and the hub takes
 * no one new once it has begun.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { RawBcs, type Received } from "../helpers/bcs-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { QuietMember } from "../helpers/quiet-member.js";
import { ANY_PORT, startHub } from "../helpers/server.js";

const GOODBYE = "The server is going down";

const deliverOf = (f: Received | undefined) => (f?.type === FrameType.Deliver ? `${f.from}: ${f.message}` : JSON.stringify(f));

describe("drain", { timeout: 30_000 }, () => {
  it("sends a bcs client its goodbye after the delivers queued before it, paced by its acks, answering requests meanwhile with status 3", async () => {
    const server = await startHub({ bcs: { ...ANY_PORT, chatLog: "off" } });
    const port = server.ports["bcs"]!;
    const { peer: slow } = await RawBcs.login(port, "slow");
    const { peer: talker } = await RawBcs.login(port, "talker");
    try {
      for (const m of ["m1", "m2", "m3"]) {
        talker.send({ type: FrameType.Send, message: m });
        assert.equal((await talker.next())?.type, FrameType.Status);
      }
      // slow has acknowledged nothing since its user list: one deliver is out, three wait.
      assert.equal(deliverOf(await slow.next()), "server: talker has connected");
      const drained = server.running.drain(10_000);
      assert.equal(deliverOf(await talker.next()), `server: ${GOODBYE}`);
      assert.equal(await talker.next(), undefined, "talker: closed once its goodbye is written");

      slow.send({ type: FrameType.Send, message: "too late" });
      const refused = await slow.next();
      assert.deepEqual(refused?.type === FrameType.Status && [refused.code, refused.message], [3, "the server is going down"]);
      const seen: string[] = [];
      for (;;) {
        slow.ack();
        const f = await slow.next();
        if (f === undefined) break;
        seen.push(deliverOf(f));
      }
      assert.deepEqual(seen, ["talker: m1", "talker: m2", "talker: m3", `server: ${GOODBYE}`]);
      const report = await drained;
      assert.deepEqual(report.told, { bcs: 2 });
      assert.equal(report.ended, "flushed");
      assert.equal(report.cut, 0);
    } finally {
      slow.close();
      talker.close();
      await server.close(); // after drain: nothing left to close
    }
  });

  it("tells nobody that the others leave, and takes no one new once it has begun", async () => {
    const server = await startHub({ gowing: { ...ANY_PORT, logDir: "off" }, lab: { ...ANY_PORT, bots: ["echobot"] } });
    const first = await RawGowing.joined(server.ports["gowing"]!, "first");
    const second = await RawGowing.joined(server.ports["gowing"]!, "second");
    const lab = await RawLab.login(server.ports["lab"]!, "labber");
    try {
      assert.deepEqual(await first.next(), { type: GowingType.Message, text: "**second is joining the chat**" });
      for (const g of [first, second]) assert.deepEqual(await g.next(), { type: GowingType.Message, text: "**labber is joining the chat**" });
      const report = await server.running.drain(10_000);
      for (const g of [first, second]) {
        assert.deepEqual(await g.next(), { type: GowingType.Message, text: `**${GOODBYE}**` });
        assert.equal(await g.next(), undefined, "nothing after the goodbye: no leaving notices");
      }
      assert.equal(await lab.next(), `DELIVERY server ${GOODBYE}`);
      assert.deepEqual(report.told, { bot: 1, gowing: 2, lab: 1 });
      assert.equal(server.running.draining, true);
      assert.equal(server.running.hub.online, 0);
      assert.equal(server.running.hub.join(new QuietMember("latecomer"), "latecomer"), "server_full");
    } finally {
      for (const p of [first, second, lab]) p.close();
      await server.close();
    }
  });
});
