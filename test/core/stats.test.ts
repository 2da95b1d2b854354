/** The plain counters behind /metrics (src/core/stats.ts): what the hub counts, and how answers get their codes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import type { Member } from "../../src/core/ports.js";
import { answerCodes } from "../../src/core/stats.js";

class Peer implements Member {
  taking = true;
  /** Chat messages taken (presence events are not deliveries). */
  received = 0;
  constructor(
    readonly name: string,
    readonly dialect: string,
  ) {}
  deliver(event: HubEvent): boolean {
    if (this.taking && (event.kind === "lobby" || event.kind === "direct")) this.received++;
    return this.taking;
  }
  disconnect(): void {}
}

describe("ChatStats, as the hub counts", () => {
  it("counts a lobby message's deliveries per dialect without visiting recipients, and takes back one not taken", () => {
    const hub = new Hub();
    const a = new Peer("a", "lab");
    const b = new Peer("b", "lab");
    const c = new Peer("c", "udp");
    const d = new Peer("d", "bcs");
    for (const p of [a, b, c, d]) assert.equal(hub.join(p, p.name), "ok");
    d.taking = false; // a slow consumer: dropped during the fan-out
    assert.equal(hub.lobby(a, "hi"), "ok");
    const s = (name: string) => hub.stats.dialect(name);
    assert.deepEqual(
      [s("lab").deliveries, s("udp").deliveries, s("bcs").deliveries],
      [b.received, c.received, d.received],
      "what was counted is what was delivered",
    );
    assert.deepEqual([s("lab").deliveries, s("udp").deliveries, s("bcs").deliveries], [1, 1, 0]);
    assert.deepEqual([s("lab").lobbyIn, s("lab").logins, s("lab").online, s("bcs").online], [1, 2, 2, 0]);
  });

  it("counts a direct message in for the sender's dialect and out for the recipient's, and nothing for a refused one", () => {
    const hub = new Hub();
    const a = new Peer("a", "lab");
    const c = new Peer("c", "udp");
    hub.join(a, "a");
    hub.join(c, "c");
    assert.equal(hub.direct(a, "c", "x"), "ok");
    assert.equal(hub.direct(a, "nobody", "x"), "user_unknown");
    assert.equal(hub.lobby(a, ""), "message_empty");
    assert.deepEqual([hub.stats.dialect("lab").directIn, hub.stats.dialect("lab").lobbyIn, hub.stats.dialect("udp").deliveries], [1, 0, 1]);
    hub.leave(c);
    assert.equal(hub.stats.dialect("udp").online, 0);
  });
});

describe("answerCodes", () => {
  it("names an answer by its table key in snake_case, the first table winning, and falls back for others", () => {
    const shared = "log in first";
    const code = answerCodes<string>(
      [
        { not_joined: shared, name_taken: "name in use" },
        { notLoggedIn: shared, tooManyFailedLogins: "slow down" },
      ],
      () => "malformed",
    );
    assert.equal(code(shared), "not_joined");
    assert.equal(code("name in use"), "name_taken");
    assert.equal(code("slow down"), "too_many_failed_logins");
    assert.equal(code("bad frame: length 9"), "malformed");
  });

  it("matches object answers by identity, so equal-looking answers of different entries stay apart", () => {
    const tooLarge = [6, "file too large"] as const;
    const exists = [6, "file exists"] as const;
    const code = answerCodes<readonly [number, string]>([{ tooLarge, exists }], () => "other");
    assert.equal(code(tooLarge), "too_large");
    assert.equal(code(exists), "exists");
    assert.equal(code([6, "file too large"]), "other");
  });
});
