/** `switchboard server udp` and `switchboard client udp` (seed 004, docs/udp.md). */
import { InvalidArgumentError, type Command } from "commander";
import { DEFAULT_KEEPALIVE_MS, runUdpClient } from "../../clients/udp/run.js";
import { DEFAULT_UDP_OPTIONS, type UdpConfig } from "../../protocols/udp/index.js";
import { addLimitOptions, limitsFrom, parseCount, parseDuration } from "../limit-options.js";
import { parsePort } from "../ports.js";
import { runServer } from "../run-server.js";

const D = DEFAULT_UDP_OPTIONS;

/** Help texts of the udp flags, shared by `server udp` and `serve` (`--udp-...`). */
export const UDP_FLAG_HELP = {
  listInterval: `how often every registered udp address gets the user list (default ${D.listIntervalMs / 1000}s)`,
  idleTimeout: `log out a udp address that sends nothing for this long (default ${D.idleTimeoutMs / 1000}s)`,
  rate: `datagrams per second a registered udp address may send, 0 for no limit (default --msg-rate when given, else ${D.rate.perSecond})`,
  burst: `datagrams a registered udp address may send at once after a quiet spell (default --msg-burst when given, else ${D.rate.burst})`,
} as const;

interface UdpFlags {
  listInterval?: number | undefined;
  idleTimeout?: number | undefined;
  rate?: number | undefined;
  burst?: number | undefined;
  /** The shared --msg-rate/--msg-burst, when given. */
  msgRate?: number | undefined;
  msgBurst?: number | undefined;
}

/**
 * The udp flags as options of UdpConfig. The rate: udp's own flag, else the shared
 * --msg-rate/--msg-burst when given, else udp's own default (10/s, burst 20: stricter
 * than TCP's 50/100, because a datagram costs nothing to send, cannot be slowed down,
 * and its source address proves nothing).
 */
export function udpOptionsFrom(flags: UdpFlags): Omit<UdpConfig, "host" | "port"> {
  const perSecond = flags.rate ?? flags.msgRate ?? D.rate.perSecond;
  const burst = flags.burst ?? flags.msgBurst ?? D.rate.burst;
  if (perSecond > 0 && burst < 1) throw new InvalidArgumentError("the udp burst must be at least 1");
  return {
    listIntervalMs: flags.listInterval ?? D.listIntervalMs,
    idleTimeoutMs: flags.idleTimeout ?? D.idleTimeoutMs,
    rate: { perSecond, burst },
  };
}

export function addUdpServerCommand(server: Command): void {
  addLimitOptions(
    server
      .command("udp")
      .description("The CHAT UDP server (seed 004): switchboard server udp [--port 9003]")
      .option("-p, --port <port>", "UDP port to listen on (0 picks a free one)", parsePort, 9003)
      .option("--host <address>", "address to bind", "0.0.0.0")
      .option("--list-interval <duration>", UDP_FLAG_HELP.listInterval, parseDuration)
      .option("--idle-timeout <duration>", UDP_FLAG_HELP.idleTimeout, parseDuration)
      .option("--rate <n>", UDP_FLAG_HELP.rate, parseCount)
      .option("--burst <n>", UDP_FLAG_HELP.burst, parseCount),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  switchboard server udp\n  switchboard server udp --port 9003 --idle-timeout 60s --list-interval 10s\n" +
        "  switchboard server udp --rate 20 --burst 40",
    )
    .action(async (o) => {
      await runServer({
        limits: limitsFrom(o),
        dataDir: "./data",
        udp: { host: o.host, port: o.port, ...udpOptionsFrom(o) },
      });
    });
}

export function addUdpClientCommand(client: Command): void {
  client
    .command("udp")
    .description("The CHAT UDP client (seed 004): switchboard client udp --host H --port P -u NAME")
    .option("--host <host>", "server host", "127.0.0.1")
    .option("-p, --port <port>", "server UDP port", parsePort, 9003)
    .requiredOption("-u, --username <name>", "name to register")
    .option("--keepalive <duration>", `send INFO this often to stay registered (default ${DEFAULT_KEEPALIVE_MS / 1000}s)`, parseDuration)
    .addHelpText(
      "after",
      "\nType a line to send it to everyone. Commands: /msg <user> <text>, /list, /info, /help, /quit.\n\n" +
        "Examples:\n  switchboard client udp -u alice\n  switchboard client udp --host chat.example.org --port 9003 -u alice --keepalive 20s",
    )
    .action(async (o) => {
      process.exitCode = await runUdpClient({
        host: o.host,
        port: o.port,
        username: o.username,
        keepaliveMs: o.keepalive ?? DEFAULT_KEEPALIVE_MS,
        input: process.stdin,
        output: process.stdout,
      });
    });
}
