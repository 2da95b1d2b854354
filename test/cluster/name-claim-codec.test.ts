/** The names bucket's claim values (src/cluster/name-claim-codec.ts): bytes in, holders out. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeClaim, encodeClaim } from "../../src/cluster/name-claim-codec.js";

describe("claim values", () => {
  it("carry the display name, dialect and node, in a few bytes", () => {
    const bytes = encodeClaim({ name: "Zoë.x", dialect: "cs262", node: "node-1" });
    assert.deepEqual([...bytes.subarray(0, 2)], [1, 6], "format 1, then the node's length");
    assert.equal(bytes.length, 3 + 6 + 5 + Buffer.byteLength("Zoë.x"));
    assert.deepEqual(decodeClaim(bytes), { name: "Zoë.x", dialect: "cs262", node: "node-1" });
  });

  it("are read from a view into a larger buffer without copying the rest", () => {
    const inner = encodeClaim({ name: "Bob", dialect: "lab", node: "A" });
    const outer = Buffer.concat([Buffer.from("junk"), inner, Buffer.from("more")]);
    assert.deepEqual(decodeClaim(outer.subarray(4, 4 + inner.length)), { name: "Bob", dialect: "lab", node: "A" });
  });

  it("that this code did not write are refused, not misread", () => {
    for (const bad of [
      new Uint8Array(0),
      Buffer.from([1]),
      Buffer.from([2, 1, 65, 3, 108, 97, 98, 66]), // another format
      Buffer.from([1, 9, 65]), // the node runs past the end
      Buffer.from([1, 1, 65, 9, 108]), // the dialect runs past the end
      Buffer.from([1, 1, 65, 3, 108, 97, 98]), // no name
      Buffer.from('{"name":"x"}'),
    ]) {
      assert.equal(decodeClaim(bad), undefined, `[${[...bad].join(",")}]`);
    }
  });

  it("refuse a node or dialect name longer than one length byte", () => {
    assert.throws(() => encodeClaim({ name: "x", dialect: "lab", node: "n".repeat(256) }), /over 255 bytes/);
  });
});
