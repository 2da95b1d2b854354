/** Upload allowances per bcs user: bytes per hour and uploads per minute. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UploadQuota } from "../../src/files/upload-quota.js";

describe("upload quota", () => {
  it("charges bytes against the hour's allowance, per user, whatever the case of the name", () => {
    const q = new UploadQuota({ uploadBytesPerHour: 3600, uploadsPerMinute: 0 });
    assert.equal(q.charge("Alice", 3000, 0), "ok");
    assert.equal(q.charge("alice", 1000, 0), "later");
    assert.equal(q.charge("bob", 1000, 0), "ok");
    assert.equal(q.charge("ALICE", 1000, 400_000), "ok", "400 s at 1 byte a second");
    assert.equal(q.charge("alice", 3601, 10_000_000), "never", "more than an hour's allowance");
  });

  it("charges starts against the minute's allowance, and a refusal charges nothing", () => {
    const q = new UploadQuota({ uploadBytesPerHour: 1000, uploadsPerMinute: 2 });
    assert.equal(q.charge("a", 100, 0), "ok");
    assert.equal(q.charge("a", 100, 0), "ok");
    assert.equal(q.charge("a", 100, 0), "later", "a third start in the minute");
    assert.equal(q.charge("a", 800, 30_000), "ok", "one start back after 30 s; the 800 bytes were not charged by the refusal");
  });

  it("is off at 0", () => {
    const q = new UploadQuota({ uploadBytesPerHour: 0, uploadsPerMinute: 0 });
    for (let i = 0; i < 100; i++) assert.equal(q.charge("a", 1e12, 0), "ok");
  });
});
