/**
 * The clients on a real pseudo-terminal, read byte for byte as a line-matching grader
 * reads them (issue 20 point 1): a received line is plain text and CR LF, and nothing
 * (no prompt, no cursor or erase code) comes between received lines. Typed keys come
 * back as the terminal's echo.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { onTerminal, PtyClient } from "../helpers/pty-client.js";
import { ANY_PORT, CLI, startHub, tempDir, type TestHub } from "../helpers/server.js";
import { HAS_SCRIPT } from "../helpers/terminal.js";

const WELCOME = "Welcome to Chat Client. Enter your login:";
const TIMEOUT = { timeout: 30_000 };

describe("clients on a terminal write received lines plainly", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, () => {
  let hub: TestHub;
  const started: PtyClient[] = [];
  const run = (argv: string[]): PtyClient => {
    const c = PtyClient.start([process.execPath, ...argv], { cwd: tempDir("sb-pty-") });
    started.push(c);
    return c;
  };
  const port = (name: string): string => String(hub.ports[name]);

  before(async () => {
    hub = await startHub({
      lab: { ...ANY_PORT, bots: ["delaybot"] },
      bcs: { ...ANY_PORT, chatLog: "off" },
      cs262: ANY_PORT,
      udp: { ...ANY_PORT, listIntervalMs: 60_000 },
    });
  });
  after(async () => {
    started.forEach((c) => c.kill());
    await hub.close();
  });

  /** A lab user logged in as `name`; `burst` sends lines to one user in a single write. */
  const labPeer = async (name: string): Promise<RawLab & { burst(to: string, texts: readonly string[]): void }> => {
    const peer = await RawLab.login(hub.ports["lab"]!, name);
    return Object.assign(peer, { burst: (to: string, texts: readonly string[]) => peer.write(texts.map((t) => `SEND ${to} ${t}\n`).join("")) });
  };

  /** Ten lines from lab user `from` to `to` in one write show as exactly ten lines (as `line` prints them). */
  const burstArrivesPlain = async (c: PtyClient, from: string, to: string, line: (from: string, text: string) => string): Promise<void> => {
    const texts = Array.from({ length: 10 }, (_, i) => `to ${to} ${i}`);
    const peer = await labPeer(from);
    const mark = c.raw.length;
    peer.burst(to, texts);
    const shown = await c.shownSince(mark, `${texts[9]}\r\n`);
    assert.equal(shown, onTerminal(texts.map((t) => line(from, t))));
    peer.close();
  };

  /** A lab client logged in as `name`; the terminal has shown exactly the welcome, the echo and the login line. */
  const labClient = async (name: string): Promise<PtyClient> => {
    const c = run([CLI("switchboard"), "client", "lab", "--address", "127.0.0.1", "--port", port("lab")]);
    await c.waitText(WELCOME + "\r\n");
    c.type(`${name}\r`);
    assert.equal(await c.shownSince(0, `Successfully logged in as ${name}!\r\n`), onTerminal([WELCOME, name, `Successfully logged in as ${name}!`]));
    return c;
  };

  it("lab: ten lines in a burst from another user are exactly ten lines", TIMEOUT, async () => {
    const c = await labClient("ptyten");
    const texts = Array.from({ length: 10 }, (_, i) => `burst line ${i}`);
    const peer = await labPeer("tenpeer");
    const mark = c.raw.length;
    peer.burst("ptyten", texts);
    const shown = await c.shownSince(mark, "From tenpeer: burst line 9\r\n");
    assert.equal(shown, onTerminal(texts.map((t) => `From tenpeer: ${t}`)));
    c.type("\x04"); // Ctrl+D: end of input
    assert.equal(await c.exit(), 0, c.raw);
    assert.equal(c.raw.slice(mark + shown.length), "", "nothing written on the way out");
    peer.close();
  });

  it("lab: ten 1,000-byte messages are exactly ten lines", TIMEOUT, async () => {
    const c = await labClient("ptylong");
    const texts = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(1000, String.fromCharCode(97 + i)));
    const peer = await labPeer("longpeer");
    const mark = c.raw.length;
    peer.burst("ptylong", texts);
    const shown = await c.shownSince(mark, `From longpeer: ${texts[9]}\r\n`);
    assert.equal(shown, onTerminal(texts.map((t) => `From longpeer: ${t}`)));
    c.type("!quit\r");
    assert.equal(await c.exit(), 0, c.raw);
    peer.close();
  });

  it("lab: delaybot's split delivery is two plain lines after the echo and the answer", TIMEOUT, async () => {
    const c = await labClient("ptysplit");
    const mark = c.raw.length;
    c.type("@delaybot split across two segments\r");
    const shown = await c.shownSince(mark, "From delaybot: split across two segments\r\nFrom delaybot: split across two segments\r\n");
    assert.equal(
      shown,
      onTerminal([
        "@delaybot split across two segments", // the terminal's echo
        "The message was sent successfully",
        "From delaybot: split across two segments",
        "From delaybot: split across two segments",
      ]),
    );
    c.type("\x03"); // Ctrl+C leaves, exit 0 (the docs)
    assert.equal(await c.exit(), 0, c.raw);
  });

  it("bcs_client: a burst of incoming lines has nothing between them", TIMEOUT, async () => {
    const c = run([CLI("bcs-client"), "-h", "127.0.0.1", "-p", port("bcs"), "-u", "ptybcs"]);
    await c.waitText("server: online: ");
    await c.waitText("\r\n", c.raw.indexOf("server: online: "));
    const texts = Array.from({ length: 10 }, (_, i) => `to bcs ${i}`);
    const peer = await labPeer("bcspeer");
    await c.waitText("server: bcspeer has connected\r\n"); // presence, before the burst
    const mark = c.raw.length;
    peer.burst("ptybcs", texts);
    const shown = await c.shownSince(mark, "to bcs 9\r\n");
    assert.equal(shown, onTerminal(texts.map((t) => `bcspeer: (private) ${t}`)));
    c.type("/quit\r");
    assert.equal(await c.exit(), 0, c.raw);
    peer.close();
  });

  it("udp client: a burst of incoming lines has nothing between them", TIMEOUT, async () => {
    const c = run([CLI("switchboard"), "client", "udp", "--host", "127.0.0.1", "--port", port("udp"), "-u", "ptyudp"]);
    await c.waitText("registered as ptyudp; /help for commands\r\n");
    await burstArrivesPlain(c, "udppeer", "ptyudp", (from, text) => `(private) ${from}: ${text}`);
    c.type("/quit\r");
    assert.equal(await c.exit(), 0, c.raw);
  });

  it("cs262 client: a burst of incoming lines has nothing between them", TIMEOUT, async () => {
    const c = run([CLI("switchboard"), "client", "cs262", "--host", "127.0.0.1", "--port", port("cs262")]);
    c.type("create ptycs secret\r");
    await c.waitText("created account ptycs; logged in\r\n");
    await burstArrivesPlain(c, "cspeer", "ptycs", (from, text) => `${from}: ${text}`);
    c.type("quit\r");
    assert.equal(await c.exit(), 0, c.raw);
  });
});
