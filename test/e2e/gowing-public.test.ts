/**
 * gowing against the public student implementations (issue 14): their clients' exact
 * bytes replayed against our server (ParadoxEngineer/Chat-Server-Python ChatClient.py,
 * blewis308/Chat-Server ChatClient.java), and our client against a fake server that
 * answers as their servers do (test/fixtures/gowing-student-server.ts).
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { FrameType } from "../../src/protocols/gowing/frames.js";
import { COMMAND_LIST } from "../../src/protocols/gowing/session.js";
import { startStudentServer, STUDENT_COMMANDS } from "../fixtures/gowing-student-server.js";
import { GowingClientProcess, killGowingClients } from "../helpers/gowing-client-process.js";
import { withGowing } from "../helpers/gowing-server.js";
import { message, RawGowing } from "../helpers/gowing-wire.js";
import { bare, within } from "../helpers/tcp-peer.js";

const TIMEOUT = { timeout: 30_000 };

afterEach(() => killGowingClients());

/** A raw connection that collects every byte, as their clients' recv() sees it. */
async function rawBytes(port: number): Promise<{ write(hex: string): void; bytes(n: number): Promise<string>; close(): void }> {
  const peer = await bare(port);
  let got = Buffer.alloc(0);
  let wanted: { n: number; resolve: () => void } | undefined;
  peer.socket.on("data", (d: Buffer) => {
    got = Buffer.concat([got, d]);
    if (wanted && got.length >= wanted.n) wanted.resolve();
  });
  return {
    write: (hex) => void peer.socket.write(Buffer.from(hex.replace(/\s+/g, ""), "hex")),
    /** The next `n` bytes, as hex. */
    bytes: async (n) => {
      if (got.length < n) await within(3000, new Promise<void>((resolve) => (wanted = { n, resolve })), `${n} bytes`);
      const out = got.subarray(0, n).toString("hex");
      got = got.subarray(n);
      return out;
    },
    close: () => peer.socket.destroy(),
  };
}

const hexOf = (s: string): string => Buffer.from(s).toString("hex");
const frameHex = (type: number, text: string): string => Buffer.from([type, text.length >> 8, text.length & 0xff]).toString("hex") + hexOf(text);

describe("the public student clients' bytes against our server", () => {
  it("ChatClient.py: JOIN answered by one byte, then frames; its chat and @target DIRECT with their newline", TIMEOUT, withGowing({}, async (server) => {
    const bob = await RawGowing.joined(server.gowingPort, "bob");
    const py = await rawBytes(server.gowingPort);
    // struct.pack('!Bh3s', 0, 3, b'bob'): taken; the GUI lets the user try again on the same socket.
    py.write(`00 0003 ${hexOf("bob")}`);
    assert.equal(await py.bytes(1), "01", "recv(calcsize('!B')): status 1, already taken");
    py.write(`00 0005 ${hexOf("alice")}`);
    assert.equal(await py.bytes(1), "00", "status 0, accepted");
    // updateChatScreen: recv(3) for '!Bh', then the payload.
    assert.equal(await py.bytes(3 + COMMAND_LIST.length), frameHex(2, COMMAND_LIST));
    const notice = "**alice is joining the chat**";
    assert.equal(await py.bytes(3 + notice.length), frameHex(2, notice));
    assert.deepEqual(await bob.next(), message(notice));
    // sendMessage: the Tk text ends with "\n", sent as is; '@bob ...' goes as type 4.
    py.write(`02 0006 ${hexOf("hello\n")}`);
    assert.deepEqual(await bob.next(), message("[alice] hello"));
    py.write(`04 000a ${hexOf("@bob psst\n")}`);
    assert.deepEqual(await bob.next(), { type: FrameType.Direct, text: "[alice] (private) psst" });
    bob.send(FrameType.Direct, "alice back at you");
    const dm = "[bob] (private) back at you";
    assert.equal(await py.bytes(3 + dm.length), frameHex(4, dm));
    py.close();
    bob.close();
  }));

  it("ChatClient.java: JOIN then readByte(); TALK without a newline", TIMEOUT, withGowing({}, async (server) => {
    const bob = await RawGowing.joined(server.gowingPort, "bob");
    const java = await rawBytes(server.gowingPort);
    java.write(`00 0004 ${hexOf("jane")}`); // ByteBuffer: put(JOIN), putShort(len), the name
    assert.equal(await java.bytes(1), "00");
    java.write(`02 0002 ${hexOf("hi")}`);
    assert.deepEqual(await bob.next(), message("**jane is joining the chat**"));
    assert.deepEqual(await bob.next(), message("[jane] hi"));
    java.close();
    bob.close();
  }));
});

describe("our client against a server that answers as the public ones do", () => {
  it("reads the one-byte reply, retries a taken name, prints their newline-ended lines as lines, and sends @msg as @name text", TIMEOUT, async () => {
    const student = await startStudentServer(["Bob"]);
    const c = GowingClientProcess.start(student.port, "Bob");
    try {
      await c.waitFor("The name Bob is already in use.\nEnter another name: ");
      c.type("Rob");
      await c.waitFor("**Rob is joining the chat**\nRob> ");
      assert.ok(!c.out.includes(STUDENT_COMMANDS.trim()), "their command list is replaced by our help");
      assert.ok(!c.out.includes("chat**\n\n") && !c.out.includes("?"), JSON.stringify(c.out));
      c.type("hello there");
      await c.waitFor("\n[Rob]hello there\nRob> ");
      c.type("@msg Rob note to self");
      await c.waitFor("\n[Rob Private]note to self\nRob> ");
      c.type("@exit");
      assert.equal(await c.exit(), 0);
      assert.deepEqual(student.received, ["0:Bob", "0:Rob", "2:hello there", "4:@Rob note to self", "1:"]);
    } finally {
      await student.close();
    }
  });
});
