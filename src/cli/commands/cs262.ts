/** `switchboard server cs262` and `switchboard client cs262` (seed 002, docs/cs262.md). */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { runCs262Client } from "../../clients/cs262/run.js";
import type { WireVersion } from "../../protocols/cs262/frames.js";
import { clientCommand, serverCommand } from "../dialect-command.js";
import { BIND_ADDRESS_OPTION, listenPortOption, SERVER_HOST_OPTION, serverPortOption } from "../ports.js";

export function addCs262ServerCommand(server: Command): void {
  serverCommand(server.command("cs262"), {
    description: "The cs262 chat server (seed 002): accounts, offline delivery, kept in <data-dir>/switchboard.db",
    options: (c) =>
      c
        .option(...BIND_ADDRESS_OPTION)
        .option(...listenPortOption(9002))
        .option("--data-dir <dir>", "where accounts and queued messages are kept (<data-dir>/switchboard.db)", "./data"),
    proxyProtocol: true,
    examples: ["switchboard server cs262", "switchboard server cs262 --port 9002 --data-dir /var/lib/switchboard", "switchboard server cs262 --mailbox-limit 500"],
    config: (o) => ({ dataDir: o.dataDir, cs262: { host: o.host, port: o.port } }),
  });
}

export function addCs262ClientCommand(client: Command): void {
  clientCommand(client.command("cs262"), {
    description: "The cs262 client (seed 002): create or log in to an account, list, send, deliver, delete",
    options: (c) =>
      c
        .option(...SERVER_HOST_OPTION)
        .option(...serverPortOption(9002))
        .option("--wire-version <0|1>", "numbering: 1 (Switchboard's) or 0 (the original zackziegler95/chatbot server)", parseWireVersion, 1),
    notes:
      "Commands: create <name> [password], login <name> [password], list [pattern], send <to> <message>,\n" +
      "deliver, delete, logout, help, quit. Messages sent to you print as `<from>: <text>` when they arrive.",
    examples: ["switchboard client cs262 --host 127.0.0.1 --port 9002", "printf 'login alice secret\\ndeliver\\n' | switchboard client cs262"],
    run: (o, _args, io) => runCs262Client({ host: o.host, port: o.port, ...io, wireVersion: o.wireVersion }),
  });
}

function parseWireVersion(value: string): WireVersion {
  if (value === "0" || value === "1") return Number(value) as WireVersion;
  throw new InvalidArgumentError("must be 0 or 1");
}
