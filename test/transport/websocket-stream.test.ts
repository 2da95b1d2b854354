/**
 * A WebSocket as a Connection's socket (src/transport/websocket-stream.ts), against stand-ins
 * for the `ws` WebSocket and its TCP socket: what arrives while paused waits and comes in
 * order after resume (never inside the resume call, never while paused); a text message
 * and a WebSocket-level error close the connection as a protocol error; the close code
 * says why; writes are binary messages while open; the backlog is ws's bufferedAmount.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import type { WebSocket } from "ws";
import type { DisconnectReason } from "../../src/core/errors.js";
import { closeCodeFor, WebSocketStream, type StreamOwner } from "../../src/transport/websocket-stream.js";

class FakeWs extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  paused = false;
  readonly sent: { data: Uint8Array | string; binary: boolean }[] = [];
  closedWith: [number, string | undefined] | undefined;
  terminated = false;
  send(data: Uint8Array | string, options: { binary: boolean }): void {
    this.sent.push({ data, binary: options.binary });
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(code: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2; // CLOSING
  }
  terminate(): void {
    this.terminated = true;
  }
}

class FakeSocket extends EventEmitter {
  readonly writableHighWaterMark = 16384;
  destroyed = false;
  remoteAddress = "192.0.2.7";
  remotePort = 4711;
}

class FakeOwner implements StreamOwner {
  disconnectReason: DisconnectReason | undefined;
  close(reason: DisconnectReason): void {
    this.disconnectReason ??= reason;
  }
}

function make() {
  const ws = new FakeWs();
  const socket = new FakeSocket();
  const stream = new WebSocketStream(ws as unknown as WebSocket, socket as unknown as Socket);
  const owner = new FakeOwner();
  stream.attach(owner);
  const data: string[] = [];
  const errors: Error[] = [];
  let closes = 0;
  stream.on("data", (chunk: Buffer) => data.push(chunk.toString()));
  stream.on("error", (err: Error) => errors.push(err));
  stream.on("close", () => closes++);
  return { ws, socket, stream, owner, data, errors, closes: () => closes };
}

const tick = (): Promise<void> => new Promise((r) => process.nextTick(r));

describe("WebSocketStream", () => {
  it("hands binary messages over as data, in order", () => {
    const { ws, data } = make();
    ws.emit("message", Buffer.from("HELLO-"), true);
    ws.emit("message", Buffer.from("FROM a\n"), true);
    assert.deepEqual(data, ["HELLO-", "FROM a\n"]);
  });

  it("holds what ws still hands over while paused, and delivers it in order on a tick after resume", async () => {
    const { ws, stream, data } = make();
    stream.pause();
    assert.equal(ws.paused, true, "ws stops reading its socket");
    ws.emit("message", Buffer.from("b"), true); // the rest of the chunk ws was parsing
    ws.emit("message", Buffer.from("c"), true);
    assert.deepEqual(data, []);
    stream.resume();
    assert.equal(ws.paused, false);
    assert.deepEqual(data, [], "not inside resume(): the caller may be in the middle of its own input");
    ws.emit("message", Buffer.from("d"), true); // arrives before the held ones are out: waits behind them
    await tick();
    assert.deepEqual(data, ["b", "c", "d"]);
  });

  it("stops delivering held messages when paused again, and goes on at the next resume", async () => {
    const { ws, stream, data } = make();
    stream.on("data", (chunk: Buffer) => {
      if (chunk.toString() === "b") stream.pause(); // the session paused on this one
    });
    stream.pause();
    for (const m of ["b", "c", "d"]) ws.emit("message", Buffer.from(m), true);
    stream.resume();
    await tick();
    assert.deepEqual(data, ["b"]);
    await tick();
    assert.deepEqual(data, ["b"], "nothing while paused");
    stream.resume();
    await tick();
    assert.deepEqual(data, ["b", "c", "d"]);
  });

  it("closes a connection that sends text with 1003, as a protocol error", () => {
    const { ws, stream, owner, data } = make();
    ws.emit("message", Buffer.from("HELLO-FROM a\n"), false);
    assert.deepEqual(data, [], "a text message is not read");
    assert.equal(owner.disconnectReason, "protocol_error");
    stream.end(); // what the Connection does when it closes
    assert.deepEqual(ws.closedWith, [1003, "binary messages only"]);
  });

  it("ends with the close code of the connection's reason", () => {
    for (const [reason, code] of [
      ["client_left", 1000],
      ["rejected", 1000],
      ["server_shutdown", 1001],
      ["protocol_error", 1008],
      ["login_timeout", 1008],
      ["stalled_frame", 1008],
      ["ack_timeout", 1008],
    ] as const) {
      const { ws, stream, owner } = make();
      owner.close(reason);
      stream.end();
      assert.deepEqual(ws.closedWith, [code, reason], reason);
      assert.equal(closeCodeFor(reason), code);
    }
  });

  it("takes a WebSocket-level error (an oversized or malformed frame) as a protocol error, and passes it on", () => {
    const { ws, owner, errors } = make();
    const err = Object.assign(new RangeError("Max payload size exceeded"), { code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" });
    ws.emit("error", err);
    assert.equal(owner.disconnectReason, "protocol_error");
    assert.deepEqual(errors, [err]);
  });

  it("writes binary messages while open, nothing once closing; its backlog is ws's bufferedAmount; destroy terminates", () => {
    const { ws, stream, socket, closes } = make();
    stream.write(Buffer.from("HELLO a\n"));
    stream.write("SEND-OK\n"); // text (a lab session's lines) goes as a binary message too
    assert.deepEqual(ws.sent.map((s) => [s.data.toString(), s.binary]), [["HELLO a\n", true], ["SEND-OK\n", true]]);
    ws.bufferedAmount = 12345;
    assert.equal(stream.writableLength, 12345);
    assert.equal(stream.writableHighWaterMark, 16384);
    assert.equal(stream.remoteAddress, "192.0.2.7");
    let drained = 0;
    stream.on("drain", () => drained++);
    socket.emit("drain");
    assert.equal(drained, 1, "the TCP socket's drain");
    ws.readyState = 2;
    stream.write(Buffer.from("late\n"));
    assert.equal(ws.sent.length, 2);
    stream.destroy();
    assert.equal(ws.terminated, true);
    ws.emit("close", 1006, Buffer.alloc(0));
    assert.equal(closes(), 1);
  });
});
