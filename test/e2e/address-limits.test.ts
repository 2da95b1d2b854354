/**
 * Limits per client address (issue 8): connections open at once (--max-connections-per-ip),
 * counted over every TCP dialect together and enforced at accept; and refused logins
 * (--login-failures per --login-failure-window), answered in each dialect's way: bcs
 * status 7 and close, cs262 a RESPONSE error, lab and gowing by answering later.
 * Every test connects from 127.0.0.1, so every test is one address.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { startSwitchboard, type RunningSwitchboard, type SwitchboardConfig } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import { FrameType as Bcs, Status } from "../../src/protocols/bcs/frames.js";
import { FrameType as Gowing, JoinStatus } from "../../src/protocols/gowing/frames.js";
import { RawBcs, type Received } from "../helpers/bcs-wire.js";
import { captureLog, type LogRecord } from "../helpers/capture-log.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { sleep } from "../helpers/flood.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { bare, within } from "../helpers/tcp-peer.js";
import { ANY_PORT, tempDir } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };

async function serve(limits: Partial<Limits>): Promise<{ running: RunningSwitchboard; port: (name: string) => number; records: LogRecord[] }> {
  const { log, records } = captureLog();
  const parts: Omit<SwitchboardConfig, "limits" | "dataDir"> = {
    lab: { ...ANY_PORT, bots: [] },
    gowing: { ...ANY_PORT, logDir: "off" },
    bcs: { ...ANY_PORT, chatLog: "off" },
    cs262: ANY_PORT,
    store: "memory",
  };
  const running = await startSwitchboard({ limits: { ...DEFAULT_LIMITS, ...limits }, dataDir: tempDir(), ...parts }, log);
  const port = (name: string): number => running.listeners.find((l) => l.name === name)!.port;
  return { running, port, records };
}

/** The code of a bcs status frame (undefined for anything else). */
const statusCode = (f: Received | undefined): number | undefined => (f?.type === Bcs.Status ? f.code : undefined);

/** Poll `test` until it holds. */
async function until(test: () => boolean): Promise<void> {
  while (!test()) await sleep(10);
}

describe("connections per address (--max-connections-per-ip)", TIMEOUT, () => {
  it("closes a connection over the limit at accept, counting every TCP dialect together, and logs it", async () => {
    const s = await serve({ maxConnectionsPerAddress: 3 });
    const open: Socket[] = [];
    try {
      const lab1 = await bare(s.port("lab"));
      const lab2 = await bare(s.port("lab"));
      const bcs = await bare(s.port("bcs"));
      open.push(lab1.socket, lab2.socket, bcs.socket);
      // The fourth, on yet another dialect, is closed before any session exists: gowing
      // would otherwise greet it with the command list.
      const fourth = await bare(s.port("gowing"));
      open.push(fourth.socket);
      await within(2000, fourth.closed, "the refused connection's close");
      assert.equal(fourth.received(), 0, "nothing is sent on a refused connection");
      const warn = s.records.filter((r) => r["reason"] === "too_many_connections");
      assert.equal(warn.length, 1);
      assert.equal(warn[0]!["dialect"], "gowing");
      assert.equal(warn[0]!["limit"], 3);
      const cs262Refused = await bare(s.port("cs262"));
      await within(2000, cs262Refused.closed, "a second refusal");
      // The connections already open are not disturbed by the refusals.
      const lines: string[] = [];
      lab2.socket.on("data", (d) => lines.push(d.toString()));
      lab2.socket.write("HELLO-FROM still_here\n");
      await within(2000, until(() => lines.join("") === "HELLO still_here\n"), "the HELLO");
      // Once one closes, the address may connect again.
      lab1.socket.destroy();
      await within(
        3000,
        (async () => {
          for (;;) {
            const g = await RawGowing.open(s.port("gowing"));
            g.send(Gowing.Join, "came_back");
            const reply = await g.next(1000).catch(() => undefined);
            if (reply?.type === Gowing.Join) return g.close(); // a JOIN reply: the connection was accepted
            g.close();
            await sleep(50);
          }
        })(),
        "a connection accepted after one closed",
      );
    } finally {
      for (const o of open) o.destroy();
      await s.running.close();
    }
  });

  it("lets 0 mean no limit", async () => {
    const s = await serve({ maxConnectionsPerAddress: 0 });
    const open: RawLab[] = [];
    try {
      for (let i = 0; i < 80; i++) open.push(await RawLab.login(s.port("lab"), `u${i}`));
      assert.equal(s.running.hub.online, 80);
    } finally {
      for (const o of open) o.close();
      await s.running.close();
    }
  });
});

