/**
 * The chat-log service over a real Hub: the bcs chat log and gowing's two files, made
 * from the hub's chat events and its clients' comings and goings, written by the one
 * writer (LineLog) with one `oneLine`. Sessions' reports are played here by hand, as
 * the bcs and gowing sessions make them (their own tests check they do).
 */
import assert from "node:assert/strict";
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isPending } from "../../src/core/answer.js";
import type { Client } from "../../src/core/client-events.js";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import type { Member } from "../../src/core/ports.js";
import { openBcsChatLog } from "../../src/log/bcs-chat-log.js";
import { ChatLogs, type ChatLog } from "../../src/log/chat-logs.js";
import { DISPOSITIONS, openGowingLogs, quotedName } from "../../src/log/gowing-logs.js";
import { LineLog, oneLine } from "../../src/log/line-log.js";
import { eventLine } from "../../src/protocols/gowing/render.js";
import { tempDir } from "../helpers/server.js";

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

/** The lines of a log file without their times, each checked to have one. */
function bodies(path: string): string[] {
  const text = readFileSync(path, "utf8");
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), "the last line is complete");
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      assert.match(line, TS);
      return line.replace(TS, "");
    });
}

class FakeMember implements Member {
  name = "";
  readonly got: HubEvent[] = [];
  constructor(readonly dialect: string) {}
  deliver(event: HubEvent): boolean {
    this.got.push(event);
    return true;
  }
  disconnect(_reason: DisconnectReason): void {}
}

/** A user of `dialect` on `hub`, with the reports its session would make. */
function user(hub: Hub, dialect: string, name: string, port: number) {
  const client: Client = { dialect, address: "127.0.0.1", port };
  const member = new FakeMember(dialect);
  hub.clientEvents.report({ kind: "connected", client });
  member.name = name;
  const result = hub.join(member, name);
  assert.ok(!isPending(result), "the local name registry answers at once");
  hub.clientEvents.report({ kind: "login", client, name, result });
  return {
    member,
    say: (text: string) => assert.equal(hub.lobby(member, text), "ok"),
    store: (file: string, size: number) => {
      hub.fileStored(member, file);
      hub.clientEvents.report({ kind: "stored", client, user: name, file, size });
    },
    leave: (reason: DisconnectReason) => {
      hub.leave(member);
      hub.clientEvents.report({ kind: "disconnected", client, name, reason });
    },
  };
}

const noError = (err: Error): never => assert.fail(err);

describe("oneLine", () => {
  it("writes control characters and DEL as \\xNN, and leaves all other text as it is", () => {
    assert.equal(oneLine("two\nlines\r\u0000\u001b[31m\u007f"), "two\\x0alines\\x0d\\x00\\x1b[31m\\x7f");
    const plain = "héllo ✓ \\x41 tab-free \u0080";
    assert.equal(oneLine(plain), plain);
  });
});

describe("the bcs chat log", () => {
  it("records registrations, messages, uploads and ends of bcs users only, one line each", async () => {
    const hub = new Hub();
    const logs = new ChatLogs(hub);
    const path = join(tempDir("sb-chatlog-"), "logs", "bcs.log");
    const log = logs.add(openBcsChatLog(path, { dialect: "bcs", onError: noError }));
    const alice = user(hub, "bcs", "alice", 5001);
    const lab = user(hub, "lab", "labber", 5002);
    const refused = { dialect: "bcs", address: "127.0.0.1", port: 5003 };
    hub.clientEvents.report({ kind: "connected", client: refused });
    hub.clientEvents.report({ kind: "login", client: refused, name: "ALICE", result: "name_taken" });
    hub.clientEvents.report({ kind: "disconnected", client: refused, name: undefined, reason: "rejected" });
    alice.say("hi all");
    alice.say("two\nlines\u007f");
    lab.say("not a bcs user's");
    alice.store("notes.txt", 5);
    lab.leave("client_left");
    alice.leave("client_closed");
    await log.close();
    assert.deepEqual(bodies(path), [
      "registered alice (bcs) from 127.0.0.1:5001",
      "message alice: hi all",
      "message alice: two\\x0alines\\x7f",
      "upload alice stored notes.txt (5 bytes)",
      "disconnected alice (client_closed)",
    ]);
  });

  it("writes - for the address with logClientIps: false", async () => {
    const hub = new Hub();
    const path = join(tempDir("sb-chatlog-"), "bcs.log");
    const log = new ChatLogs(hub).add(openBcsChatLog(path, { dialect: "bcs", logClientIps: false, onError: noError }));
    user(hub, "bcs", "bob", 5004).leave("server_shutdown");
    await log.close();
    assert.deepEqual(bodies(path), ["registered bob (bcs) from -", "disconnected bob (server_shutdown)"]);
  });

  it("refuses at once a path that cannot be opened", () => {
    assert.throws(() => openBcsChatLog(tempDir("sb-chatlog-"), { dialect: "bcs" }), /EISDIR/);
  });
});

