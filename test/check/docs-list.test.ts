/** docs/check.md lists every case of every dialect's suites, in that dialect's section (issue 19). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DIALECTS, SUITES } from "../../src/check/suites/index.js";
import { REPO_ROOT } from "../helpers/server.js";

const DOC = readFileSync(join(REPO_ROOT, "docs/check.md"), "utf8");

/** The text of `## <dialect>` up to the next `## ` heading. */
function section(dialect: string): string | undefined {
  const start = DOC.search(new RegExp(`^## ${dialect}\\s*$`, "m"));
  if (start < 0) return undefined;
  const rest = DOC.slice(start + 3);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe("docs/check.md", () => {
  for (const dialect of DIALECTS) {
    const suite = SUITES[dialect];
    const ids = [...new Set([...suite.server, ...suite.client].map((c) => c.id))];
    if (ids.length === 0) continue;
    it(`lists every ${dialect} case in its section`, () => {
      const text = section(dialect);
      assert.ok(text !== undefined, `docs/check.md has no "## ${dialect}" section`);
      assert.deepEqual(
        ids.filter((id) => !text.includes(`\`${id}\``)),
        [],
        `${dialect} cases missing from docs/check.md`,
      );
    });
  }

  it("lists no case that no suite has", () => {
    const known = new Set(DIALECTS.flatMap((d) => [...SUITES[d].server, ...SUITES[d].client].map((c) => c.id)));
    const tableIds = [...DOC.matchAll(/^\| (?:server |client )?`([a-z0-9-]+\.[a-z0-9.-]+)`/gm)].map((m) => m[1]!);
    assert.ok(tableIds.length > 0);
    assert.deepEqual(tableIds.filter((id) => !known.has(id)), []);
  });
});
