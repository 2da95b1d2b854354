/** `switchboard server lab` (the lab's reference server) and `switchboard client lab`. */
import type { Command } from "commander";
import { runLabClient } from "../../clients/lab/run.js";
import { parseBots } from "../bots-option.js";
import { clientCommand, serverCommand } from "../dialect-command.js";
import { limitsFrom } from "../limit-options.js";
import { SERVER_FLAGS } from "../listen-failure.js";
import { parsePort, serverPortOption } from "../ports.js";

/** The lab's reference server takes 16 users (TR1); the 17th gets BUSY (PR15). */
const LAB_MAX_USERS = 16;

export function addLabServerCommand(server: Command): void {
  serverCommand(server.command("lab"), {
    description: "The lab chat server (seed 001); prints `Server is on` when it accepts connections",
    options: (c) =>
      c
        .option("--address <address>", "address to bind", "127.0.0.1")
        .option("--port <port>", "port to listen on", parsePort, 5378)
        .option("--bots <names>", "bots to run, comma-separated: echobot,delaybot", parseBots, []),
    proxyProtocol: true,
    notes: `--max-users defaults to ${LAB_MAX_USERS} here (bots count as users).`,
    examples: ["switchboard server lab", "switchboard server lab --address 0.0.0.0 --port 5378 --max-users 32", "switchboard server lab --port 5378 --bots echobot,delaybot"],
    limits: (o) => limitsFrom({ ...o, maxUsers: o.maxUsers ?? LAB_MAX_USERS }),
    config: (o) => ({ lab: { host: o.address, port: o.port, bots: o.bots } }),
    readyLine: "Server is on",
    runOptions: { flags: () => ({ ...SERVER_FLAGS, host: "--address" }) },
  });
}

export function addLabClientCommand(client: Command): void {
  clientCommand(client.command("lab"), {
    description: "The lab chat client (seed 001): log in, then !who, @user message, !quit",
    options: (c) => c.option("--address <address>", "server address", "127.0.0.1").option(...serverPortOption(5378)),
    examples: ["switchboard client lab", "switchboard client lab --address chat.example.org --port 5378"],
    run: (o, _args, io) => runLabClient({ host: o.address, port: o.port, ...io }),
  });
}
