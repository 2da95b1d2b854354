/**
 * `switchboard check server gowing` (issue 19): every case passes against our own
 * server, and every case is shown to fail on a deliberately broken one
 * (test/fixtures/check/gowing-faulty.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CaseResult, CheckCase } from "../../src/check/case.js";
import type { CheckSettings } from "../../src/check/context.js";
import { runCases } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";
import { SERVER_FAULTS, startFaultyGowing } from "../fixtures/check/gowing-faulty.js";
import { startStudentServer } from "../fixtures/gowing-student-server.js";
import { startGowing, withGowing } from "../helpers/gowing-server.js";

const CASES = SUITES.gowing.server;
/** The deadline cases wait for the server's own deadlines: run against a server whose deadlines are short. */
const isDeadline = (c: CheckCase): boolean => c.id.startsWith("idle.");
const SHORT_DEADLINES = { loginTimeoutMs: 1500, stallTimeoutMs: 1500 };
/** The deadline cases wait 13 s and 35 s (10 s and 30 s and a margin): scaled to the short deadlines. */
const DEADLINE_SCALE = 0.2;

/** Every case in `cases`: the deadline ones scaled to a server with SHORT_DEADLINES. */
async function runAll(cases: readonly CheckCase[], port: number, options: { strict?: boolean; only?: string[]; timeScale?: number } = {}): Promise<CaseResult[]> {
  return [
    ...(await runCases(cases.filter((c) => !isDeadline(c)), settings(port), options)),
    ...(await runCases(cases.filter(isDeadline), settings(port), { ...options, timeScale: DEADLINE_SCALE })),
  ];
}

const settings = (port: number): CheckSettings => ({ dialect: "gowing", view: SUITES.gowing.view, server: { host: "127.0.0.1", port } });

function failures(results: readonly CaseResult[]): string {
  return results
    .filter((r) => r.status !== "PASS")
    .map((r) => `${r.status} ${r.id}: ${r.reason ?? `expected ${r.expected}, got ${r.got}`}`.slice(0, 600))
    .join("\n");
}

describe("switchboard check server gowing against our server", () => {
  it("passes every case but the strict ones, which it skips", { timeout: 60_000 }, withGowing({}, async (server) => {
    const cases = CASES.filter((c) => !isDeadline(c));
    const results = await runCases(cases, settings(server.gowingPort), {});
    assert.equal(failures(results.filter((r) => r.status === "FAIL")), "");
    assert.deepEqual(
      results.filter((r) => r.status === "SKIP").map((r) => r.id),
      cases.filter((c) => c.strict).map((c) => c.id),
    );
  }));

  it("passes every case with --strict", { timeout: 60_000 }, withGowing({}, async (server) => {
    const results = await runCases(CASES.filter((c) => !isDeadline(c)), settings(server.gowingPort), { strict: true });
    assert.equal(failures(results), "");
  }));

  it("passes the deadline cases on a server with short deadlines", { timeout: 60_000 }, withGowing({ limits: SHORT_DEADLINES }, async (server) => {
    const cases = CASES.filter(isDeadline);
    assert.ok(cases.length > 0);
    const results = await runCases(cases, settings(server.gowingPort), { strict: true, timeScale: DEADLINE_SCALE });
    assert.equal(failures(results), "");
  }));
});

describe("switchboard check server gowing against broken servers", () => {
  it("every case fails on at least one faulty server, and none fails behind the proxy without a fault", { timeout: 300_000 }, async (t) => {
    // Refused logins are many over all the runs: the per-address limit would slow them.
    const upstream = await startGowing({ limits: { ...SHORT_DEADLINES, loginFailures: 0 } });
    try {
      const clean = await startFaultyGowing(upstream.gowingPort, "none");
      try {
        assert.equal(failures(await runAll(CASES, clean.port, { strict: true })), "");
      } finally {
        await clean.close();
      }
      // Each fault runs the cases no earlier fault has failed yet (the result is the same, sooner).
      const failedBy = new Map<string, string>();
      for (const fault of SERVER_FAULTS.filter((f) => f !== "none")) {
        const proxy = await startFaultyGowing(upstream.gowingPort, fault);
        try {
          const only = CASES.filter((c) => !failedBy.has(c.id)).map((c) => c.id);
          if (only.length === 0) break;
          // Waits of 1.5 s, not 3: a local server answers in milliseconds, and a faulty one often never.
          const started = Date.now();
          for (const r of await runAll(CASES, proxy.port, { strict: true, only, timeScale: 0.5 })) {
            if (r.status === "FAIL") failedBy.set(r.id, fault);
          }
          t.diagnostic(`${fault}: ${Date.now() - started} ms`);
        } finally {
          await proxy.close();
        }
      }
      t.diagnostic([...failedBy].map(([id, fault]) => `${id} fails behind ${fault}`).join("\n"));
      assert.deepEqual(
        CASES.map((c) => c.id).filter((id) => !failedBy.has(id)),
        [],
        "these cases failed on no faulty server",
      );
    } finally {
      await upstream.close();
    }
  });

  it("the public student servers' way (test/fixtures/gowing-student-server.ts) passes the JOIN cases and fails the chat line's form", { timeout: 120_000 }, async (t) => {
    const student = await startStudentServer();
    try {
      // Not framing.oversized: the fixture, like a naive server, would relay 65535 bytes and throw (uncaught).
      const results = await runCases(CASES.filter((c) => !isDeadline(c) && c.id !== "framing.oversized"), settings(student.port), {});
      t.diagnostic(results.map((r) => `${r.status} ${r.id}`).join("\n"));
      const status = (id: string) => results.find((r) => r.id === id)?.status;
      for (const id of ["join.accepted", "join.notice-others", "join.name-in-use", "leave.notice", "leave.name-free"]) {
        assert.equal(status(id), "PASS", id);
      }
      // It sends `[X]text\n` to everyone, the sender included: no space after the name, and an echo;
      // it accepts a blank name, and tells nobody of a connection that drops without LEAVE.
      for (const id of ["message.broadcast", "message.no-echo", "join.blank-refused", "leave.on-disconnect"]) assert.equal(status(id), "FAIL", id);
    } finally {
      await student.close();
    }
  });
});
