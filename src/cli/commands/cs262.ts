/** `switchboard server cs262` and `switchboard client cs262` (seed 002, docs/cs262.md). */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { runCs262Client } from "../../clients/cs262/run.js";
import type { WireVersion } from "../../protocols/cs262/frames.js";
import { addLimitOptions, limitsFrom, PROXY_PROTOCOL_OPTION } from "../limit-options.js";
import { parsePort } from "../ports.js";
import { runServer } from "../run-server.js";

export function addCs262ServerCommand(server: Command): void {
  addLimitOptions(
    server
      .command("cs262")
      .description("The cs262 chat server (seed 002): accounts, offline delivery, kept in <data-dir>/switchboard.db")
      .option("--host <address>", "address to bind", "0.0.0.0")
      .option("--port <port>", "port to listen on (0 picks a free one)", parsePort, 9002)
      .option("--data-dir <dir>", "where accounts and queued messages are kept (<data-dir>/switchboard.db)", "./data")
      .option(...PROXY_PROTOCOL_OPTION),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  switchboard server cs262\n  switchboard server cs262 --port 9002 --data-dir /var/lib/switchboard\n" +
        "  switchboard server cs262 --mailbox-limit 500",
    )
    .action(async (o) => {
      await runServer({ limits: limitsFrom(o), dataDir: o.dataDir, cs262: { host: o.host, port: o.port }, proxyProtocol: o.proxyProtocol === true });
    });
}

export function addCs262ClientCommand(client: Command): void {
  client
    .command("cs262")
    .description("The cs262 client (seed 002): create or log in to an account, list, send, deliver, delete")
    .option("--host <host>", "server host", "127.0.0.1")
    .option("--port <port>", "server port", parsePort, 9002)
    .option("--wire-version <0|1>", "numbering: 1 (Switchboard's) or 0 (the original zackziegler95/chatbot server)", parseWireVersion, 1)
    .addHelpText(
      "after",
      "\nCommands: create <name> [password], login <name> [password], list [pattern], send <to> <message>,\n" +
        "deliver, delete, logout, help, quit. Messages sent to you print as `<from>: <text>` when they arrive.\n\n" +
        "Examples:\n  switchboard client cs262 --host 127.0.0.1 --port 9002\n" +
        "  printf 'login alice secret\\ndeliver\\n' | switchboard client cs262",
    )
    .action(async (o) => {
      process.exitCode = await runCs262Client({ host: o.host, port: o.port, input: process.stdin, output: process.stdout, wireVersion: o.wireVersion });
    });
}

function parseWireVersion(value: string): WireVersion {
  if (value === "0" || value === "1") return Number(value) as WireVersion;
  throw new InvalidArgumentError("must be 0 or 1");
}
