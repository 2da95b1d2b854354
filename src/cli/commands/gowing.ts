/** `switchboard server gowing` and `switchboard client gowing` (seed 003, docs/gowing.md). */
import type { Command } from "commander";
import { runGowingClient } from "../../clients/gowing/run.js";
import { clientCommand, serverCommand } from "../dialect-command.js";
import { BIND_ADDRESS_OPTION, listenPortOption, serverPortOption } from "../ports.js";

export function addGowingServerCommand(server: Command): void {
  serverCommand(server.command("gowing"), {
    description: "Dr. Gowing's chat server (seed 003): switchboard server gowing [--port 9000] [--log-dir DIR]",
    options: (c) =>
      c
        .option(...listenPortOption(9000))
        .option("--log-dir <dir>", "directory for connections.log and chat.log (default: both on stdout)")
        .option(...BIND_ADDRESS_OPTION),
    proxyProtocol: true,
    examples: ["switchboard server gowing", "switchboard server gowing --port 9000 --log-dir ./logs", "switchboard server gowing --host 127.0.0.1 --port 9000 --msg-rate 20"],
    config: (o) => ({ gowing: { host: o.host, port: o.port, logDir: o.logDir ?? "-" } }),
  });
}

export function addGowingClientCommand(client: Command): void {
  clientCommand(client.command("gowing"), {
    description: "Dr. Gowing's chat client (seed 003): switchboard client gowing <server-ip> <name> [--port 9000]",
    options: (c) => c.argument("<server-ip>", "server address").argument("<name>", "name to join with (no spaces)").option(...serverPortOption(9000)),
    notes:
      "Type a line to send it to everyone else. @list shows who is online, @msg <name> <text> sends a private\n" +
      "message, @help shows the commands, @exit leaves. A name in use makes the client ask for another.",
    examples: ["switchboard client gowing 127.0.0.1 Bob", "switchboard client gowing chat.example.org Alice --port 9000"],
    run: (o, [host, name], io) => runGowingClient({ host: host!, port: o.port, name: name!, ...io }),
  });
}
