/**
 * `switchboard client cs262` on a real pseudo-terminal (script(1)), as a person uses it:
 * a password left off `create` or `login` is asked for and typed without echo, and
 * messages that arrive print as lines of their own.
 */
import assert from "node:assert/strict";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { after, afterEach, before, describe, it } from "node:test";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { startCs262, type Cs262TestServer } from "../helpers/cs262-server.js";
import { Interactive } from "../helpers/interactive.js";
import { CLI } from "../helpers/server.js";
import { HAS_SCRIPT, spawnOnTerminal } from "../helpers/terminal.js";

const TIMEOUT = { timeout: 30_000, skip: !HAS_SCRIPT && "util-linux script is not installed" };
/** The banner on a terminal (not the prompt: the shared terminal may draw none). */
const READY = "type help for the commands";
const QUESTION = "password (empty for none): ";
/** Typed at the hidden question: none of these bytes may come back from the terminal. */
const SECRET = "Zq7xKw";
const WRONG = "Jv4pYt";

/** The client on a pty: what it wrote, raw (echo, prompts and escape codes included). */
class PtyClient {
  private readonly child: ChildProcessWithoutNullStreams;
  raw = "";
  static readonly running = new Set<PtyClient>();

  constructor(port: number) {
    this.child = spawnOnTerminal([process.execPath, CLI("switchboard"), "client", "cs262", "--port", String(port)], { env: { ...process.env, TERM: "xterm" } });
    this.child.stdout.setEncoding("utf8").on("data", (d: string) => (this.raw += d));
    PtyClient.running.add(this);
    this.child.on("exit", () => PtyClient.running.delete(this));
  }

  /** Keys typed at the terminal (Enter is "\r"). */
  keys(text: string): void {
    this.child.stdin.write(text);
  }

  /** Resolves once the raw output from `from` on contains `text`; returns where it starts. */
  async waitFor(text: string, from = 0, ms = 8000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.raw.indexOf(text, from);
      if (at >= 0) return at;
      if (Date.now() > deadline) throw new Error(`terminal never showed ${JSON.stringify(text)}: ${JSON.stringify(this.raw)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

let server: Cs262TestServer;
before(async () => {
  server = await startCs262({ store: "memory" });
});
after(async () => {
  await server.close();
});
afterEach(() => {
  for (const c of PtyClient.running) c.kill();
  Interactive.killAll();
});

/** A second client, on pipes: the account must take exactly the password typed on the pty. */
async function checkPassword(name: string): Promise<void> {
  const other = new Interactive(CLI("switchboard"), ["client", "cs262", "--port", String(server.cs262Port)]);
  other.type(`login ${name} wrong`, `login ${name}`, `login ${name} ${SECRET}`);
  other.endInput();
  assert.equal(await other.exit(), 0, other.dump());
  assert.deepEqual(other.err, ["error: wrong password", "error: password required"]);
  assert.deepEqual(other.out, [`logged in as ${name}`]);
}

/** Types `command` with its password left off, answers the question with `password`; resolves at `answer`. */
async function withHiddenPassword(c: PtyClient, command: string, password: string, answer: string, from = 0): Promise<number> {
  c.keys(`${command}\r`);
  const asked = await c.waitFor(QUESTION, from);
  c.keys(`${password}\r`);
  return c.waitFor(answer, asked + QUESTION.length);
}

describe("switchboard client cs262 on a terminal", TIMEOUT, () => {
  it("asks create's password when it is left off, and does not echo it", async () => {
    const c = new PtyClient(server.cs262Port);
    await c.waitFor(READY);
    const at = await withHiddenPassword(c, "create ptyAlice", SECRET, "created account ptyAlice; logged in");
    c.keys("logout\r");
    await c.waitFor("logged out of ptyAlice", at);
    assert.ok(!c.raw.includes(SECRET), JSON.stringify(c.raw));
    await checkPassword("ptyAlice");
  });

  it("asks login's password when it is left off, and does not echo it", async () => {
    (await RawCs262.account(server.cs262Port, "ptyBob", SECRET)).close();
    await new Promise((r) => setTimeout(r, 100));
    const c = new PtyClient(server.cs262Port);
    await c.waitFor(READY);
    let at = await withHiddenPassword(c, "login ptyBob", WRONG, "error: wrong password");
    at = await withHiddenPassword(c, "login ptybob", SECRET, "logged in as ptyBob", at);
    c.keys("logout\r");
    await c.waitFor("logged out of ptyBob", at);
    assert.ok(!c.raw.includes(SECRET), JSON.stringify(c.raw));
    assert.ok(!c.raw.includes(WRONG), JSON.stringify(c.raw));
    await checkPassword("ptyBob");
  });

  // A grader matching received lines must find nothing else between them. The shared
  // Terminal (src/clients/shared/terminal.ts, not this client's) still erases and redraws
  // the `> ` prompt around each one; another change makes it plain. Drop `todo` then.
  it("prints received lines as plain text: no cursor movement or erase codes between them", { todo: "the shared Terminal redraws its prompt between received lines" }, async () => {
    const c = new PtyClient(server.cs262Port);
    await c.waitFor(READY);
    c.keys("create ptyCarol pw\r");
    await c.waitFor("created account ptyCarol; logged in");
    const peer = await RawCs262.account(server.cs262Port, "ptyPeer");
    assert.equal(await peer.message("ptyPeer", "ptyCarol", "one"), "");
    assert.equal(await peer.message("ptyPeer", "ptyCarol", "two"), "");
    const first = await c.waitFor("ptyPeer: one");
    const second = await c.waitFor("ptyPeer: two", first);
    const between = c.raw.slice(first, second + "ptyPeer: two".length);
    assert.ok(!between.includes("\x1b"), JSON.stringify(between));
    peer.close();
  });
});
