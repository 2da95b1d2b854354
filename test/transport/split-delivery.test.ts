/**
 * Split deliveries (src/transport/split-delivery.ts): a direct message sent inside
 * deliverSplit is seen as split by its recipient's deliver, which the hub calls inside
 * hub.direct; nothing else is.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import type { Member } from "../../src/core/ports.js";
import { deliverSplit, isSplitDelivery } from "../../src/transport/split-delivery.js";

class Recorder implements Member {
  readonly dialect = "test";
  readonly got: [string, boolean][] = [];
  constructor(readonly name: string) {}
  deliver(event: HubEvent): boolean {
    if (event.kind === "direct" || event.kind === "lobby") this.got.push([event.text, isSplitDelivery()]);
    return true;
  }
  disconnect(_reason: DisconnectReason): void {}
}

describe("split deliveries", () => {
  it("marks the direct message sent inside deliverSplit, and only it", () => {
    const hub = new Hub();
    const bot = new Recorder("delaybot");
    const ann = new Recorder("ann");
    hub.join(bot, "delaybot");
    hub.join(ann, "ann");
    assert.equal(deliverSplit(() => hub.direct(bot, "ann", "first")), "ok", "hub.direct's answer is passed back");
    hub.direct(bot, "ann", "second");
    hub.lobby(bot, "everyone");
    assert.deepEqual(ann.got, [
      ["first", true],
      ["second", false],
      ["everyone", false],
    ]);
  });

  it("ends with the call, also when it throws, and nests", () => {
    assert.equal(isSplitDelivery(), false);
    assert.throws(() =>
      deliverSplit(() => {
        throw new Error("x");
      }),
    );
    assert.equal(isSplitDelivery(), false);
    deliverSplit(() => {
      deliverSplit(() => undefined);
      assert.equal(isSplitDelivery(), true, "still inside the outer call");
    });
    assert.equal(isSplitDelivery(), false);
  });
});
