/**
 * The seed clients under the server's message rate: bcs_client and the cs262 client keep
 * one request outstanding, so piped input runs as fast as round trips allow and passes
 * the rate. A "rate limited" answer makes them send the same request again after a
 * pause: piped input goes more slowly, and nothing is lost or reported as an error.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { Command } from "../../src/protocols/cs262/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { ANY_PORT, CLI, startHub, tempDir } from "../helpers/server.js";

const TIMEOUT = { timeout: 60_000 };
/** Low enough that 40 piped lines pass it many times over. */
const LIMITS = { msgRate: 20, msgBurst: 5 };
const LINES = 40;

/** Run a client with `input` piped to it; its exit code, stdout and stderr. */
function runClient(args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: tempDir("sb-client-"), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

describe("clients over the server's message rate", TIMEOUT, () => {
  it("bcs_client: piped lines beyond the rate are sent again after status 7, all arrive in order, no error", async () => {
    const server = await startHub({ bcs: { ...ANY_PORT, chatLog: "off" } }, LIMITS);
    try {
      const { peer } = await RawBcs.login(server.ports["bcs"]!, "listener");
      const lines = Array.from({ length: LINES }, (_, i) => `line ${i}`);
      const client = runClient([CLI("bcs-client"), "-h", "127.0.0.1", "-p", String(server.ports["bcs"]), "-u", "piper"], lines.join("\n") + "\n");
      assert.deepEqual(await peer.deliver(), { from: "server", message: "piper has connected" });
      const got: string[] = [];
      while (got.length < LINES) {
        const d = await peer.deliver(10_000);
        if (d.from === "piper") got.push(d.message);
      }
      assert.deepEqual(got, lines);
      const { code, err } = await client;
      assert.equal(err, "");
      assert.equal(code, 0);
      peer.close();
    } finally {
      await server.close();
    }
  });

  it("cs262 client: piped sends beyond the rate are sent again after the RESPONSE error, all arrive in order, no error", async () => {
    const server = await startHub({ cs262: ANY_PORT, store: "memory" }, LIMITS);
    try {
      const port = server.ports["cs262"]!;
      const reader = await RawCs262.account(port, "reader");
      const texts = Array.from({ length: LINES }, (_, i) => `m${i}`);
      const input = ["create writer", ...texts.map((t) => `send reader ${t}`), "quit"].join("\n") + "\n";
      const client = runClient([CLI("switchboard"), "client", "cs262", "--host", "127.0.0.1", "--port", String(port)], input);
      const got: string[] = [];
      while (got.length < LINES) {
        const f = await reader.next(10_000);
        if (f?.command === Command.Send) got.push(f.message);
      }
      assert.deepEqual(got, texts);
      const { code, err } = await client;
      assert.equal(err, "");
      assert.equal(code, 0);
      reader.close();
    } finally {
      await server.close();
    }
  });
});