/** chat.log's lines: the gowing dialect's rendering, as the gowing dialect's open() passes it in. */
const chatLine = eventLine;

describe("the gowing logs", () => {
  it("record gowing connections, each JOIN with its disposition, and each end; chat.log the chat of every dialect", async () => {
    const hub = new Hub();
    const dir = join(tempDir("sb-gowinglogs-"), "gowing");
    const logs = openGowingLogs(dir, { dialect: "gowing", chatLine, onError: noError });
    assert.ok(logs);
    const open = new ChatLogs(hub).add(logs);
    const bcs = user(hub, "bcs", "bc", 6000);
    const client = { dialect: "gowing", address: "127.0.0.1", port: 6001 };
    hub.clientEvents.report({ kind: "connected", client });
    hub.clientEvents.report({ kind: "login", client, name: "BC", result: "name_taken" });
    hub.clientEvents.report({ kind: "login", client, name: 'say "hi"\\\n', result: "name_invalid" });
    hub.clientEvents.report({ kind: "login", client, name: 600, result: "name_invalid" });
    hub.clientEvents.report({ kind: "login", client, name: "n".repeat(70), result: "name_invalid" });
    hub.clientEvents.report({ kind: "disconnected", client, name: undefined, reason: "login_timeout" });
    const gw = user(hub, "gowing", "gw", 6002);
    bcs.say("hello\tgowing");
    bcs.store("notes.txt", 5);
    hub.direct(bcs.member, "gw", "a secret");
    gw.leave("client_left");
    bcs.leave("client_closed");
    await open.close();
    assert.deepEqual(bodies(join(dir, "connections.log")), [
      "127.0.0.1 port 6001 connected",
      '127.0.0.1 port 6001 requests name "BC": rejected: name in use',
      '127.0.0.1 port 6001 requests name "say \\"hi\\"\\\\\\x0a": rejected: invalid',
      "127.0.0.1 port 6001 requests a name of 600 bytes: rejected: invalid",
      `127.0.0.1 port 6001 requests name "${"n".repeat(64)}"... (70 characters): rejected: invalid`,
      "127.0.0.1 port 6001 disconnected: login_timeout",
      "127.0.0.1 port 6002 connected",
      '127.0.0.1 port 6002 requests name "gw": accepted',
      "127.0.0.1 port 6002 disconnected (gw): client_left",
    ]);
    assert.deepEqual(bodies(join(dir, "chat.log")), [
      "**bc is joining the chat**",
      "**gw is joining the chat**",
      "[bc] hello\\x09gowing",
      "**bc has uploaded notes.txt to the server**",
      "**gw is leaving the chat**",
      "**bc is leaving the chat**",
    ]);
  });

  it("word every JoinResult as the specification does", () => {
    assert.deepEqual(
      [DISPOSITIONS.ok, DISPOSITIONS.name_taken, DISPOSITIONS.name_owned, DISPOSITIONS.name_invalid, DISPOSITIONS.name_reserved, DISPOSITIONS.server_full],
      ["accepted", "rejected: name in use", "rejected: name in use", "rejected: invalid", "rejected: invalid", "rejected: server full"],
    );
    assert.equal(quotedName("plain"), '"plain"');
  });

  it("keep the port but not the IP with logClientIps: false", async () => {
    const hub = new Hub();
    const dir = tempDir("sb-gowinglogs-");
    const open = new ChatLogs(hub).add(openGowingLogs(dir, { dialect: "gowing", chatLine, logClientIps: false, onError: noError })!);
    user(hub, "gowing", "anon", 6003).leave("client_closed");
    await open.close();
    assert.deepEqual(bodies(join(dir, "connections.log")), [
      "- port 6003 connected",
      '- port 6003 requests name "anon": accepted',
      "- port 6003 disconnected (anon): client_closed",
    ]);
  });

  it("are none with off, and refuse at start a directory that cannot be made", async () => {
    assert.equal(openGowingLogs("off", { dialect: "gowing", chatLine, onError: noError }), undefined);
    const file = join(tempDir("sb-gowinglogs-"), "a-file");
    const existing = LineLog.open(file, noError);
    assert.throws(() => openGowingLogs(join(file, "logs"), { dialect: "gowing", chatLine, onError: noError }), /ENOTDIR/);
    await existing.close();
  });

  it("open both files again on reopen, after logrotate moved them", async () => {
    const hub = new Hub();
    const dir = tempDir("sb-gowinglogs-");
    const open = new ChatLogs(hub).add(openGowingLogs(dir, { dialect: "gowing", chatLine, onError: noError })!);
    const first = user(hub, "gowing", "first", 6004);
    await new Promise((r) => setTimeout(r, 50)); // written out before the move
    for (const name of ["connections.log", "chat.log"]) renameSync(join(dir, name), join(dir, `${name}.1`));
    assert.deepEqual(await open.reopen(), [{ file: join(dir, "connections.log") }, { file: join(dir, "chat.log") }]);
    first.leave("client_left");
    await open.close();
    assert.deepEqual(bodies(join(dir, "chat.log.1")), ["**first is joining the chat**"]);
    assert.deepEqual(bodies(join(dir, "chat.log")), ["**first is leaving the chat**"]);
    assert.deepEqual(bodies(join(dir, "connections.log")), ["127.0.0.1 port 6004 disconnected (first): client_left"]);
  });
});

