/**
 * The command line: thin. Each command turns flags into a config (or client options)
 * and calls the library; each dialect's commands live in `commands/<dialect>.ts`, listed
 * by dialect in dialect-commands.ts.
 * `bcs_server` and `bcs_client` are this program with their subcommand already chosen.
 */
import { Command } from "commander";
import { addCheckConfigCommand } from "./commands/check-config.js";
import { addServeCommand } from "./commands/serve.js";
import { DIALECT_COMMANDS } from "./dialect-commands.js";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("switchboard")
    .description("One chat hub, five old wire protocols (bcs, lab, cs262, gowing, udp).")
    .version(VERSION, "-V, --version")
    .addHelpText(
      "after",
      "\nEach command has its own --help, with examples.\n\nExamples:\n  switchboard serve\n  switchboard server bcs -p 9001\n" +
        "  switchboard client lab --address 127.0.0.1 --port 5378\n  switchboard check-config switchboard.yaml\n  switchboard --version",
    );
  addServeCommand(program);
  addCheckConfigCommand(program);
  const server = program
    .command("server")
    .description("Serve one dialect alone, as its seed's server did")
    .addHelpText("after", "\nExamples:\n  switchboard server lab --port 5378\n  switchboard server cs262 --data-dir /var/lib/switchboard");
  for (const commands of Object.values(DIALECT_COMMANDS)) commands.server(server);
  const client = program
    .command("client")
    .description("Talk to a server in one dialect, as its seed's client did")
    .addHelpText("after", "\nExamples:\n  switchboard client bcs -h 127.0.0.1 -p 9001 -u alice\n  switchboard client gowing 127.0.0.1 Bob");
  for (const commands of Object.values(DIALECT_COMMANDS)) commands.client(client);
  return program;
}
