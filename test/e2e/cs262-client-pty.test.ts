/**
 * `switchboard client cs262` on a real pseudo-terminal (script(1)), as a person uses it:
 * a password left off `create` or `login` is asked for and typed without echo, and
 * messages that arrive print as lines of their own.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { startCs262, type Cs262TestServer } from "../helpers/cs262-server.js";
import { Interactive } from "../helpers/interactive.js";
import { CLI } from "../helpers/server.js";
import { onTerminal, PtyClient } from "../helpers/pty-client.js";
import { HAS_SCRIPT } from "../helpers/terminal.js";

const TIMEOUT = { timeout: 30_000, skip: !HAS_SCRIPT && "util-linux script is not installed" };
/** The banner on a terminal (not the prompt: the shared terminal may draw none). */
const READY = "type help for the commands";
const QUESTION = "password (empty for none): ";
/** Typed at the hidden question: none of these bytes may come back from the terminal. */
const SECRET = "Zq7xKw";
const WRONG = "Jv4pYt";

/** The cs262 client on a pty, killed after each test. */
const started: PtyClient[] = [];
function start(port: number): PtyClient {
  const c = PtyClient.start([process.execPath, CLI("switchboard"), "client", "cs262", "--port", String(port)]);
  started.push(c);
  return c;
}

let server: Cs262TestServer;
before(async () => {
  server = await startCs262({ store: "memory" });
});
after(async () => {
  await server.close();
});
afterEach(() => {
  started.splice(0).forEach((c) => c.kill());
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

/** An account `name` with the password SECRET, offline, and a client on a pty ready for it. */
async function clientFor(name: string): Promise<PtyClient> {
  (await RawCs262.account(server.cs262Port, name, SECRET)).close();
  await new Promise((r) => setTimeout(r, 100)); // the server has seen the close
  const c = start(server.cs262Port);
  await c.waitText(READY);
  return c;
}

/** Where `text` shows on the terminal from `from` on, once it does. */
async function at(c: PtyClient, text: string, from = 0): Promise<number> {
  await c.waitText(text, from);
  return c.raw.indexOf(text, from);
}

/** Types `command` with its password left off, answers the question with `password`; resolves at `answer`. */
async function withHiddenPassword(c: PtyClient, command: string, password: string, answer: string, from = 0): Promise<number> {
  c.type(`${command}\r`);
  const asked = await at(c, QUESTION, from);
  c.type(`${password}\r`);
  return at(c, answer, asked + QUESTION.length);
}

describe("switchboard client cs262 on a terminal", TIMEOUT, () => {
  it("asks create's password when it is left off, and does not echo it", async () => {
    const c = start(server.cs262Port);
    await c.waitText(READY);
    const done = await withHiddenPassword(c, "create ptyAlice", SECRET, "created account ptyAlice; logged in");
    c.type("logout\r");
    await c.waitText("logged out of ptyAlice", done);
    assert.ok(!c.raw.includes(SECRET), JSON.stringify(c.raw));
    await checkPassword("ptyAlice");
  });

  it("asks login's password when it is left off, and does not echo it", async () => {
    const c = await clientFor("ptyBob");
    let done = await withHiddenPassword(c, "login ptyBob", WRONG, "error: wrong password");
    done = await withHiddenPassword(c, "login ptybob", SECRET, "logged in as ptyBob", done);
    c.type("logout\r");
    await c.waitText("logged out of ptyBob", done);
    assert.ok(!c.raw.includes(SECRET), JSON.stringify(c.raw));
    assert.ok(!c.raw.includes(WRONG), JSON.stringify(c.raw));
    await checkPassword("ptyBob");
  });

  it("after a hidden password, prints answers and received lines as plain lines, nothing between them", async () => {
    const c = await clientFor("ptyCarol");
    await withHiddenPassword(c, "login ptyCarol", SECRET, "logged in as ptyCarol\r\n");
    // After the question's own line (readline draws it), only the login line.
    assert.equal(c.raw.slice(c.raw.indexOf("\r\n", c.raw.lastIndexOf(QUESTION)) + 2), onTerminal(["logged in as ptyCarol"]));
    const peer = await RawCs262.account(server.cs262Port, "ptyPeer");
    const mark = c.raw.length;
    assert.equal(await peer.message("ptyPeer", "ptyCarol", "one"), "");
    assert.equal(await peer.message("ptyPeer", "ptyCarol", "two"), "");
    assert.equal(await c.shownSince(mark, "ptyPeer: two\r\n"), onTerminal(["ptyPeer: one", "ptyPeer: two"]));
    c.type("quit\r");
    assert.equal(await c.exit(), 0, c.raw);
    peer.close();
  });
});
