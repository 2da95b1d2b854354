/**
 * docs/check.md lists every case of every suite: for each dialect with cases in SUITES,
 * its section (`## <dialect>`) names each server and client case id as `` `id` ``, and
 * names no case that does not exist.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DIALECTS, SUITES } from "../../src/check/suites/index.js";
import { REPO_ROOT } from "../helpers/server.js";

const DOC = readFileSync(join(REPO_ROOT, "docs/check.md"), "utf8");

/** The text of the `## <dialect>` section, up to the next `## `. */
function section(dialect: string): string | undefined {
  const m = new RegExp(`^## ${dialect}\\b[^]*?(?=^## |(?![^]))`, "m").exec(DOC);
  return m?.[0];
}

describe("docs/check.md", () => {
  for (const dialect of DIALECTS) {
    const suite = SUITES[dialect];
    const ids = [...suite.server, ...suite.client].map((c) => c.id);
    if (ids.length === 0) continue;
    it(`lists every ${dialect} case, and only those`, () => {
      const text = section(dialect);
      assert.ok(text, `docs/check.md has a "## ${dialect}" section`);
      assert.deepEqual(ids.filter((id) => !text.includes(`\`${id}\``)), [], `${dialect} cases missing from docs/check.md`);
      const listed = [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
      assert.deepEqual(listed.filter((id) => !ids.includes(id)), [], `docs/check.md lists ${dialect} cases that do not exist`);
    });
  }
});
