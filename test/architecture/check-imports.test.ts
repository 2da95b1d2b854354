/** The import-rule checker on made-up graphs and rules, apart from the real tree and table. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  breaksRule,
  compareWithKnown,
  describeViolation,
  folderOf,
  intoAnotherSubfolder,
  layerRule,
  matches,
  pairOf,
  unplacedFolders,
  violations,
  type ImportEdge,
  type Rule,
} from "./check-imports.js";

const edge = (from: string, to: string, typeOnly = false, line = 3): ImportEdge => ({ from, to, specifier: `./${to.split("/").pop()}`, typeOnly, line });

/** A three-layer toy: top imports mid and low, mid imports low, a and b share the top. */
const LAYERS = [["a", "b"], ["mid"], ["low"]];
const layers = layerRule(LAYERS, "layers", "downward only");

describe("patterns", () => {
  it("match the whole name; * stays within a segment, ** crosses segments", () => {
    assert.equal(matches("src/p/lab/codec.ts", "src/p/*/codec.ts"), true);
    assert.equal(matches("src/p/lab/x/codec.ts", "src/p/*/codec.ts"), false);
    assert.equal(matches("src/p/lab/x/codec.ts", "src/p/**/codec.ts"), true);
    assert.equal(matches("src/p/render-text.ts", "src/p/render*.ts"), true);
    assert.equal(matches("src/p/lab/codec.ts.bak", "src/p/*/codec.ts"), false, "anchored at the end");
    assert.equal(matches("xsrc/core/a.ts", "src/core/**"), false, "anchored at the start");
    assert.equal(matches("src/core/a.ts", "src/core/**"), true);
    assert.equal(matches("src/coreX/a.ts", "src/core/**"), false);
    assert.equal(matches("src/a.ts", "src/a.ts"), true);
    assert.equal(matches("src/aXts", "src/a.ts"), false, "a dot is a dot");
    assert.equal(matches("node:net", (m) => m.startsWith("node:")), true);
  });
});

describe("the layer rule", () => {
  it("lets a folder import itself and any lower layer", () => {
    assert.equal(breaksRule(edge("src/a/x.ts", "src/a/y.ts"), layers), false);
    assert.equal(breaksRule(edge("src/a/x.ts", "src/mid/y.ts"), layers), false);
    assert.equal(breaksRule(edge("src/a/x.ts", "src/low/y.ts"), layers), false, "skipping a layer is fine");
    assert.equal(breaksRule(edge("src/mid/deep/x.ts", "src/low/y.ts"), layers), false);
  });

  it("refuses an import up, and one across to another folder of the same layer", () => {
    assert.equal(breaksRule(edge("src/low/x.ts", "src/mid/y.ts"), layers), true);
    assert.equal(breaksRule(edge("src/low/x.ts", "src/a/y.ts", true), layers), true, "types count");
    assert.equal(breaksRule(edge("src/a/x.ts", "src/b/y.ts"), layers), true);
  });

  it("leaves built-ins, packages and unplaced folders to other checks", () => {
    assert.equal(breaksRule(edge("src/low/x.ts", "node:net"), layers), false);
    assert.equal(breaksRule(edge("src/low/x.ts", "pino"), layers), false);
    assert.equal(breaksRule(edge("src/low/x.ts", "src/nowhere/y.ts"), layers), false);
    assert.deepEqual(unplacedFolders(["src/a/x.ts", "src/nowhere/y.ts", "src/top.ts", "src/low/z.ts"], LAYERS), ["nowhere", "top.ts"]);
  });

  it("says which layers the two folders are in", () => {
    assert.equal(layers.explain!(edge("src/low/x.ts", "src/a/y.ts")), "low is in layer 3 of 3 [low]; a is in layer 1 of 3 [a, b]");
  });

  it("puts a file directly in src/ in a folder of its own name", () => {
    assert.equal(folderOf("src/version.ts"), "version.ts");
    assert.equal(folderOf("src/store/sqlite/x.ts"), "store");
    assert.equal(folderOf("package.json"), undefined);
    assert.equal(folderOf("node:fs"), undefined);
  });
});

