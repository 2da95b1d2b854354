/**
 * Three Switchboard nodes on one nats-server behave as one server (docs/cluster.md#routing):
 * users of all five dialects spread over the nodes list each other, get each other's lobby
 * messages and presence notices and exchange direct messages, rendered per dialect
 * (docs/wire.md#rendering-across-dialects). Real sockets, a real nats-server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { Op as UdpOp } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { startClusterNodes, freshNamespace } from "../helpers/cluster-nodes.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { interopSuite } from "../helpers/interop-suite.js";
import { RawLab } from "../helpers/lab-wire.js";
import { NATS_SKIP, startNatsServer, type NatsServer } from "../helpers/nats-server.js";
import type { TestHub } from "../helpers/server.js";
import { RawUdp } from "../helpers/udp-wire.js";

/** Which node each dialect's users log in on: most pairs of dialects meet across nodes. */
const NODE_OF: Record<string, number> = { lab: 0, gowing: 1, bcs: 2, cs262: 2, udp: 1 };

async function startSpread(): Promise<{ nats: NatsServer; nodes: TestHub[]; port: (dialect: string) => number; close: () => Promise<void> }> {
  const nats = await startNatsServer();
  try {
    const nodes = await startClusterNodes(3, { nats: nats.url, namespace: freshNamespace() });
    return {
      nats,
      nodes,
      port: (dialect) => nodes[NODE_OF[dialect]!]!.ports[dialect]!,
      close: async () => {
        await Promise.all(nodes.map((n) => n.close()));
        await nats.dispose();
      },
    };
  } catch (err) {
    await nats.dispose();
    throw err;
  }
}

if (NATS_SKIP) {
  describe("three cluster nodes", () => it("needs nats-server", { skip: NATS_SKIP }, () => undefined));
} else {
  interopSuite("interop across lab, gowing, bcs, cs262 and udp spread over three cluster nodes", startSpread);

  describe("three cluster nodes: lists", () => {
    let spread: Awaited<ReturnType<typeof startSpread>>;
    before(async () => {
      spread = await startSpread();
    });
    after(() => spread.close());

    it("every dialect's list names the users of every node, in every dialect", async () => {
      const port = spread.port;
      const lab = await RawLab.login(port("lab"), "l_lists");
      const g = await RawGowing.joined(port("gowing"), "g_lists");
      const { peer: b, online } = await RawBcs.login(port("bcs"), "b_lists");
      assert.match(online, /l_lists/);
      assert.match(online, /g_lists/);
      const acct = await RawCs262.account(port("cs262"), "c_lists");
      const u = await RawUdp.registered(port("udp"), "u_lists");
      const everyone = ["l_lists", "g_lists", "b_lists", "c_lists", "u_lists"];

      lab.write("LIST\n");
      const labList = (await lab.next())!.replace(/^LIST-OK /, "").split(",");
      for (const name of everyone) assert.ok(labList.includes(name), `lab's LIST-OK on n1 lacks ${name}: ${labList.join(",")}`);

      // gowing's own notices of the others' joins come first: skip to the list.
      g.send(GowingType.List);
      let list;
      do list = await g.next();
      while (list && list.type !== GowingType.List);
      for (const name of everyone) assert.ok(list!.text.split(", ").includes(name), `gowing's list on n2 lacks ${name}: ${list!.text}`);

      u.send({ op: UdpOp.List });
      const udpList = await u.list();
      for (const name of everyone) assert.ok(udpList.names.includes(name), `udp's list on n2 lacks ${name}: ${udpList.names.join(",")}`);

      // bcs's list comes at login: a newcomer on n3 sees the users of n1 and n2.
      const { peer: late, online: lateOnline } = await RawBcs.login(spread.nodes[2]!.ports["bcs"]!, "b_late");
      for (const name of everyone) assert.match(lateOnline, new RegExp(`\\b${name}\\b`), `bcs's online: on n3 lacks ${name}`);

      // The cluster's status: each node counts every node's users.
      for (const node of spread.nodes) assert.equal(node.running.hub.online, 6);
      for (const p of [lab, g, b, u, late]) p.close();
      acct.socket.destroy();
    });
  });
}
