/**
 * docs/check.md lists every case of every dialect's suites (issue 19: "the list of
 * cases"), under `## <dialect>` in `### Server cases` and `### Client cases`, and lists
 * nothing that is not a case.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DIALECTS, SUITES } from "../../src/check/suites/index.js";
import { REPO_ROOT } from "../helpers/server.js";

const DOC = readFileSync(join(REPO_ROOT, "docs/check.md"), "utf8");

/** The text under `heading` (a line of its own) up to the next heading of the same or a higher level. */
function section(text: string, heading: string): string | undefined {
  const level = /^#+/.exec(heading)![0].length;
  const lines = text.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The ids in the first column of the section's table rows. */
function listedIds(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

describe("docs/check.md", () => {
  for (const dialect of DIALECTS) {
    const suite = SUITES[dialect];
    for (const [role, heading] of [
      ["server", "### Server cases"],
      ["client", "### Client cases"],
    ] as const) {
      const cases = suite[role];
      if (cases.length === 0) continue;
      it(`lists every ${dialect} ${role} case, and nothing else, under ## ${dialect} / ${heading}`, () => {
        const part = section(DOC, `## ${dialect}`);
        assert.ok(part !== undefined, `docs/check.md has no "## ${dialect}" section`);
        const list = section(part, heading);
        assert.ok(list !== undefined, `"## ${dialect}" has no "${heading}"`);
        assert.deepEqual(listedIds(list).sort(), cases.map((c) => c.id).sort());
      });
    }
  }
});
