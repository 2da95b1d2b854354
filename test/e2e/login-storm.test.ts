/**
 * A login storm does not knock out bcs users (issue 20 point 3): 2,000 lab clients log
 * in at full speed while three bcs users acknowledge every deliver after a 5 ms round
 * trip, as a client across a network would. Each login is a presence notice for every
 * bcs user, paced by its acks (200 a second here): queued one by one they passed the
 * 1,000-frame limit and the bcs users were dropped as slow consumers. Coalesced
 * (docs/bcs.md "Presence"), every bcs user stays connected and the notices it gets
 * account for every login exactly once.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import type { Socket } from "node:net";
import { after, describe, it } from "node:test";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { CLI, serveOnly, spawnServer, tempDir } from "../helpers/server.js";

const dataDir = tempDir("sb-storm-");
after(() => rmSync(dataDir, { recursive: true, force: true }));

const LOGINS = 2000;
const AT_ONCE = 100;
const ACK_DELAY_MS = 5;

/** How many users one presence text from `server` announces as connected. */
function joinsIn(text: string): number {
  let joins = 0;
  for (const part of text.split("; ")) {
    let m: RegExpExecArray | null;
    if (/^\S+ has connected$/.test(part)) joins += 1;
    else if (/^\S+ and \S+ have connected$/.test(part)) joins += 2;
    else if ((m = /^\S+ and (\d+) others? have connected$/.exec(part))) joins += 1 + Number(m[1]);
    else if ((m = /^\S+, \S+ and (\d+) others? have connected$/.exec(part))) joins += 2 + Number(m[1]);
    else if ((m = /^(\d+) users have connected$/.exec(part))) joins += Number(m[1]);
    else throw new Error(`not a join notice: ${JSON.stringify(part)}`);
  }
  return joins;
}

/** A bcs user that acknowledges each deliver ACK_DELAY_MS after it arrives, and counts the joins it is told of. */
class Watcher {
  joins = 0;
  notices = 0;
  dropped = false;
  constructor(readonly peer: RawBcs) {}

  async watch(until: () => boolean): Promise<void> {
    while (!until()) {
      let frame;
      try {
        frame = await this.peer.next(500);
      } catch {
        continue; // nothing within 500 ms: look at `until` again
      }
      if (frame === undefined) {
        this.dropped = true;
        return;
      }
      if (frame.type !== 3 || frame.from !== "server") throw new Error(`unexpected ${JSON.stringify(frame)}`);
      this.notices++;
      this.joins += joinsIn(frame.message);
      await new Promise((r) => setTimeout(r, ACK_DELAY_MS));
      this.peer.ack();
    }
  }
}

describe("a login storm", () => {
  it(`of ${LOGINS} lab users leaves bcs users that ack every ${ACK_DELAY_MS} ms connected, told of every login`, { timeout: 90_000 }, async () => {
    const server = await spawnServer(CLI("switchboard"), [
      ...serveOnly({ lab: "0", bcs: "0" }),
      ...["--host", "127.0.0.1", "--data-dir", dataDir, "--bcs-log", "off"],
      ...["--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0"],
    ]);
    const labs: Socket[] = [];
    const watchers: Watcher[] = [];
    try {
      for (let i = 0; i < 3; i++) watchers.push(new Watcher((await RawBcs.login(server.ports.bcs!, `w${i}`)).peer));
      // The watchers' own joins: w0 is told of w1 and w2, w1 of w2.
      await Promise.all(watchers.map((w, i) => w.watch(() => w.joins >= 2 - i)));
      for (const w of watchers) w.joins = 0;

      let done = false;
      const watching = watchers.map((w) => w.watch(() => done || w.joins >= LOGINS));
      const started = Date.now();
      for (let i = 0; i < LOGINS; i += AT_ONCE) {
        const batch = await Promise.all(Array.from({ length: Math.min(AT_ONCE, LOGINS - i) }, (_, k) => RawLab.login(server.ports.lab!, `lab${i + k}`)));
        for (const b of batch) labs.push(b.socket);
      }
      const loggedIn = Date.now() - started;
      const deadline = setTimeout(() => (done = true), 30_000);
      await Promise.all(watching);
      clearTimeout(deadline);
      console.log(
        `login storm: ${LOGINS} logins in ${loggedIn} ms; ` +
          watchers.map((w) => `${w.notices} notices for ${w.joins} joins${w.dropped ? " (dropped)" : ""}`).join(", "),
      );
      for (const w of watchers) {
        assert.equal(w.dropped, false, "a bcs user was dropped");
        assert.equal(w.joins, LOGINS, "every login announced exactly once");
        assert.ok(w.notices < LOGINS, "the notices were coalesced");
      }
      assert.ok(!server.stderr().includes("slow consumer"), "no slow consumer logged");
    } finally {
      for (const s of labs) s.destroy();
      for (const w of watchers) w.peer.close();
      await server.stop();
    }
  });
});
