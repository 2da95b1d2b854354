/** Reading the import graph: every way a module names another, and where each points. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { importsOf, readImportGraph, resolveImport } from "./import-graph.js";

describe("the imports in a file's text", () => {
  it("finds static, re-exported, dynamic, type-position and require imports (not a relative require: a data file beside dist/), and which are types only", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'import { type C, type D } from "./c.js";',
      'import { type E, f } from "./e.js";',
      'import g, { type H } from "./g.js";',
      'import * as ns from "./ns.js";',
      'import "./effects.js";',
      'export { x } from "./x.js";',
      'export type { Y } from "./y.js";',
      'export { type Z } from "./z.js";',
      'export * from "./all.js";',
      "const later = await import('./later.js');",
      "let t: import(\"./typed.js\").T;",
      'import old = require("./old.js");',
      'const pkg = require("../package.json");',
      'const sqlite = require("better-sqlite3");',
      "const computed = await import(name);",
      "// import { no } from \"./comment.js\";",
      'const s = "import { no } from \\"./string.js\\"";',
    ].join("\n");
    assert.deepEqual(
      importsOf("src/m.ts", text).map((i) => [i.specifier, i.typeOnly, i.line]),
      [
        ["./a.js", false, 1],
        ["./b.js", true, 2],
        ["./c.js", true, 3],
        ["./e.js", false, 4],
        ["./g.js", false, 5],
        ["./ns.js", false, 6],
        ["./effects.js", false, 7],
        ["./x.js", false, 8],
        ["./y.js", true, 9],
        ["./z.js", true, 10],
        ["./all.js", false, 11],
        ["./later.js", false, 12],
        ["./typed.js", true, 13],
        ["./old.js", false, 14],
        ["better-sqlite3", false, 16],
        [undefined, false, 17],
      ],
    );
  });
});

describe("resolving an import", () => {
  const files = new Set(["src/core/hub.ts", "src/protocols/lab/index.ts", "src/protocols/lab/codec.ts", "package.json"]);
  const isFile = (p: string) => files.has(p);

  it("maps a relative .js to its .ts, a folder to its index.ts, and keeps other files as they are", () => {
    assert.equal(resolveImport("src/protocols/lab/session.ts", "../../core/hub.js", isFile), "src/core/hub.ts");
    assert.equal(resolveImport("src/protocols/lab/session.ts", "./codec.js", isFile), "src/protocols/lab/codec.ts");
    assert.equal(resolveImport("src/app/x.ts", "../protocols/lab", isFile), "src/protocols/lab/index.ts");
    assert.equal(resolveImport("src/app/x.ts", "../protocols/lab/codec", isFile), "src/protocols/lab/codec.ts");
    assert.equal(resolveImport("src/version.ts", "../package.json", isFile), "package.json");
    assert.equal(resolveImport("src/app/x.ts", "./missing.js", isFile), undefined);
  });

  it("names built-ins node:<name>, with or without the prefix, and packages by their name", () => {
    assert.equal(resolveImport("src/a.ts", "node:fs/promises", isFile), "node:fs/promises");
    assert.equal(resolveImport("src/a.ts", "net", isFile), "node:net");
    assert.equal(resolveImport("src/a.ts", "fs/promises", isFile), "node:fs/promises");
    assert.equal(resolveImport("src/a.ts", "pino", isFile), "pino");
    assert.equal(resolveImport("src/a.ts", "prom-client/lib/x", isFile), "prom-client");
    assert.equal(resolveImport("src/a.ts", "@types/node/fs", isFile), "@types/node");
  });
});

describe("the graph of a folder", () => {
  const root = mkdtempSync(join(tmpdir(), "sb-import-graph-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write("src/core/hub.ts", 'import type { P } from "./ports.js";\nexport const hub = 1;\n');
  write("src/core/ports.ts", "export interface P {}\n");
  write("src/core/types.d.ts", 'import "../nowhere.js";\n');
  write("src/app/main.ts", 'import { hub } from "../core/hub.js";\nimport { readFileSync } from "fs";\nimport "../gone.js";\nawait import(String(hub));\n');
  write("src/notes.md", 'import "./x.js"\n');

  it("lists the .ts files (not .d.ts), resolves every import, and reports what it cannot place", () => {
    const graph = readImportGraph(root);
    assert.deepEqual(graph.files, ["src/app/main.ts", "src/core/hub.ts", "src/core/ports.ts"]);
    assert.deepEqual(
      graph.edges.map((e) => `${e.from}:${e.line} -> ${e.to}${e.typeOnly ? " (type)" : ""}`),
      ["src/app/main.ts:1 -> src/core/hub.ts", "src/app/main.ts:2 -> node:fs", "src/core/hub.ts:1 -> src/core/ports.ts (type)"],
    );
    assert.deepEqual(graph.unresolved, ['src/app/main.ts:3 imports "../gone.js", which names no file', "src/app/main.ts:4 imports a computed name"]);
  });
});