describe("the chat-log service", () => {
  it("watches the hub only while a log is open, and writes nothing to a log once it is closed", async () => {
    const hub = new Hub();
    const logs = new ChatLogs(hub);
    assert.equal(hub.tableSizes()["hub.observers"], 0);
    const seen: string[] = [];
    const recording = (tag: string): ChatLog => ({
      chat: (event, by) => void seen.push(`${tag} ${event.kind} by ${by.dialect}`),
      client: (event) => void seen.push(`${tag} ${event.kind}`),
      close: () => Promise.resolve(),
      reopen: () => Promise.resolve([]),
    });
    const a = logs.add(recording("a"));
    const b = logs.add(recording("b"));
    assert.equal(hub.tableSizes()["hub.observers"], 1, "one observer for every log");
    const x = user(hub, "lab", "x", 7000);
    await a.close();
    x.say("hi");
    await b.close();
    assert.equal(hub.tableSizes()["hub.observers"], 0);
    x.leave("client_closed");
    assert.deepEqual(seen, ["a connected", "b connected", "a join by lab", "b join by lab", "a login", "b login", "b lobby by lab"]);
  });

  it("keeps the chat going when a log throws, and tells the hub's onError", () => {
    const errors: unknown[] = [];
    const hub = new Hub({ onError: (err) => errors.push(err) });
    new ChatLogs(hub).add({
      chat: () => {
        throw new Error("chat log bug");
      },
      client: () => {
        throw new Error("client log bug");
      },
      close: () => Promise.resolve(),
      reopen: () => Promise.resolve([]),
    });
    const other = user(hub, "lab", "other", 7001);
    const x = user(hub, "lab", "x", 7002);
    x.say("still delivered");
    assert.deepEqual(other.member.got, [{ kind: "join", name: "x" }, { kind: "lobby", from: "x", text: "still delivered" }]);
    assert.deepEqual(errors.map(String), [
      "Error: client log bug",
      "Error: chat log bug",
      "Error: client log bug",
      "Error: client log bug",
      "Error: chat log bug",
      "Error: client log bug",
      "Error: chat log bug",
    ]);
  });
});
