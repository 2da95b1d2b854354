import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { USAGE, parseLine } from "../../src/clients/cs262/commands.js";

describe("cs262 client commands", () => {
  it("reads each command with its arguments, case-insensitively", () => {
    assert.deepEqual(parseLine("create alice"), { kind: "create", name: "alice", password: undefined });
    assert.deepEqual(parseLine("  CREATE alice s3cret "), { kind: "create", name: "alice", password: "s3cret" });
    assert.deepEqual(parseLine("login bob pw"), { kind: "login", name: "bob", password: "pw" });
    assert.deepEqual(parseLine("list"), { kind: "list", pattern: undefined });
    assert.deepEqual(parseLine("list *b*"), { kind: "list", pattern: "*b*" });
    assert.deepEqual(parseLine("deliver"), { kind: "deliver" });
    assert.deepEqual(parseLine("Delete"), { kind: "delete" });
    assert.deepEqual(parseLine("quit"), { kind: "quit" });
    assert.deepEqual(parseLine("help"), { kind: "help" });
    assert.deepEqual(parseLine("   "), { kind: "empty" });
  });

  it("keeps a message's own spacing and bars after the recipient", () => {
    assert.deepEqual(parseLine("send bob hello   there |||x"), { kind: "send", to: "bob", text: "hello   there |||x" });
  });

  it("explains the usage of a command with the wrong arguments, and unknown commands", () => {
    assert.deepEqual(parseLine("create"), { kind: "invalid", message: USAGE.create });
    assert.deepEqual(parseLine("login a b c"), { kind: "invalid", message: USAGE.login });
    assert.deepEqual(parseLine("list a b"), { kind: "invalid", message: USAGE.list });
    assert.deepEqual(parseLine("send bob"), { kind: "invalid", message: USAGE.send });
    assert.deepEqual(parseLine("deliver now"), { kind: "invalid", message: USAGE.deliver });
    assert.deepEqual(parseLine("dance"), { kind: "invalid", message: "unknown command dance (try help)" });
  });
});
