/**
 * The command line: thin. Each command turns flags into a config (or client options)
 * and calls the library. `bcs_server` and `bcs_client` are this program with their
 * subcommand already chosen.
 */
import { Command, InvalidArgumentError } from "commander";
import { runBcsClient } from "../clients/bcs/run.js";
import { addLimitOptions, limitsFrom, parseCount } from "./limit-options.js";
import { runServer } from "./run-server.js";
import { VERSION } from "./version.js";

/** A port number, or `off` where a listener can be turned off. */
function parsePortOrOff(value: string): number | "off" {
  return value === "off" ? "off" : parsePort(value);
}

function parsePort(value: string): number {
  const n = parseCount(value);
  if (n > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return n;
}

export function buildProgram(): Command {
  const program = new Command("switchboard")
    .description("One chat hub, five old wire protocols (bcs, lab, cs262, gowing, udp).")
    .version(VERSION, "-V, --version");

  addLimitOptions(
    program
      .command("serve")
      .description("Serve every dialect on its default port, one hub, plus HTTP /healthz")
      .option("--host <address>", "address the chat listeners bind", "0.0.0.0")
      .option("--bcs-port <port|off>", "bcs port (0 picks a free one)", parsePortOrOff, 9001)
      .option("--bcs-log <file|-|off>", "bcs chat log: a file, - for stdout, off for none", "-")
      .option("--http-host <address>", "address the HTTP admin port binds", "127.0.0.1")
      .option("--http-port <port|off>", "HTTP admin port (0 picks a free one)", parsePortOrOff, 9100)
      .option("--data-dir <dir>", "where the server keeps its data", "./data")
      .option("--files-dir <dir>", "where bcs uploads are stored (default <data-dir>/files)"),
  )
    .addHelpText("after", "\nExamples:\n  switchboard serve\n  switchboard serve --bcs-port 0 --http-port off --data-dir /tmp/sb")
    .action(async (o) => {
      await runServer({
        limits: limitsFrom(o),
        dataDir: o.dataDir,
        filesDir: o.filesDir,
        bcs: o.bcsPort === "off" ? undefined : { host: o.host, port: o.bcsPort, chatLog: o.bcsLog },
        http: o.httpPort === "off" ? undefined : { host: o.httpHost, port: o.httpPort },
      });
    });

  const server = program.command("server").description("Serve one dialect alone, as its seed's server did");
  addLimitOptions(
    server
      .command("bcs")
      .description("The Basic Chat Server (seed 000): bcs_server -p <port> [-l <log_file>] [-f <file_dir>]")
      .option("-p, --port <port>", "port to listen on", parsePort, 9001)
      .option("-l, --log <log_file>", "chat log file (default stdout)")
      .option("-f, --file-dir <file_dir>", "where uploads are stored", "./data/files")
      .option("--host <address>", "address to bind", "0.0.0.0"),
  )
    .addHelpText("after", "\nExamples:\n  bcs_server -p 9001\n  bcs_server -p 9001 -l chat.log -f ./files --ack-timeout 10s")
    .action(async (o) => {
      await runServer({
        limits: limitsFrom(o),
        dataDir: "./data",
        filesDir: o.fileDir,
        bcs: { host: o.host, port: o.port, chatLog: o.log ?? "-" },
      });
    });

  const client = program.command("client").description("Talk to a server in one dialect, as its seed's client did");
  client
    .command("bcs")
    .description("The bcs client (seed 000): bcs_client -h <host> -p <port> -u <username>")
    .helpOption("--help", "display help for command") // -h is the host, as in the seed
    .option("-h, --host <host>", "server host", "127.0.0.1")
    .option("-p, --port <port>", "server port", parsePort, 9001)
    .requiredOption("-u, --username <username>", "name to register")
    .addHelpText(
      "after",
      "\nType a line to send it to everyone. Commands: /sendfile <path>, /getfile <name> [dest], /quit.\n" +
        "Exits with the server's status code when it refuses the name.\n\nExamples:\n  bcs_client -h 127.0.0.1 -p 9001 -u alice",
    )
    .action(async (o) => {
      process.exitCode = await runBcsClient({
        host: o.host,
        port: o.port,
        username: o.username,
        input: process.stdin,
        output: process.stdout,
      });
    });

  return program;
}
