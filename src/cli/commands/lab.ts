/** `switchboard server lab` (the lab's reference server) and `switchboard client lab`. */
import type { Command } from "commander";
import { runLabClient } from "../../clients/lab/run.js";
import { parseBots } from "../bots-option.js";
import { addLimitOptions, limitsFrom, PROXY_PROTOCOL_OPTION } from "../limit-options.js";
import { parsePort } from "../ports.js";
import { SERVER_FLAGS } from "../listen-failure.js";
import { runServer } from "../run-server.js";

/** The lab's reference server takes 16 users (TR1); the 17th gets BUSY (PR15). */
const LAB_MAX_USERS = 16;

export function addLabServerCommand(server: Command): void {
  addLimitOptions(
    server
      .command("lab")
      .description("The lab chat server (seed 001); prints `Server is on` when it accepts connections")
      .option("--address <address>", "address to bind", "127.0.0.1")
      .option("--port <port>", "port to listen on", parsePort, 5378)
      .option("--bots <names>", "bots to run, comma-separated: echobot,delaybot", parseBots, [])
      .option(...PROXY_PROTOCOL_OPTION),
  )
    .addHelpText(
      "after",
      `\n--max-users defaults to ${LAB_MAX_USERS} here (bots count as users).\n\nExamples:\n` +
        "  switchboard server lab\n" +
        "  switchboard server lab --address 0.0.0.0 --port 5378 --max-users 32\n" +
        "  switchboard server lab --port 5378 --bots echobot,delaybot",
    )
    .action(async (o) => {
      await runServer(
        {
          limits: limitsFrom({ ...o, maxUsers: o.maxUsers ?? LAB_MAX_USERS }),
          dataDir: "./data",
          lab: { host: o.address, port: o.port, bots: o.bots },
          proxyProtocol: o.proxyProtocol === true,
        },
        "Server is on",
        { flags: () => ({ ...SERVER_FLAGS, host: "--address" }) },
      );
    });
}

export function addLabClientCommand(client: Command): void {
  client
    .command("lab")
    .description("The lab chat client (seed 001): log in, then !who, @user message, !quit")
    .option("--address <address>", "server address", "127.0.0.1")
    .option("--port <port>", "server port", parsePort, 5378)
    .addHelpText("after", "\nExamples:\n  switchboard client lab\n  switchboard client lab --address chat.example.org --port 5378")
    .action(async (o) => {
      process.exitCode = await runLabClient({ host: o.address, port: o.port, input: process.stdin, output: process.stdout });
    });
}
