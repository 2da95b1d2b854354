/**
 * Half-open and stalled connections (issue 8; README "Unresponsive clients"), per TCP
 * dialect: a connection that never logs in is closed after --login-timeout, and one that
 * logs in and then stops in the middle of a frame is closed after --stall-timeout. The
 * client never closes its side: only the server's deadlines can end these.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { encodeFrame as encodeBcs } from "../../src/protocols/bcs/codec.js";
import { FrameType as Bcs } from "../../src/protocols/bcs/frames.js";
import { encodeFrame as encodeCs262 } from "../../src/protocols/cs262/codec.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { encodeText as encodeGowing } from "../../src/protocols/gowing/codec.js";
import { FrameType as Gowing } from "../../src/protocols/gowing/frames.js";
import { ANY_PORT, startHub, type TestHub } from "../helpers/server.js";

const TIMEOUT = { timeout: 30_000 };
const DEADLINE_MS = 300;

interface Dialect {
  readonly name: "lab" | "gowing" | "bcs" | "cs262";
  /** Bytes that log in. */
  readonly login: Buffer;
  /** The first bytes of a frame that never completes. */
  readonly partial: Buffer;
}

const bcsSend = encodeBcs({ type: Bcs.Send, message: "never finished" });
const cs262List = encodeCs262({ command: Command.List, pattern: "never*finished" });
const gowingMessage = encodeGowing(Gowing.Message, "never finished");

const DIALECTS: readonly Dialect[] = [
  { name: "lab", login: Buffer.from("HELLO-FROM lab_user\n"), partial: Buffer.from("SEND lab_user never fin") },
  { name: "gowing", login: encodeGowing(Gowing.Join, "gowing_user"), partial: gowingMessage.subarray(0, gowingMessage.length - 3) },
  { name: "bcs", login: encodeBcs({ type: Bcs.Register, username: "bcs_user" }), partial: bcsSend.subarray(0, bcsSend.length - 3) },
  // Inside the 40-byte length: the header itself is incomplete.
  { name: "cs262", login: encodeCs262({ command: Command.Create, name: "cs262_user", password: undefined }), partial: cs262List.subarray(0, 20) },
];

/** Resolve with the ms until the server closes `socket` (the client never closes it). */
function closeOf(socket: Socket, from = Date.now()): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.on("close", () => resolve(Date.now() - from));
    setTimeout(() => {
      socket.destroy();
      reject(new Error("the server did not close the connection"));
    }, 10_000).unref();
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("data", () => undefined); // read (and drop) what the server says
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

async function until(test: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("half-open connections are closed by the server's deadlines", TIMEOUT, () => {
  let server: TestHub;

  // Every TCP dialect on one server, with short deadlines.
  before(async () => {
    server = await startHub(
      { lab: { ...ANY_PORT, bots: [] }, gowing: { ...ANY_PORT, logDir: "off" }, bcs: { ...ANY_PORT, chatLog: "off" }, cs262: ANY_PORT, store: "memory" },
      { loginTimeoutMs: DEADLINE_MS, stallTimeoutMs: DEADLINE_MS },
    );
  });

  after(async () => {
    await server?.close();
  });

  for (const d of DIALECTS) {
    it(`${d.name}: closes a connection that never logs in, after --login-timeout`, async () => {
      const started = Date.now();
      const ms = await closeOf(await open(server.ports[d.name]!), started);
      assert.ok(ms >= DEADLINE_MS - 20 && ms < DEADLINE_MS + 2000, `closed after ${ms} ms`);
    });

    it(`${d.name}: closes a logged-in connection that stops in the middle of a frame, after --stall-timeout`, async () => {
      const socket = await open(server.ports[d.name]!);
      socket.write(d.login);
      const user = `${d.name}_user`;
      await until(() => server.running.hub.isOnline(user)); // logged in: the login deadline is over
      const closed = closeOf(socket);
      socket.write(d.partial);
      const ms = await closed;
      assert.ok(ms >= DEADLINE_MS - 20 && ms < DEADLINE_MS + 2000, `closed ${ms} ms after the half frame`);
      await until(() => !server.running.hub.isOnline(user)); // and logged out
    });
  }
});
