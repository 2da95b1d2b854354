/**
 * The repository stands on its own: every place in the code that cites the docs
 * (`docs/wire.md#limits`, `docs/bcs.md "Presence"`, `README "Unresponsive clients"`) and
 * every link between the Markdown files leads to a heading that exists. A heading renamed
 * in the docs, or a citation mistyped in a comment, fails here with the file and line.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Where code (and its comments) lives; dist and node_modules are not ours to check. */
const CODE_DIRS = ["src", "test", "scripts", "bench"];
const CODE_FILE = /\.(ts|mts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", "results"]);

/** The Markdown files whose links are checked. */
const MARKDOWN_FILES = ["README.md", "contrib/README.md", "bench/README.md"];

/** `docs/wire.md#limits`, `README.md#signals` */
const ANCHOR_CITATION = /\b((?:docs|bench|contrib)\/[\w.-]+\.md|README\.md)#([\w-]+)/g;
/** `docs/bcs.md "Presence"`, `bench/README.md "Calibration"`, `README "Unresponsive clients"` */
const HEADING_CITATION = /\b((?:docs|bench|contrib)\/[\w.-]+\.md|README(?:\.md)?),? "([^"\n]+)"/g;
/** This file: its examples of broken citations are not citations. */
const THIS_FILE = "test/docs/doc-links.test.ts";
/** `[text](target)` in Markdown; the target may carry a `#anchor`. */
const MARKDOWN_LINK = /\]\(([^)\s]+)\)/g;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

interface MarkdownFile {
  /** Every anchor a link may name: each heading's slug (repeats numbered), and `id="..."`. */
  readonly anchors: ReadonlySet<string>;
  /** Each heading's text, for citations by name. */
  readonly headings: readonly string[];
}

function parseMarkdown(text: string): MarkdownFile {
  const anchors = new Set<string>();
  const headings: string[] = [];
  const repeats = new Map<string, number>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const words = heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1"); // a link shows its text
      headings.push(words.replace(/`/g, ""));
      const base = slug(words);
      const n = repeats.get(base) ?? 0;
      repeats.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const id of line.matchAll(/\bid="([^"]+)"/g)) anchors.add(id[1]!);
  }
  return { anchors, headings };
}

/** The Markdown files of the repository, read once each. */
class Docs {
  private readonly files = new Map<string, MarkdownFile | undefined>();

  constructor(private readonly root: string) {}

  /** `path` relative to the root, or undefined when there is no such file. */
  get(path: string): MarkdownFile | undefined {
    if (!this.files.has(path)) {
      const full = join(this.root, path);
      this.files.set(path, existsSync(full) ? parseMarkdown(readFileSync(full, "utf8")) : undefined);
    }
    return this.files.get(path);
  }
}

/** What is wrong with the citations in one source file's text, one line per problem. */
function citationProblems(docs: Docs, file: string, text: string): string[] {
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    for (const [cited, path, anchor] of line.matchAll(ANCHOR_CITATION)) {
      const doc = docs.get(path!);
      if (doc === undefined) problems.push(`${where}: ${cited}: no file ${path}`);
      else if (!doc.anchors.has(anchor!)) problems.push(`${where}: ${cited}: no heading #${anchor} in ${path}`);
    }
    for (const [cited, name, title] of line.matchAll(HEADING_CITATION)) {
      const path = name!.startsWith("README") ? "README.md" : name!;
      const doc = docs.get(path);
      if (doc === undefined) problems.push(`${where}: ${cited}: no file ${path}`);
      else if (!doc.headings.some((h) => h.startsWith(title!))) problems.push(`${where}: ${cited}: no heading "${title}" in ${path}`);
    }
  });
  return problems;
}

/** What is wrong with the relative links of one Markdown file (`path` from the root). */
function linkProblems(docs: Docs, path: string, text: string): string[] {
  const problems: string[] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return;
    for (const [, target] of line.matchAll(MARKDOWN_LINK)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto: ...
      const [file, anchor] = target!.split("#", 2) as [string, string | undefined];
      const linked = file === "" ? path : relative(ROOT, resolve(ROOT, dirname(path), file));
      const where = `${path}:${i + 1}: (${target})`;
      if (!existsSync(join(ROOT, linked))) {
        problems.push(`${where}: no file ${linked}`);
        continue;
      }
      if (anchor === undefined || !linked.endsWith(".md")) continue;
      if (!docs.get(linked)!.anchors.has(anchor)) problems.push(`${where}: no heading #${anchor} in ${linked}`);
    }
  });
  return problems;
}

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...codeFiles(path));
    } else if (CODE_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

describe("links and citations of the docs", () => {
  const docs = new Docs(ROOT);

  it("makes GitHub's anchors from headings", () => {
    const md = parseMarkdown(
      ["# Top", "## The user list (43)", "## Client (`bcs_client`)", "### Limits", "```", "## not a heading", "```", "## Limits", '<a id="custom"></a>'].join("\n"),
    );
    assert.deepEqual([...md.anchors], ["top", "the-user-list-43", "client-bcs_client", "limits", "limits-1", "custom"]);
    assert.deepEqual(md.headings, ["Top", "The user list (43)", "Client (bcs_client)", "Limits", "Limits"]);
    assert.equal(slug("Version 0 (the original's numbering)"), "version-0-the-originals-numbering");
  });

  it("reports a citation of a missing file, anchor or heading", () => {
    const text = [
      "// fine: docs/wire.md#limits, docs/bcs.md \"Presence\", bench/README.md \"Calibration\", README \"Unresponsive clients\"",
      "// (docs/wire.md#no-such-rule)",
      '// docs/nothing.md#x and docs/udp.md "Floods"',
      "// a placeholder is not a citation: docs/<dialect>.md \"Shutdown\"",
    ].join("\n");
    assert.deepEqual(citationProblems(docs, "x.ts", text), [
      "x.ts:2: docs/wire.md#no-such-rule: no heading #no-such-rule in docs/wire.md",
      "x.ts:3: docs/nothing.md#x: no file docs/nothing.md",
      'x.ts:3: docs/udp.md "Floods": no heading "Floods" in docs/udp.md',
    ]);
  });

  it("every docs/ citation in the code leads to a heading that exists", () => {
    const files = CODE_DIRS.filter((d) => existsSync(join(ROOT, d)))
      .flatMap(codeFiles)
      .filter((f) => f !== THIS_FILE);
    assert.ok(files.length > 100, `found the sources (${files.length} files)`);
    const problems = files.flatMap((f) => citationProblems(docs, f, read(f)));
    assert.deepEqual(problems, []);
  });

  it("every link between the Markdown files leads to a file and heading that exist", () => {
    const files = [...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`), ...MARKDOWN_FILES];
    const problems = files.filter((f) => existsSync(join(ROOT, f))).flatMap((f) => linkProblems(docs, f, read(f)));
    assert.deepEqual(problems, []);
  });

  it("src/ cites no file outside the repository (the rules of WIRE.md are in docs/wire.md)", () => {
    const cites = codeFiles("src").flatMap((f) =>
      read(f)
        .split("\n")
        .flatMap((line, i) => (/\bWIRE\.md\b/.test(line) ? [`${f}:${i + 1}`] : [])),
    );
    assert.deepEqual(cites, []);
  });
});
