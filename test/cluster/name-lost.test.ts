/**
 * `name_lost` in every dialect's words (docs/cluster.md#names): when a cluster node finds
 * that another node's user holds the name of one of its users (it was cut off from NATS
 * meanwhile), the registry tells that member disconnect("name_lost"); each dialect says
 * why, from `server`, as it says goodbye at shutdown, and closes. Real sockets, one
 * in-process server: what the registry does is the one call made here.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { startEveryDialect } from "../helpers/every-dialect.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import type { TestHub } from "../helpers/server.js";
import { eventually } from "../helpers/signals.js";
import { RawUdp } from "../helpers/udp-wire.js";

const TOLD = "Your name was taken by another node while this one was cut off";

describe("a user whose name another cluster node took is told so in its dialect, and disconnected", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startEveryDialect();
  });
  after(async () => {
    await hub?.close();
  });

  it("in lab, gowing, bcs, cs262 and udp", async () => {
    const port = (name: string): number => hub.ports[name]!;
    // In this order, bcs sees one join (gowing's), read below.
    const udp = await RawUdp.registered(port("udp"), "udp_u");
    const cs = await RawCs262.account(port("cs262"), "cs_u");
    const lab = await RawLab.login(port("lab"), "lab_u");
    const { peer: bcs } = await RawBcs.login(port("bcs"), "bcs_u");
    const gowing = await RawGowing.joined(port("gowing"), "gowing_u");
    const peers = [udp, cs, lab, bcs, gowing];
    try {
      assert.deepEqual(await bcs.deliver(), { from: "server", message: "gowing_u has connected" });
      const members = [...hub.running.hub.members()];
      assert.equal(members.length, 5);
      for (const member of members) member.disconnect("name_lost");

      assert.equal(await lab.next(), `DELIVERY server ${TOLD}`);
      assert.equal(await lab.next(), undefined, "lab: closed after it");
      // gowing and bcs show leaves: the others' may come before or after.
      const gowingLeave = (f: Awaited<ReturnType<RawGowing["next"]>>): boolean => f?.type === GowingType.Message && / is leaving the chat\*\*$/.test(f.text);
      assert.deepEqual(await skipWhile(() => gowing.next(), gowingLeave), { type: GowingType.Message, text: `**${TOLD}**` });
      assert.equal(await skipWhile(() => gowing.next(), gowingLeave), undefined, "gowing: closed after it");
      // Each bcs deliver is acknowledged, as the client does: the next waits for it.
      const bcsLeave = (f: Awaited<ReturnType<RawBcs["next"]>>): boolean => {
        const leave = f?.type === FrameType.Deliver && / has disconnected$/.test(f.message);
        if (f?.type === FrameType.Deliver) bcs.ack();
        return leave;
      };
      const told = await skipWhile(() => bcs.next(), bcsLeave);
      assert.deepEqual(told?.type === FrameType.Deliver && { from: told.from, message: told.message }, { from: "server", message: TOLD });
      assert.equal(await skipWhile(() => bcs.next(), bcsLeave), undefined, "bcs: closed after it");
      assert.deepEqual(await cs.pushed(), { sender: "server", recipient: "cs_u", message: TOLD });
      assert.equal(await cs.next(), undefined, "cs262: closed after it");
      assert.deepEqual(await udp.nextNotList(), { op: Op.PublicMessage, from: "server", text: TOLD });
      const stats = hub.running.hub.stats;
      for (const dialect of ["lab", "gowing", "bcs", "cs262", "udp"]) {
        await eventually(() => stats.dialect(dialect).disconnects.name_lost, (n) => n === 1, 3_000, `${dialect} counts a name_lost disconnect`);
      }
    } finally {
      for (const p of peers) p.close();
    }
  });
});

/** The first of `next()` that `skip` does not skip. */
async function skipWhile<T>(next: () => Promise<T>, skip: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await next();
    if (!skip(value)) return value;
  }
}
