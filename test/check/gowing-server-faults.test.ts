/**
 * `switchboard check server gowing` (issue 19): every case is shown to fail on a
 * deliberately broken server (test/fixtures/check/gowing-faulty.ts), and none fails
 * behind the same proxy without a fault; and the public student servers' way
 * (test/fixtures/gowing-student-server.ts) passes and fails what it should.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCases } from "../../src/check/runner.js";
import { SUITES } from "../../src/check/suites/index.js";
import { SERVER_FAULTS, startFaultyGowing } from "../fixtures/check/gowing-faulty.js";
import { startStudentServer } from "../fixtures/gowing-student-server.js";
import { startGowing } from "../helpers/gowing-server.js";
import { failures, isDeadline, runAll, serverSettings as settings, SHORT_DEADLINES } from "./gowing-check.js";

const CASES = SUITES.gowing.server;

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

  it("the public student servers' way (test/fixtures/gowing-student-server.ts) passes the JOIN and framing cases, and fails where it differs from the seed", { timeout: 120_000 }, async (t) => {
    const student = await startStudentServer();
    try {
      // Not framing.oversized: the fixture, like a naive server, would relay 65535 bytes and throw (uncaught).
      const results = await runCases(CASES.filter((c) => !isDeadline(c) && c.id !== "framing.oversized"), settings(student.port), {});
      t.diagnostic(results.map((r) => `${r.status} ${r.id}`).join("\n"));
      const status = (id: string) => results.find((r) => r.id === id)?.status;
      for (const id of ["join.accepted", "join.notice-others", "join.name-in-use", "leave.notice", "leave.name-free", "framing.byte-at-a-time", "framing.coalesced", "framing.split-headers", "framing.length-big-endian", "framing.zero-length"]) {
        assert.equal(status(id), "PASS", id);
      }
      // It sends `[X]text\n` to everyone, the sender included (no space after the name, an echo), accepts a
      // blank name, tells nobody of a connection that drops without LEAVE, and ignores unknown types.
      for (const id of ["message.broadcast", "message.no-echo", "join.blank-refused", "leave.on-disconnect", "unknown-type.error"]) {
        assert.equal(status(id), "FAIL", id);
      }
    } finally {
      await student.close();
    }
  });
});
