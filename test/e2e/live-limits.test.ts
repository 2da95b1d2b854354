/**
 * Limits changed on a running server (RunningSwitchboard.setLimits, what SIGHUP calls),
 * over real sockets: --msg-rate turned on reaches a connection already open, and turned
 * off again frees it; --max-frame-bytes holds for connections made after the change, in
 * every stream dialect's codec as in its buffer, while a connection made before keeps
 * the limit it connected with.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Limits } from "../../src/app/limits.js";
import { FrameType as BcsType, Status } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, startHub, withOwnServer, type TestHub } from "../helpers/server.js";

const statusOf = async (peer: RawBcs) => {
  const f = await peer.next();
  assert.equal(f?.type, BcsType.Status, JSON.stringify(f));
  return f.type === BcsType.Status ? f.code : -1;
};

const setLimits = (hub: TestHub, changes: Partial<Limits>) =>
  hub.running.setLimits({ ...hub.running.hub.limits, ...changes });

describe("limits changed while running", { timeout: 30_000 }, () => {
  it(
    "a message rate turned on reaches a connection already open, and turned off frees it",
    withOwnServer(
      () => startHub({ bcs: { ...ANY_PORT, chatLog: "off" } }, { msgRate: 0 }),
      async (hub) => {
        const { peer } = await RawBcs.login(hub.ports["bcs"]!, "early");
        for (let i = 0; i < 5; i++) {
          peer.send({ type: BcsType.Send, message: `free ${i}` });
          assert.equal(await statusOf(peer), Status.Ok);
        }
        setLimits(hub, { msgRate: 1, msgBurst: 1 });
        peer.send({ type: BcsType.Send, message: "first under the rate" });
        assert.equal(await statusOf(peer), Status.Ok);
        peer.send({ type: BcsType.Send, message: "over it" });
        assert.equal(await statusOf(peer), Status.RateLimited);
        setLimits(hub, { msgRate: 0 });
        for (let i = 0; i < 5; i++) {
          peer.send({ type: BcsType.Send, message: `free again ${i}` });
          assert.equal(await statusOf(peer), Status.Ok);
        }
        peer.close();
      },
    ),
  );

  it(
    "a smaller frame limit holds for new connections in lab and bcs; older ones keep theirs",
    withOwnServer(
      () => startHub({ lab: { ...ANY_PORT, bots: [] }, bcs: { ...ANY_PORT, chatLog: "off" } }),
      async (hub) => {
        const long = "x".repeat(2000); // under --max-message-bytes (4096), over the new frame limit
        const oldLab = await RawLab.login(hub.ports["lab"]!, "old_lab");
        const { peer: oldBcs } = await RawBcs.login(hub.ports["bcs"]!, "old_bcs");
        setLimits(hub, { maxFrameBytes: 1024 });
        const newLab = await RawLab.login(hub.ports["lab"]!, "new_lab");
        const { peer: newBcs } = await RawBcs.login(hub.ports["bcs"]!, "new_bcs");
        // old_bcs hears both arrive; acknowledge those delivers before counting statuses.
        assert.deepEqual(await oldBcs.deliver(), { from: "server", message: "new_lab has connected" });
        assert.deepEqual(await oldBcs.deliver(), { from: "server", message: "new_bcs has connected" });

        newLab.write(`SEND old_lab ${long}\n`);
        assert.equal(await newLab.next(), "BAD-RQST-BODY");
        oldLab.write(`SEND new_lab ${long}\n`);
        assert.equal(await newLab.next(), `DELIVERY old_lab ${long}`);
        assert.equal(await oldLab.next(), "SEND-OK");

        newBcs.send({ type: BcsType.Send, message: long });
        assert.equal(await statusOf(newBcs), Status.BadMessage);
        oldBcs.send({ type: BcsType.Send, message: long });
        assert.equal(await statusOf(oldBcs), Status.Ok);
        assert.deepEqual(await newBcs.deliver(), { from: "old_bcs", message: long });
        // A lobby message: the lab users get it too (the limit is on what a client sends).
        for (const lab of [oldLab, newLab]) assert.equal(await lab.next(), `DELIVERY old_bcs ${long}`);

        // Both sessions go on after the refusal.
        newLab.write("LIST\n");
        assert.match((await newLab.next()) ?? "", /^LIST-OK /);
        for (const p of [oldLab, newLab, oldBcs, newBcs]) p.close();
      },
    ),
  );
});
