/** What the udp client makes of typed lines (src/clients/udp/commands.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLine } from "../../src/clients/udp/commands.js";

describe("udp client lines", () => {
  it("sends ordinary lines to everyone, unchanged", () => {
    assert.deepEqual(parseLine("hello  there "), { kind: "public", text: "hello  there " });
    assert.deepEqual(parseLine("//msg not a command"), { kind: "public", text: "/msg not a command" });
  });

  it("reads /msg <user> <text> with the text's inner spaces kept", () => {
    assert.deepEqual(parseLine("/msg bob hi  there"), { kind: "private", to: "bob", text: "hi  there" });
    assert.deepEqual(parseLine("/msg   bob   hi"), { kind: "private", to: "bob", text: "hi" });
  });

  it("refuses /msg without a text", () => {
    for (const line of ["/msg", "/msg bob", "/msg bob   "]) assert.equal(parseLine(line).kind, "invalid", line);
  });

  it("knows /list, /info, /quit and /help, without arguments", () => {
    for (const c of ["list", "info", "quit", "help"] as const) {
      assert.deepEqual(parseLine(`/${c}`), { kind: c });
      assert.deepEqual(parseLine(`/${c} `), { kind: c });
      assert.deepEqual(parseLine(` /${c}`), { kind: "public", text: ` /${c}` }, "a leading space makes it a message");
      assert.equal(parseLine(`/${c} extra`).kind, "invalid");
    }
  });

  it("refuses unknown commands and ignores blank lines", () => {
    assert.equal(parseLine("/frobnicate").kind, "invalid");
    assert.deepEqual(parseLine("   "), { kind: "empty" });
  });
});
