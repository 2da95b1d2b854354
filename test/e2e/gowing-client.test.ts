/**
 * The gowing client as a process (seed 003, docs/gowing.md; issue 5 acceptance): driven over
 * pipes against an in-process server, and once on a pseudo-terminal (util-linux
 * `script`) to see that incoming lines do not garble the line being typed.
 */
import assert from "node:assert/strict";
import { HAS_SCRIPT, spawnOnTerminal } from "../helpers/terminal.js";
import { createServer } from "node:net";
import { afterEach, describe, it } from "node:test";
import { encodeText } from "../../src/protocols/gowing/codec.js";
import { FrameType } from "../../src/protocols/gowing/frames.js";
import { HELP_LINES } from "../../src/clients/gowing/display.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { GowingClientProcess, killGowingClients } from "../helpers/gowing-client-process.js";
import { message, RawGowing } from "../helpers/gowing-wire.js";
import { startGowing, withGowing } from "../helpers/gowing-server.js";
import { CLI } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
/** The client's help, as printed after joining and on @help. */
const HELP = HELP_LINES.join("\n") + "\n";

afterEach(() => killGowingClients());

describe("gowing client", () => {
  it("prints its own help (not the server's command list), the prompt <name>> and the joining notice, sends typed text, prints what arrives", TIMEOUT, withGowing({}, async (server) => {
    const peer = await RawGowing.joined(server.gowingPort, "peer");
    const bob = GowingClientProcess.start(server.gowingPort, "Bob");
    await bob.waitFor("**Bob is joining the chat**\nBob> ");
    assert.equal(bob.out, `${HELP}Bob> \n**Bob is joining the chat**\nBob> `);
    assert.ok(!bob.out.includes(COMMAND_LIST));
    assert.deepEqual(await peer.next(), message("**Bob is joining the chat**"));
    bob.type("Hi");
    assert.deepEqual(await peer.next(), message("[Bob] Hi"));
    peer.send(FrameType.Message, "hello Bob");
    await bob.waitFor("\n[peer] hello Bob\nBob> ");
    peer.send(FrameType.Direct, "bob psst");
    await bob.waitFor("\n[peer] (private) psst\nBob> ");
    bob.type("naïve ✓");
    assert.deepEqual(await peer.next(), message("[Bob] na?ve ?"), "non-ASCII typed text is sent as ?");
    bob.type("@exit");
    assert.equal(await bob.exit(), 0);
    peer.close();
  }));

  it("leaves on @exit: the others see the leaving notice and the client exits 0", TIMEOUT, withGowing({}, async (server) => {
    const peer = await RawGowing.joined(server.gowingPort, "watcher");
    const c = GowingClientProcess.start(server.gowingPort, "Leaver");
    await c.waitFor("Leaver> ");
    assert.deepEqual(await peer.next(), message("**Leaver is joining the chat**"));
    c.type("  @exit ");
    assert.deepEqual(await peer.next(), message("**Leaver is leaving the chat**"));
    assert.equal(await c.exit(), 0);
    assert.equal(c.err, "");
    peer.close();
  }));

  it("sends what was piped in, then leaves at the end of input", TIMEOUT, withGowing({}, async (server) => {
    const peer = await RawGowing.joined(server.gowingPort, "reader");
    const c = GowingClientProcess.start(server.gowingPort, "Piper");
    c.type("one");
    c.type("");
    c.type("two");
    c.endInput();
    assert.deepEqual(await peer.next(), message("**Piper is joining the chat**"));
    assert.deepEqual(await peer.next(), message("[Piper] one"));
    assert.deepEqual(await peer.next(), message("[Piper] two"), "a blank line is not sent");
    assert.deepEqual(await peer.next(), message("**Piper is leaving the chat**"));
    assert.equal(await c.exit(), 0);
    peer.close();
  }));

  it("refuses blank names and names with spaces before connecting", TIMEOUT, async () => {
    let connections = 0;
    const listener = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      for (const [name, reason] of [["", "blank"], ["   ", "blank"], ["Bob Smith", "spaces"], ["tab\there", "spaces"]] as const) {
        const c = GowingClientProcess.start(port, name);
        assert.equal(await c.exit(), 2, name);
        assert.match(c.err, new RegExp(`^error: a name may not (be blank|contain spaces)\n$`));
        assert.ok(c.err.includes(reason), c.err);
        assert.equal(c.out, "");
      }
      assert.equal(connections, 0, "the client connected with a name it should have refused");
    } finally {
      listener.close();
    }
  });

  it("asks for another name when the name is taken, refuses a bad one locally, and joins with the next", TIMEOUT, withGowing({}, async (server) => {
    const holder = await RawGowing.joined(server.gowingPort, "Taken");
    const c = GowingClientProcess.start(server.gowingPort, "taken");
    await c.waitFor("The name taken is already in use.\nEnter another name: ");
    c.type("with space");
    await c.waitFor("\nSorry, a name may not contain spaces.\nEnter another name: ");
    c.type("bad/name");
    await c.waitFor("The name bad/name is not allowed: use 1-32 of A-Z a-z 0-9 _ - .\nEnter another name: ");
    c.type("Fresh");
    await c.waitFor("Fresh> ");
    assert.deepEqual(await holder.next(), message("**Fresh is joining the chat**"));
    c.type("made it");
    assert.deepEqual(await holder.next(), message("[Fresh] made it"));
    c.type("@exit");
    assert.equal(await c.exit(), 0);
    holder.close();
  }));

  it("reconnects for the next name when the server closed the connection meanwhile, and shows its help once", TIMEOUT, withGowing({ limits: { loginTimeoutMs: 300 } }, async (server) => {
    const holder = await RawGowing.joined(server.gowingPort, "slow");
    const c = GowingClientProcess.start(server.gowingPort, "slow");
    await c.waitFor("Enter another name: ");
    await new Promise((r) => setTimeout(r, 1200)); // well past the login deadline: the server hangs up
    c.type("slower");
    await c.waitFor("slower> ");
    assert.deepEqual(await holder.next(), message("**slower is joining the chat**"));
    assert.equal(c.out.split(HELP).length, 2, c.dump());
    assert.equal(c.err, "");
    c.type("@exit");
    assert.equal(await c.exit(), 0);
    holder.close();
  }));

  it("offers @list, @msg <name> <text> and @help; an unknown @command is not sent to everyone", TIMEOUT, withGowing({}, async (server) => {
    const peer = await RawGowing.joined(server.gowingPort, "pal");
    const c = GowingClientProcess.start(server.gowingPort, "Cmd");
    await c.waitFor("Cmd> ");
    assert.deepEqual(await peer.next(), message("**Cmd is joining the chat**"));
    c.type("@list");
    await c.waitFor("\npal, Cmd\nCmd> ");
    c.type("@msg pal  psst,  pal");
    assert.deepEqual(await peer.next(), { type: FrameType.Direct, text: "[Cmd] (private) psst,  pal" });
    c.type("@msg nobody hi");
    await c.waitFor("error: No such user: nobody\n", 8000, "err");
    c.type("@msg pal");
    await c.waitFor("error: usage: @msg <name> <text>\n", 8000, "err");
    c.type("@pal hi");
    await c.waitFor("error: unknown command @pal; @help lists the commands\n", 8000, "err");
    const helpBefore = c.out.split(HELP).length;
    c.type("@help");
    await c.waitFor(/@exit +leave the chat\n(.|\n)*@exit +leave the chat\nCmd> $/);
    assert.equal(c.out.split(HELP).length, helpBefore + 1);
    c.type("last");
    assert.deepEqual(await peer.next(), message("[Cmd] last"), "nothing else reached pal");
    c.type("@exit");
    assert.equal(await c.exit(), 0);
    peer.close();
  }));

  it("exits 2 when input ends while a name is asked for", TIMEOUT, withGowing({}, async (server) => {
    const holder = await RawGowing.joined(server.gowingPort, "mine");
    const c = GowingClientProcess.start(server.gowingPort, "mine");
    await c.waitFor("Enter another name: ");
    c.endInput();
    assert.equal(await c.exit(), 2);
    holder.close();
  }));

  it("prints ERROR frames on stderr", TIMEOUT, withGowing({ limits: { maxMessageBytes: 10 } }, async (server) => {
    const c = GowingClientProcess.start(server.gowingPort, "Wordy");
    await c.waitFor("Wordy> ");
    c.type("this is more than ten bytes");
    await c.waitFor("error: Message too long\n", 8000, "err");
    c.type("@exit");
    assert.equal(await c.exit(), 0);
  }));

  it("exits 1 when the server goes away", TIMEOUT, async () => {
    const server = await startGowing();
    const c = GowingClientProcess.start(server.gowingPort, "Orphan");
    try {
      await c.waitFor("Orphan> ");
      await server.close();
      assert.equal(await c.exit(), 1);
      assert.equal(c.err, "error: the server closed the connection\n");
    } finally {
      await server.close();
    }
  });

  it("exits 1 when it cannot connect", TIMEOUT, async () => {
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    await new Promise((resolve) => listener.close(resolve)); // nobody listens there now
    const c = GowingClientProcess.start(port, "Nobody");
    assert.equal(await c.exit(), 1);
    assert.match(c.err, /cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});


describe("gowing client on a terminal", () => {
  for (const term of ["xterm", "dumb"]) {
    it(`writes received lines as plain lines, the prompt only after their newline, and keeps the half-typed line (TERM=${term})`, { ...TIMEOUT, skip: !HAS_SCRIPT && "util-linux script is not installed" }, withGowing({}, async (server) => {
      const peer = await RawGowing.joined(server.gowingPort, "peer");
      const child = spawnOnTerminal([process.execPath, CLI("switchboard"), "client", "gowing", "127.0.0.1", "Tty", "--port", String(server.gowingPort)], { env: { ...process.env, TERM: term } });
      let screen = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (screen += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      const waitScreen = async (test: (s: string) => boolean, what: string): Promise<void> => {
        const deadline = Date.now() + 8000;
        while (!test(screen)) {
          if (Date.now() > deadline) throw new Error(`terminal never showed ${what}: ${JSON.stringify(screen)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      try {
        await waitScreen((s) => s.endsWith("Tty> "), "the prompt");
        assert.deepEqual(await peer.next(), message("**Tty is joining the chat**"));
        await waitScreen((s) => s.endsWith("**Tty is joining the chat**\r\nTty> "), "the notice");
        // Ten lines in a burst from another user: the prompt's line ended, exactly those
        // lines, and the prompt again after the last one's newline.
        let before = screen.length;
        peer.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => encodeText(FrameType.Message, `line ${i + 1}`))));
        const burst = "\r\n" + Array.from({ length: 10 }, (_, i) => `[peer] line ${i + 1}\r\n`).join("") + "Tty> ";
        await waitScreen((s) => s.length - before >= burst.length, "the burst");
        assert.equal(screen.slice(before), burst);
        // Typing, then a line arrives: the typed part stays in the terminal's line, Enter sends it whole.
        child.stdin.write("hal");
        await waitScreen((s) => s.endsWith("Tty> hal"), "the echo");
        before = screen.length;
        peer.send(FrameType.Message, "incoming");
        await waitScreen((s) => s.endsWith("[peer] incoming\r\nTty> "), "the incoming line");
        assert.equal(screen.slice(before), "\r\n[peer] incoming\r\nTty> ");
        assert.doesNotMatch(screen, /\x1b/, "no escape sequence anywhere");
        child.stdin.write("f done\r");
        assert.deepEqual(await peer.next(), message("[Tty] half done"), "the half-typed text was kept");
        child.stdin.write("@exit\r");
        assert.deepEqual(await peer.next(), message("**Tty is leaving the chat**"));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((r) => (timer = setTimeout(() => r("still running after 8 s"), 8000)));
        assert.equal(await Promise.race([exited, timeout]), 0);
        clearTimeout(timer);
      } finally {
        child.kill("SIGKILL");
        peer.close();
      }
    }));
  }
});
