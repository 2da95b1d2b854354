/**
 * `switchboard server bcs` and `switchboard client bcs`, and the same commands as the
 * programs bcs_server and bcs_client: built on a Command of their own name, so that their
 * --help and errors say `bcs_server`/`bcs_client`, not `switchboard server bcs`.
 */
import { Command } from "commander";
import { runBcsClient } from "../../clients/bcs/run.js";
import { clientCommand, serverCommand } from "../dialect-command.js";
import { BIND_ADDRESS_OPTION, parsePort } from "../ports.js";

export function addBcsServerCommand(server: Command): void {
  bcsServer(server.command("bcs"));
}

/** The bcs_server program. */
export function bcsServerProgram(): Command {
  return bcsServer(new Command("bcs_server"));
}

export function addBcsClientCommand(client: Command): void {
  bcsClient(client.command("bcs"));
}

/** The bcs_client program. */
export function bcsClientProgram(): Command {
  return bcsClient(new Command("bcs_client"));
}

function bcsServer(command: Command): Command {
  return serverCommand(command, {
    description: "The Basic Chat Server (seed 000): bcs_server -p <port> [-l <log_file>] [-f <file_dir>]",
    options: (c) =>
      c
        .option("-p, --port <port>", "port to listen on", parsePort, 9001)
        .option("-l, --log <log_file>", "chat log file (default stdout)")
        .option("-f, --file-dir <file_dir>", "where uploads are stored", "./data/files")
        .option(...BIND_ADDRESS_OPTION),
    proxyProtocol: true,
    examples: ["bcs_server -p 9001", "bcs_server -p 9001 -l chat.log -f ./files --ack-timeout 10s", "switchboard server bcs --port 9001 --max-file-size 50MB --uploads-per-minute 10"],
    config: (o) => ({ bcs: { host: o.host, port: o.port, chatLog: o.log ?? "-", filesDir: o.fileDir } }),
  });
}

function bcsClient(command: Command): Command {
  return clientCommand(command, {
    description: "The bcs client (seed 000): bcs_client -h <host> -p <port> -u <username>",
    options: (c) =>
      c
        .helpOption("--help", "display help for command") // -h is the host, as in the seed
        .option("-h, --host <host>", "server host", "127.0.0.1")
        .option("-p, --port <port>", "server port", parsePort, 9001)
        .requiredOption("-u, --username <username>", "name to register"),
    notes:
      "Type a line to send it to everyone. Commands: /sendfile <path>, /getfile <name> [dest], /help, /quit.\n" +
      "Exits with the server's status code when it refuses the name. On a terminal, file transfers show a progress bar.",
    examples: ["bcs_client -h 127.0.0.1 -p 9001 -u alice", "switchboard client bcs -h chat.example.org -p 9001 -u bob", "printf 'hello\\n/sendfile notes.txt\\n' | bcs_client -u alice"],
    run: (o, _args, io) => runBcsClient({ host: o.host, port: o.port, username: o.username, ...io }),
  });
}
