/**
 * ServerStreamReader: what a gowing server sends, split into the one-byte JOIN reply and
 * frames (docs/gowing.md#frames), fed the exact bytes of our server and of the public student servers
 * (ParadoxEngineer/Chat-Server-Python ChatServer.py, blewis308/Chat-Server
 * ClientThread.java), however the chunks fall.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeJoinReply, encodeText } from "../../../src/protocols/gowing/codec.js";
import { FrameType } from "../../../src/protocols/gowing/frames.js";
import { ServerStreamReader } from "../../../src/protocols/gowing/server-stream.js";

type Item = { status: number } | { type: number; text: string };

/** Reads `chunks` as a client with one JOIN outstanding from the start. */
function read(chunks: readonly Buffer[]): Item[] {
  const items: Item[] = [];
  let awaiting = true;
  const reader = new ServerStreamReader(
    {
      status: (status) => {
        awaiting = false;
        items.push({ status });
      },
      frame: (f) => items.push({ type: f.type, text: f.text }),
    },
    () => awaiting,
  );
  for (const c of chunks) reader.push(c);
  return items;
}

function everySplit(bytes: Buffer, expected: Item[]): void {
  assert.deepEqual(read([bytes]), expected, "whole");
  for (let cut = 0; cut <= bytes.length; cut++) assert.deepEqual(read([bytes.subarray(0, cut), bytes.subarray(cut)]), expected, `cut at ${cut}`);
  assert.deepEqual(read([...bytes].map((b) => Buffer.from([b]))), expected, "byte by byte");
}

describe("gowing server stream", () => {
  it("reads the Python student server's accepted JOIN: 00, then its frames with their newlines", () => {
    // ChatServer.py: sock.send(pack('!B', 0)); the command list; then the queued joining notice.
    const commands = "**We support these commands: join, leave, talk, list, direct**\n";
    const bytes = Buffer.concat([Buffer.from([0]), encodeText(2, commands), encodeText(2, "**bob is joining the chat**\n")]);
    everySplit(bytes, [{ status: 0 }, { type: 2, text: commands }, { type: 2, text: "**bob is joining the chat**\n" }]);
  });

  it("reads the Java student server's accepted JOIN: 00, its notice, then its command list", () => {
    // ClientThread.joinServer: write({0}); talk("- bob connected -"); the command list.
    const commands = "Available Commands: \n join \n leave \n talk \n list \n direct \n error \n";
    const bytes = Buffer.concat([Buffer.from([0]), encodeText(2, "- bob connected -"), encodeText(2, commands)]);
    everySplit(bytes, [{ status: 0 }, { type: 2, text: "- bob connected -" }, { type: 2, text: commands }]);
  });

  it("reads our server's reply the same way", () => {
    const bytes = Buffer.concat([encodeJoinReply(0), encodeText(2, "We support these commands: join, leave, talk, list, direct")]);
    assert.deepEqual(encodeJoinReply(1), Buffer.from([1]), "one raw byte, not a frame");
    everySplit(bytes, [{ status: 0 }, { type: 2, text: "We support these commands: join, leave, talk, list, direct" }]);
  });

  it("skips a frame of an unknown type, payload and all, and reads on in step", () => {
    const bytes = Buffer.concat([Buffer.from([1]), Buffer.from([9, 0, 3, 0, 0, 0]), encodeText(FrameType.Error, "x")]);
    everySplit(bytes, [{ status: 1 }, { type: FrameType.Error, text: "x" }]);
  });
});
