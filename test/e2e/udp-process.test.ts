/** The udp entry points as processes: `switchboard server udp` and udp inside `switchboard serve`. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, it } from "node:test";
import { Op } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { CLI, spawnServer, tempDir, serveOnly } from "../helpers/server.js";
import { RawUdp } from "../helpers/udp-wire.js";

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

describe("switchboard server udp", () => {
  it("prints its listener, serves CHAT UDP with the given list period, and stops on SIGTERM", async () => {
    const server = await spawnServer(CLI("switchboard"), ["server", "udp", "--port", "0", "--host", "127.0.0.1", "--list-interval", "200ms"]);
    try {
      assert.match(server.stdoutLines[0]!, /^listening udp udp 127\.0\.0\.1:\d+$/);
      assert.equal(server.stdoutLines[1], "ready");
      const p = await RawUdp.registered(server.ports["udp"]!, "proc_user");
      try {
        assert.deepEqual((await p.list(3000)).names, ["proc_user"]);
        p.send({ op: Op.Info });
        assert.equal((await p.nextNotList()).op, Op.InfoReply);
      } finally {
        p.close();
      }
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("logs a silent address out after --idle-timeout", async () => {
    const server = await spawnServer(CLI("switchboard"), ["server", "udp", "--port", "0", "--idle-timeout", "300ms"]);
    const p = await RawUdp.registered(server.ports["udp"]!, "proc_idle");
    try {
      await new Promise((r) => setTimeout(r, 900));
      const q = await RawUdp.registered(server.ports["udp"]!, "proc_idle"); // the name is free again
      q.close();
    } finally {
      p.close();
      await server.stop();
    }
  });
});

describe("switchboard serve with udp", () => {
  it("puts udp on the same hub as bcs", async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0", udp: "0" }), "--bcs-log", "off", "--data-dir", tempDir()]);
    try {
      assert.match(server.stdoutLines[0]!, /^listening bcs tcp 0\.0\.0\.0:\d+$/);
      assert.match(server.stdoutLines[1]!, /^listening udp udp 0\.0\.0\.0:\d+$/);
      assert.equal(server.stdoutLines[2], "ready");
      const { peer: bcs } = await RawBcs.login(server.ports["bcs"]!, "serve_bcs");
      const u = await RawUdp.registered(server.ports["udp"]!, "serve_udp");
      try {
        assert.deepEqual(await bcs.deliver(), { from: "server", message: "serve_udp has connected" });
        u.send({ op: Op.Public, text: "across dialects" });
        assert.deepEqual(await bcs.deliver(), { from: "serve_udp", message: "across dialects" });
      } finally {
        bcs.close();
        u.close();
      }
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("turns udp off with --udp-port off", async () => {
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ bcs: "0" }), "--data-dir", tempDir()]);
    try {
      assert.deepEqual(Object.keys(server.ports), ["bcs"]);
    } finally {
      await server.stop();
    }
  });

  it("serves udp on 9003 by default", async (t) => {
    if (!(await udpPortIsFree(9003))) return t.skip("udp port 9003 is in use on this machine");
    const server = await spawnServer(CLI("switchboard"), [...serveOnly({ udp: "9003" }), "--data-dir", tempDir()]);
    try {
      assert.equal(server.ports["udp"], 9003);
    } finally {
      await server.stop();
    }
  });
});
