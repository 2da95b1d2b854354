/**
 * kv-calls.ts's untilCreated: which failures of a bucket's create are a race with another
 * node creating it (asked again) and which are answers (thrown at once). The race itself
 * is rare on a real server (object-file-store.test.ts opens one store from six nodes at
 * once, ten times); the rule is checked here with the library's own error values.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { untilCreated } from "../../src/cluster/kv-calls.js";

const apiError = (err_code: number, description: string): JetStreamApiError => new JetStreamApiError({ code: 400, err_code, description });

/** A create that fails with `failures` in turn, then answers "bucket". */
function creates(...failures: Error[]): { create: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    create: async () => {
      const failure = failures[calls++];
      if (failure !== undefined) throw failure;
      return "bucket";
    },
    calls: () => calls,
  };
}

describe("untilCreated", () => {
  it("asks again after another node's create overlapped (10065) or went unanswered", async () => {
    const overlap = creates(apiError(10065, "subjects overlap with an existing stream"));
    assert.equal(await untilCreated(overlap.create), "bucket");
    assert.equal(overlap.calls(), 2);

    const silent = creates(new errors.TimeoutError(), apiError(10065, "subjects overlap with an existing stream"));
    assert.equal(await untilCreated(silent.create), "bucket");
    assert.equal(silent.calls(), 3);
  });

  it("throws any other answer at once: a stream of another configuration is no race", async () => {
    const other = creates(apiError(10058, "stream name already in use with a different configuration"));
    await assert.rejects(untilCreated(other.create), /different configuration/);
    assert.equal(other.calls(), 1);
  });

  it("gives up after its attempts", async () => {
    const overlap = apiError(10065, "subjects overlap with an existing stream");
    const always = creates(overlap, overlap, overlap);
    await assert.rejects(untilCreated(always.create), /subjects overlap/);
    assert.equal(always.calls(), 3);
  });
});