describe("refused logins per address (--login-failures)", TIMEOUT, () => {
  it("bcs: refuses a register with status 7 and closes, once the address has had its refused names", async () => {
    const s = await serve({ loginFailures: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        const p = await RawBcs.open(s.port("bcs"));
        p.send({ type: Bcs.Register, username: "no spaces allowed" });
        assert.equal(statusCode(await p.next()), Status.InvalidName);
        await p.whenClosed;
      }
      const p = await RawBcs.open(s.port("bcs"));
      p.send({ type: Bcs.Register, username: "valid_name" });
      const answer = await p.next();
      assert.equal(statusCode(answer), Status.RateLimited);
      assert.match(answer?.type === Bcs.Status ? answer.message : "", /too many refused logins/);
      await p.whenClosed;
      assert.equal(s.running.hub.isOnline("valid_name"), false);
      // The allowance is the address's, over every dialect: cs262 is refused too.
      const c = await RawCs262.open(s.port("cs262"));
      assert.equal(await c.create("carol"), "too many refused logins from your address; try again later");
      c.close();
    } finally {
      await s.running.close();
    }
  });

  it("counts only refused names: successful logins and a full server never use the allowance", async () => {
    const s = await serve({ loginFailures: 2, maxUsers: 20 });
    const peers: { close(): void }[] = [];
    try {
      for (let i = 0; i < 10; i++) peers.push((await RawBcs.login(s.port("bcs"), `ok${i}`)).peer);
      for (let i = 0; i < 10; i++) peers.push(await RawLab.login(s.port("lab"), `lab${i}`));
      assert.equal(s.running.hub.online, 20);
      for (let i = 0; i < 5; i++) {
        const p = await RawBcs.open(s.port("bcs"));
        p.send({ type: Bcs.Register, username: `late${i}` });
        assert.equal(statusCode(await p.next()), Status.ServerFull);
        await p.whenClosed;
      }
      peers.pop()!.close();
      await within(2000, until(() => s.running.hub.online < 20), "the leave");
      peers.push((await RawBcs.login(s.port("bcs"), "in_at_last")).peer);
    } finally {
      for (const p of peers) p.close();
      await s.running.close();
    }
  });

  it("cs262: answers CREATE and LOGIN with a RESPONSE error past the allowance, and the connection goes on", async () => {
    const s = await serve({ loginFailures: 3 });
    try {
      (await RawCs262.account(s.port("cs262"), "carol", "right")).close();
      const c = await RawCs262.open(s.port("cs262"));
      for (let i = 0; i < 3; i++) assert.equal(await c.login("carol", "wrong"), "wrong password");
      assert.equal(await c.login("carol", "right"), "too many refused logins from your address; try again later");
      assert.equal(await c.create("dave"), "too many refused logins from your address; try again later");
      assert.deepEqual(await c.list(), ["carol"], "the connection still answers other requests");
      assert.equal(c.closed, false);
      c.close();
    } finally {
      await s.running.close();
    }
  });

  it("lab: answers a HELLO-FROM past the allowance later, not with an error", async () => {
    // 3 refusals per 3 s: one try comes back every second.
    const s = await serve({ loginFailures: 3, loginFailureWindowMs: 3000 });
    try {
      for (let i = 0; i < 3; i++) {
        const p = await RawLab.open(s.port("lab"));
        p.write("HELLO-FROM bad!name\n");
        assert.equal(await p.next(), "BAD-RQST-BODY");
        await p.whenClosed;
      }
      const p = await RawLab.open(s.port("lab"));
      p.write("HELLO-FROM patient\n");
      assert.equal(await p.quiet(300), true, "no answer while the address is over its allowance");
      assert.equal(await p.next(3000), "HELLO patient", "answered once a try is back");
      p.close();
    } finally {
      await s.running.close();
    }
  });

  it("gowing: answers a JOIN past the allowance later, on the same connection", async () => {
    const s = await serve({ loginFailures: 3, loginFailureWindowMs: 3000 });
    try {
      const taken = await RawGowing.joined(s.port("gowing"), "taken");
      const p = await RawGowing.open(s.port("gowing"));
      for (let i = 0; i < 3; i++) {
        p.send(Gowing.Join, "taken");
        assert.equal(await p.joinStatus(), JoinStatus.NameTaken);
      }
      p.send(Gowing.Join, "patient");
      assert.equal(await p.quiet(300), true, "no answer while the address is over its allowance");
      assert.equal(await p.joinStatus(3000), JoinStatus.Accepted);
      p.close();
      taken.close();
    } finally {
      await s.running.close();
    }
  });
});
