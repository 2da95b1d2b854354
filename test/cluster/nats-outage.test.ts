/**
 * A cluster node when NATS goes away (docs/cluster.md#failures): /readyz says so, direct
 * messages between its own users go on, what needs NATS gets the dialect's error answer
 * (never a SEND-OK), a login gets the busy answer; when NATS is back, everything works
 * again. And a three-server NATS cluster losing one server mid-traffic: the nodes carry
 * on, with nothing acknowledged lost. Real sockets, real nats-servers.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { freshNamespace, startClusterNode } from "../helpers/cluster-nodes.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { httpGet } from "../helpers/metrics.js";
import { NATS_SKIP, startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from "../helpers/nats-server.js";
import { ANY_PORT, type TestHub } from "../helpers/server.js";
import { untilTrue } from "../helpers/signals.js";

if (NATS_SKIP) {
  describe("cluster without NATS", () => it("needs nats-server", { skip: NATS_SKIP }, () => undefined));
} else {
  describe("a cluster node while NATS is unreachable", () => {
    let nats: NatsServer;
    let a: TestHub;
    let b: TestHub;
    before(async () => {
      nats = await startNatsServer();
      const namespace = freshNamespace();
      a = await startClusterNode({
        nats: nats.url,
        node: "a",
        namespace,
        parts: { lab: { ...ANY_PORT, bots: [] }, cs262: ANY_PORT, bcs: { ...ANY_PORT, chatLog: "off" }, http: ANY_PORT },
      });
      b = await startClusterNode({ nats: nats.url, node: "b", namespace, parts: { lab: { ...ANY_PORT, bots: [] } } });
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await nats?.dispose();
    });

    it("shows the node on /metrics and the status page, is not ready without NATS, serves its own users, and recovers", async () => {
      const http = a.ports["http"]!;
      assert.equal((await httpGet(http, "/readyz")).status, 200);
      const la = await RawLab.login(a.ports["lab"]!, "out_a1");
      const la2 = await RawLab.login(a.ports["lab"]!, "out_a2");
      const lb = await RawLab.login(b.ports["lab"]!, "out_b");
      const { peer: talker } = await RawBcs.login(a.ports["bcs"]!, "out_talker");
      await untilTrue(async () => /switchboard_cluster_nodes 2\b/.test((await httpGet(http, "/metrics")).body), 10_000, "both nodes on /metrics");
      const metrics = (await httpGet(http, "/metrics")).body;
      assert.match(metrics, /switchboard_cluster_node_info\{cluster_node="a"\} 1/);
      assert.match(metrics, /switchboard_cluster_connected 1/);
      await untilTrue(async () => /switchboard_cluster_users\{cluster_node="b"\} 1\b/.test((await httpGet(http, "/metrics")).body), 10_000, "b's user on /metrics");
      const status = JSON.parse((await httpGet(http, "/status.json")).body) as { cluster?: { node: string; nodes: { node: string; users: number }[] } };
      assert.equal(status.cluster?.node, "a");
      assert.deepEqual(status.cluster?.nodes.map((n) => n.node).sort(), ["a", "b"]);

      await nats.stop();
      await untilTrue(async () => {
        const r = await httpGet(http, "/readyz");
        return r.status === 503 && /cluster/.test(r.body);
      }, 10_000, "/readyz names the cluster as not ready");
      assert.match((await httpGet(http, "/metrics")).body, /switchboard_cluster_connected 0/);

      // Users on one node still reach each other.
      la.write("SEND out_a2 still here\n");
      assert.equal(await la.next(), "SEND-OK");
      assert.equal(await la2.next(), "DELIVERY out_a1 still here");
      // A user on another node cannot be reached: an error answer, never SEND-OK.
      la.write("SEND out_b are you there\n");
      assert.equal(await la.next(10_000), "BAD-DEST-USER");
      // A lobby-less login needs the names bucket: the busy answer.
      const late = await RawLab.open(a.ports["lab"]!);
      late.write("HELLO-FROM out_late\n");
      assert.equal(await late.next(10_000), "BUSY");
      late.close();
      // A lobby message would reach only this node: refused, with bcs's busy status.
      talker.send({ type: BcsType.Send, message: "anyone?" });
      assert.deepEqual(await talker.next(), { type: BcsType.Status, code: 3, message: "chat unreachable now; not sent, try again" });
      // Mail for an offline account needs the mail stream: an error answer.
      const cs = await RawCs262.open(a.ports["cs262"]!);
      assert.notEqual(await cs.message("out_a1", "nobody_offline", "x"), "");
      cs.socket.destroy();

      await nats.restart();
      await untilTrue(async () => (await httpGet(http, "/readyz")).status === 200, 15_000, "/readyz ready again");
      await untilTrue(async () => {
        la.write("SEND out_b back again\n");
        return (await la.next(10_000)) === "SEND-OK";
      }, 15_000, "a direct message across the nodes again");
      let got: string | undefined;
      do got = await lb.next();
      while (got !== "DELIVERY out_a1 back again");
      talker.send({ type: BcsType.Send, message: "back" });
      let answer;
      do answer = await talker.next();
      while (answer?.type !== BcsType.Status);
      assert.deepEqual(answer, { type: BcsType.Status, code: 0, message: "ok" });
      assert.equal(await lb.next(), "DELIVERY out_talker back", "the lobby reaches the other node again (lab shows it as DELIVERY)");
      talker.close();
      // The names held through the outage are still held: nobody else can take them.
      const dup = await RawLab.open(b.ports["lab"]!);
      dup.write("HELLO-FROM out_a1\n");
      assert.equal(await dup.next(), "IN-USE");
      dup.close();
      for (const p of [la, la2, lb]) p.close();
    });
  });

  describe("a three-server NATS cluster losing one server mid-traffic", () => {
    let natsCluster: NatsCluster;
    let a: TestHub;
    let b: TestHub;
    before(async () => {
      natsCluster = await startNatsCluster(3);
      const namespace = freshNamespace();
      const [s1, s2] = natsCluster.servers;
      // Each node is given one server and learns the others from it, as a NATS client does.
      a = await startClusterNode({ nats: s1!.url, node: "a", namespace, replicas: 3, parts: { lab: { ...ANY_PORT, bots: [] }, cs262: ANY_PORT } });
      b = await startClusterNode({ nats: s2!.url, node: "b", namespace, replicas: 3, parts: { lab: { ...ANY_PORT, bots: [] }, cs262: ANY_PORT } });
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await natsCluster?.dispose();
    });

    it("the nodes carry on: direct messages and mail acknowledged before, during and after are all there", async (t) => {
      const owner = await RawCs262.account(b.ports["cs262"]!, "stop_inbox");
      owner.socket.destroy();
      const sender = await RawLab.login(a.ports["lab"]!, "stop_sender");
      const receiver = await RawLab.login(b.ports["lab"]!, "stop_receiver");
      const received: string[] = [];
      const reading = (async () => {
        for (;;) {
          const line = await receiver.next(30_000).catch(() => undefined);
          if (line === undefined) return;
          received.push(line);
        }
      })();
      const okDirect: string[] = [];
      const okMail: string[] = [];
      let okAfterStop = 0;
      let stopped = false;
      const started = Date.now();
      let i = 0;
      while (Date.now() - started < 8000) {
        if (!stopped && Date.now() - started > 2000) {
          await natsCluster.servers[0]!.stop(); // node a's own server
          stopped = true;
        }
        const text = `d${i++}`;
        sender.write(`SEND stop_receiver ${text}\n`);
        if ((await sender.next(15_000)) === "SEND-OK") {
          okDirect.push(text);
          if (stopped) okAfterStop++;
        }
        if (i % 10 === 0) {
          sender.write(`SEND stop_inbox ${text}\n`);
          if ((await sender.next(15_000)) === "SEND-OK") okMail.push(text);
        }
      }
      assert.ok(okAfterStop > 10, `only ${okAfterStop} direct messages went through after the stop`);
      t.diagnostic(`${okDirect.length} direct messages (${okAfterStop} after the stop) and ${okMail.length} mails acknowledged, of ${i} sent`);
      await untilTrue(async () => received.length >= okDirect.length, 10_000, "every acknowledged direct message delivered");
      const texts = received.filter((l) => l.startsWith("DELIVERY stop_sender ")).map((l) => l.slice("DELIVERY stop_sender ".length));
      assert.equal(new Set(texts).size, texts.length, "a direct message arrived twice");
      for (const t of okDirect) assert.ok(texts.includes(t), `acknowledged ${t} never arrived`);

      const inbox = await RawCs262.account(b.ports["cs262"]!, "stop_inbox", undefined, true);
      const { messages, error } = await inbox.deliver(15_000);
      assert.equal(error, "");
      const mail = messages.map((m) => m.message);
      assert.equal(new Set(mail).size, mail.length, "mail delivered twice");
      for (const t of okMail) assert.ok(mail.includes(t), `acknowledged mail ${t} is missing`);
      assert.ok(okMail.length > 0);
      inbox.socket.destroy();
      sender.close();
      receiver.close();
      await reading;
    });
  });
}
