import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateHistory } from "../../src/admin/rate-history.js";

describe("RateHistory", () => {
  it("keeps what each step added, oldest first, and forgets beyond its length", () => {
    const totals = { in: 10, out: 100 };
    const h = new RateHistory(() => ({ ...totals }), 1000, 3);
    assert.deepEqual(h.series(), { stepSeconds: 1, window: 3, in: [], out: [] }, "nothing before the first step");
    for (const [i, o] of [
      [1, 2],
      [0, 0],
      [5, 7],
      [2, 3],
    ]) {
      totals.in += i!;
      totals.out += o!;
      h.sample();
    }
    assert.deepEqual(h.series(), { stepSeconds: 1, window: 3, in: [0, 5, 2], out: [0, 7, 3] });
  });

  it("never shows a negative rate when a total is taken back", () => {
    let out = 5;
    const h = new RateHistory(() => ({ in: 0, out }), 1000, 4);
    out = 4;
    h.sample();
    assert.deepEqual(h.series().out, [0]);
  });

  it("samples on its own timer once started, and stops", async () => {
    let n = 0;
    const h = new RateHistory(() => ({ in: ++n, out: 0 }), 20, 100);
    h.start();
    await new Promise((r) => setTimeout(r, 150));
    h.stop();
    const taken = h.series().in.length;
    assert.ok(taken >= 2, `sampled ${taken} times`);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(h.series().in.length, taken, "no sample after stop");
  });
});
