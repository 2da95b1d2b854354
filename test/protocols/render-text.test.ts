import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { asciiOnly, singleLine } from "../../src/protocols/render-text.js";

describe("text rendering for dialects (docs/wire.md#text)", () => {
  it("replaces each non-ASCII code point with one ?", () => {
    assert.equal(asciiOnly("héllo wörld"), "h?llo w?rld");
    assert.equal(asciiOnly("emoji 😀!"), "emoji ?!"); // one code point, two UTF-16 units
    assert.equal(asciiOnly("plain ascii ~"), "plain ascii ~");
  });

  it("replaces line breaks with spaces for newline-framed dialects", () => {
    assert.equal(singleLine("a\nb\r\nc"), "a b  c");
    assert.equal(singleLine("no breaks"), "no breaks");
  });
});
