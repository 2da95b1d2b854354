/** The conformance tester's frame: verdicts, limits, selection and the report, on cases made here. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import type { CheckCase } from "../../src/check/case.js";
import type { CheckSettings } from "../../src/check/context.js";
import { resultLines, summarize, summaryLine } from "../../src/check/report.js";
import { runCases } from "../../src/check/runner.js";
import { fail, skip } from "../../src/check/verdict.js";

const settings = (port: number): CheckSettings => ({ dialect: "lab", view: "text", server: { host: "127.0.0.1", port } });

const cases: CheckCase[] = [
  { id: "a.pass", title: "passes", clause: "c1", run: async () => undefined },
  { id: "a.fail", title: "fails", clause: "c2", run: async () => fail({ sent: "x", expected: "y", got: "z" }) },
  { id: "b.skip", title: "skips", clause: "c3", run: async () => skip("not here") },
  { id: "b.throw", title: "throws", clause: "c4", run: async () => Promise.reject(new Error("boom")) },
  { id: "b.slow", title: "too slow", clause: "c5", timeoutMs: 50, run: () => new Promise(() => undefined) },
  { id: "c.strict", title: "strict only", clause: "c6", strict: true, run: async () => undefined },
];

describe("check runner", () => {
  it("turns what a case threw into PASS, FAIL or SKIP, and a case over its limit into FAIL", async () => {
    const results = await runCases(cases, settings(1), {});
    assert.deepEqual(
      results.map((r) => [r.id, r.status]),
      [
        ["a.pass", "PASS"],
        ["a.fail", "FAIL"],
        ["b.skip", "SKIP"],
        ["b.throw", "FAIL"],
        ["b.slow", "FAIL"],
        ["c.strict", "SKIP"],
      ],
    );
    const failed = results[1]!;
    assert.deepEqual([failed.sent, failed.expected, failed.got], ["x", "y", "z"]);
    assert.equal(results[3]!.reason, "boom");
    assert.match(results[4]!.reason!, /within its limit of 50 ms/);
    assert.deepEqual(summarize(results), { passed: 1, failed: 3, skipped: 2 });
    assert.equal(summaryLine(summarize(results)), "1 passed, 3 failed, 2 skipped");
  });

  it("runs strict cases with --strict, and --only by id or dotted prefix", async () => {
    const strict = await runCases(cases, settings(1), { strict: true, only: ["c.strict"] });
    assert.deepEqual(strict.map((r) => r.status), ["PASS"]);
    const prefix = await runCases(cases, settings(1), { only: ["a"] });
    assert.deepEqual(prefix.map((r) => r.id), ["a.pass", "a.fail"]);
    const none = await runCases(cases, settings(1), { only: ["a.pa"] });
    assert.deepEqual(none, [], "a prefix counts only up to a dot");
  });

  it("shows a FAIL with what was sent, expected and got", () => {
    const lines = resultLines({ id: "x.y", title: "t", clause: "seed 001 PR5", status: "FAIL", ms: 3, sent: "s", expected: "e", got: "g" });
    assert.deepEqual(lines, ["FAIL  x.y  t (seed 001 PR5)  3 ms", "      sent:     s", "      expected: e", "      got:      g"]);
  });
});

describe("check probes against a scripted peer", () => {
  let server: Server;
  let port = 0;
  before(async () => {
    // Answers "PING\n" with "PO" and "NG\n" in two writes, and closes on "BYE\n".
    server = createServer((s) =>
      s.on("data", (d) => {
        if (d.toString().includes("PING")) {
          s.write("PO");
          setTimeout(() => s.write("NG\n"), 20);
        }
        if (d.toString().includes("BYE")) s.end();
      }),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  after(() => server.close());

  const probeCase = (id: string, run: CheckCase["run"]): CheckCase => ({ id, title: id, clause: "-", timeoutMs: 2000, run });

  it("waits for a line across writes, and reports what came instead of what was expected", async () => {
    const results = await runCases(
      [
        probeCase("line", async (ctx) => {
          const p = await ctx.connect();
          p.send("PING\n");
          await p.expectLine("PONG");
        }),
        probeCase("wrong", async (ctx) => {
          const p = await ctx.connect();
          p.send("PING\n");
          await p.expectLine("PANG", 500);
        }),
        probeCase("silent", async (ctx) => {
          const p = await ctx.connect();
          await p.expectLine("ANYTHING", 100);
        }),
        probeCase("closed", async (ctx) => {
          const p = await ctx.connect();
          p.send("BYE\n");
          await p.expectClosed();
        }),
      ],
      settings(port),
      {},
    );
    assert.deepEqual(results.map((r) => r.status), ["PASS", "FAIL", "FAIL", "PASS"]);
    assert.equal(results[1]!.sent, JSON.stringify("PING\n"));
    assert.equal(results[1]!.expected, JSON.stringify("PANG\n"));
    assert.equal(results[1]!.got, JSON.stringify("PONG\n"));
    assert.match(results[2]!.got!, /nothing more within 100 ms/);
  });
});