describe("allow-lists, deny-lists and exceptions", () => {
  const only: Rule = { name: "only", why: "w", from: ["src/low/**"], onlyTo: ["src/low/**", "node:buffer"] };
  const not: Rule = { name: "not", why: "w", from: ["src/a/**"], notTo: ["src/mid/secret.ts", "node:fs"], unless: (e) => e.typeOnly && e.to === "src/mid/secret.ts" };

  it("constrain only the files they are from", () => {
    assert.equal(breaksRule(edge("src/mid/x.ts", "node:fs"), only), false);
    assert.equal(breaksRule(edge("src/b/x.ts", "node:fs"), not), false);
  });

  it("an allow-list refuses everything it does not name", () => {
    assert.equal(breaksRule(edge("src/low/x.ts", "src/low/y.ts"), only), false);
    assert.equal(breaksRule(edge("src/low/x.ts", "node:buffer"), only), false);
    assert.equal(breaksRule(edge("src/low/x.ts", "node:net"), only), true);
    assert.equal(breaksRule(edge("src/low/x.ts", "zod"), only), true);
  });

  it("a deny-list refuses what it names, except what the rule lets through", () => {
    assert.equal(breaksRule(edge("src/a/x.ts", "node:fs"), not), true);
    assert.equal(breaksRule(edge("src/a/x.ts", "src/mid/secret.ts"), not), true);
    assert.equal(breaksRule(edge("src/a/x.ts", "src/mid/secret.ts", true), not), false, "the type-only exception");
    assert.equal(breaksRule(edge("src/a/x.ts", "src/mid/open.ts"), not), false);
  });

  it("sub-folders kept apart, with an optional shared one that may be imported but imports none", () => {
    const apart = intoAnotherSubfolder("src/p", "shared");
    assert.equal(apart(edge("src/p/lab/x.ts", "src/p/bcs/y.ts")), true);
    assert.equal(apart(edge("src/p/lab/x.ts", "src/p/lab/deep/y.ts")), false);
    assert.equal(apart(edge("src/p/lab/x.ts", "src/p/common.ts")), false, "a file directly in the root is shared");
    assert.equal(apart(edge("src/p/common.ts", "src/p/lab/x.ts")), false);
    assert.equal(apart(edge("src/p/lab/x.ts", "src/p/shared/y.ts")), false);
    assert.equal(apart(edge("src/p/shared/y.ts", "src/p/lab/x.ts")), true);
    assert.equal(apart(edge("src/q/lab/x.ts", "src/p/bcs/y.ts")), false, "outside the root");
  });
});

describe("checking a graph", () => {
  const rules: Rule[] = [layers, { name: "no fs", why: "low does no I/O", from: ["src/low/**"], notTo: ["node:fs"] }];
  const graph = [
    edge("src/a/x.ts", "src/mid/m.ts"),
    edge("src/mid/m.ts", "src/a/x.ts", true, 7), // up
    edge("src/low/l.ts", "node:fs", false, 2), // I/O
    edge("src/low/l.ts", "src/a/x.ts", false, 4), // up
    edge("src/low/l.ts", "src/low/k.ts"),
  ];

  it("finds every import breaking a rule, with every rule it breaks", () => {
    const found = violations(graph, rules);
    assert.deepEqual(
      found.map((v) => [pairOf(v), v.rules.map((r) => r.name)]),
      [
        ["src/mid/m.ts -> src/a/x.ts", ["layers"]],
        ["src/low/l.ts -> node:fs", ["no fs"]],
        ["src/low/l.ts -> src/a/x.ts", ["layers"]],
      ],
    );
  });

  it("names the file and line, the import as written, what it resolved to, the rule and why", () => {
    const [up] = violations([edge("src/mid/m.ts", "src/a/x.ts", true, 7)], rules);
    assert.equal(
      describeViolation(up!),
      'src/mid/m.ts:7 imports "./x.ts" (src/a/x.ts, type only)\n  breaks "layers": downward only (mid is in layer 2 of 3 [mid]; a is in layer 1 of 3 [a, b])',
    );
  });

  it("against a known list: new breaks are unexpected, fixed ones are gone, known ones are neither", () => {
    const found = violations(graph, rules);
    const { unexpected, gone } = compareWithKnown(found, ["src/low/l.ts -> node:fs", "src/mid/m.ts -> src/a/x.ts", "src/b/fixed.ts -> src/a/x.ts"]);
    assert.deepEqual(unexpected.map(pairOf), ["src/low/l.ts -> src/a/x.ts"]);
    assert.deepEqual(gone, ["src/b/fixed.ts -> src/a/x.ts"]);
    assert.deepEqual(compareWithKnown(found, found.map(pairOf)), { unexpected: [], gone: [] });
    assert.deepEqual(compareWithKnown([], []), { unexpected: [], gone: [] });
  });

  it("counts a pair imported twice by one file (a type and a value) as one known entry", () => {
    const twice = violations([edge("src/low/l.ts", "src/a/x.ts", true, 1), edge("src/low/l.ts", "src/a/x.ts", false, 2)], rules);
    assert.equal(twice.length, 2);
    assert.deepEqual(compareWithKnown(twice, ["src/low/l.ts -> src/a/x.ts"]), { unexpected: [], gone: [] });
  });
});
