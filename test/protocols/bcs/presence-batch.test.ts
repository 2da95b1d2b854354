/**
 * Coalesced presence notices (docs/bcs.md "Presence"): the text of a batch, and joins and
 * leaves of one name that cancel out while they wait.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BcsCodec } from "../../../src/protocols/bcs/codec.js";
import { PresenceBatch } from "../../../src/protocols/bcs/presence-batch.js";

function text(batch: PresenceBatch): string {
  const d = new BcsCodec(1 << 16).decode(batch.render(), 0);
  assert.equal(d.kind, "frame");
  const frame = (d as { frame: { from: string; message: string } }).frame;
  assert.equal(frame.from, "server");
  return frame.message;
}

function batchOf(...events: string[]): PresenceBatch {
  const b = new PresenceBatch();
  for (const e of events) (e.startsWith("+") ? b.join(e.slice(1)) : b.leave(e.slice(1)));
  return b;
}

describe("bcs presence batch", () => {
  it("reads as the unbatched notice for one name", () => {
    assert.equal(text(batchOf("+ann")), "ann has connected");
    assert.equal(text(batchOf("-ann")), "ann has disconnected");
  });

  it("names two and counts the rest", () => {
    assert.equal(text(batchOf("+ann", "+bob")), "ann and bob have connected");
    assert.equal(text(batchOf("+ann", "+bob", "+cy")), "ann, bob and 1 other have connected");
    assert.equal(text(batchOf("+a", "+b", "+c", "+d", "+e")), "a, b and 3 others have connected");
    assert.equal(text(batchOf("+ann", "-bob", "-cy")), "ann has connected; bob and cy have disconnected");
  });

  it("cancels a join and a leave of one name while they wait, in either order", () => {
    assert.equal(batchOf("+ann", "-ann").empty, true);
    assert.equal(batchOf("-ann", "+ann").empty, true);
    assert.equal(text(batchOf("+ann", "+bob", "-ann")), "bob has connected");
  });

  it("keeps a bounded number of names and counts the others", () => {
    const b = new PresenceBatch();
    for (let i = 0; i < 10_000; i++) b.join(`u${i}`);
    assert.equal(text(b), "u0, u1 and 9998 others have connected");
    // A name counted, not kept, cannot be cancelled: its leave is told.
    b.leave("u9999");
    assert.equal(text(b), "u0, u1 and 9998 others have connected; u9999 has disconnected");
  });
});
