/** `switchboard server gowing` and `switchboard client gowing` (seed 003, docs/gowing.md). */
import type { Command } from "commander";
import { runGowingClient } from "../../clients/gowing/run.js";
import { addLimitOptions, limitsFrom, PROXY_PROTOCOL_OPTION } from "../limit-options.js";
import { parsePort } from "../ports.js";
import { runServer } from "../run-server.js";

export function addGowingServerCommand(server: Command): void {
  addLimitOptions(
    server
      .command("gowing")
      .description("Dr. Gowing's chat server (seed 003): switchboard server gowing [--port 9000] [--log-dir DIR]")
      .option("--port <port>", "port to listen on (0 picks a free one)", parsePort, 9000)
      .option("--log-dir <dir>", "directory for connections.log and chat.log (default: both on stdout)")
      .option("--host <address>", "address to bind", "0.0.0.0")
      .option(...PROXY_PROTOCOL_OPTION),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  switchboard server gowing\n  switchboard server gowing --port 9000 --log-dir ./logs\n" +
        "  switchboard server gowing --host 127.0.0.1 --port 9000 --msg-rate 20",
    )
    .action(async (o) => {
      await runServer({
        limits: limitsFrom(o),
        dataDir: "./data",
        gowing: { host: o.host, port: o.port, logDir: o.logDir ?? "-" },
        proxyProtocol: o.proxyProtocol === true,
      });
    });
}

export function addGowingClientCommand(client: Command): void {
  client
    .command("gowing")
    .description("Dr. Gowing's chat client (seed 003): switchboard client gowing <server-ip> <name> [--port 9000]")
    .argument("<server-ip>", "server address")
    .argument("<name>", "name to join with (no spaces)")
    .option("--port <port>", "server port", parsePort, 9000)
    .addHelpText(
      "after",
      "\nType a line to send it to everyone else. @list shows who is online, @msg <name> <text> sends a private\n" +
        "message, @help shows the commands, @exit leaves. A name in use makes the client ask for another.\n" +
        "\nExamples:\n  switchboard client gowing 127.0.0.1 Bob\n  switchboard client gowing chat.example.org Alice --port 9000",
    )
    .action(async (host: string, name: string, o) => {
      process.exitCode = await runGowingClient({ host, port: o.port, name, input: process.stdin, output: process.stdout });
    });
}
