/** The shared limit flags (src/cli/limit-options.ts) and how udp takes the shared message rate. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { addLimitOptions, limitsFrom } from "../../src/cli/limit-options.js";
import { udpOptionsFrom } from "../../src/cli/commands/udp.js";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { DEFAULT_UDP_OPTIONS } from "../../src/protocols/udp/index.js";

function parse(args: string[]) {
  const cmd = addLimitOptions(new Command("x").exitOverride());
  cmd.parse(args, { from: "user" });
  return cmd.opts();
}

describe("limit flags", () => {
  it("default to DEFAULT_LIMITS", () => {
    assert.deepEqual(limitsFrom(parse([])), DEFAULT_LIMITS);
  });

  it("parse the abuse limits", () => {
    const l = limitsFrom(
      parse([
        "--msg-rate", "5", "--msg-burst", "7", "--max-connections-per-ip", "3", "--login-failures", "4",
        "--login-failure-window", "30s", "--upload-bytes-per-hour", "10MB", "--uploads-per-minute", "6", "--mailbox-limit", "9",
      ]),
    );
    assert.deepEqual(
      [l.msgRate, l.msgBurst, l.maxConnectionsPerAddress, l.loginFailures, l.loginFailureWindowMs, l.uploadBytesPerHour, l.uploadsPerMinute, l.mailboxLimit],
      [5, 7, 3, 4, 30_000, 10 * 1024 * 1024, 6, 9],
    );
  });

  it("take 0 as no limit, and refuse a burst of 0 with a rate", () => {
    const l = limitsFrom(parse(["--msg-rate", "0", "--msg-burst", "0", "--upload-bytes-per-hour", "0", "--mailbox-limit", "0"]));
    assert.deepEqual([l.msgRate, l.uploadBytesPerHour, l.mailboxLimit], [0, 0, 0]);
    assert.throws(() => limitsFrom(parse(["--msg-burst", "0"])), /--msg-burst must be at least 1/);
  });
});

describe("udp's rate and the shared message rate", () => {
  it("keeps udp's own default (10/s, burst 20) when neither is given", () => {
    assert.deepEqual(udpOptionsFrom({}).rate, DEFAULT_UDP_OPTIONS.rate);
  });

  it("takes --msg-rate/--msg-burst when given, and its own --rate/--burst over them", () => {
    const shared = parse(["--msg-rate", "30", "--msg-burst", "60"]);
    assert.deepEqual(udpOptionsFrom(shared).rate, { perSecond: 30, burst: 60 });
    assert.deepEqual(udpOptionsFrom({ ...shared, rate: 3 }).rate, { perSecond: 3, burst: 60 });
    assert.deepEqual(udpOptionsFrom({ ...shared, rate: 3, burst: 4 }).rate, { perSecond: 3, burst: 4 });
  });
});
