/** `switchboard server udp` and `switchboard client udp` (seed 004, docs/udp.md). */
import { InvalidArgumentError, type Command } from "commander";
import { DEFAULT_KEEPALIVE_MS, runUdpClient } from "../../clients/udp/run.js";
import { DEFAULT_UDP_OPTIONS, type UdpConfig } from "../../protocols/udp/index.js";
import { clientCommand, serverCommand } from "../dialect-command.js";
import { parseCount, parseDuration } from "../limit-options.js";
import { BIND_ADDRESS_OPTION, parsePort, SERVER_HOST_OPTION } from "../ports.js";

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
  serverCommand(server.command("udp"), {
    description: "The CHAT UDP server (seed 004): switchboard server udp [--port 9003]",
    options: (c) =>
      c
        .option("-p, --port <port>", "UDP port to listen on (0 picks a free one)", parsePort, 9003)
        .option(...BIND_ADDRESS_OPTION)
        .option("--list-interval <duration>", UDP_FLAG_HELP.listInterval, parseDuration)
        .option("--idle-timeout <duration>", UDP_FLAG_HELP.idleTimeout, parseDuration)
        .option("--rate <n>", UDP_FLAG_HELP.rate, parseCount)
        .option("--burst <n>", UDP_FLAG_HELP.burst, parseCount),
    proxyProtocol: false,
    examples: ["switchboard server udp", "switchboard server udp --port 9003 --idle-timeout 60s --list-interval 10s", "switchboard server udp --rate 20 --burst 40"],
    config: (o) => ({ udp: { host: o.host, port: o.port, ...udpOptionsFrom(o) } }),
  });
}

export function addUdpClientCommand(client: Command): void {
  clientCommand(client.command("udp"), {
    description: "The CHAT UDP client (seed 004): switchboard client udp --host H --port P -u NAME",
    options: (c) =>
      c
        .option(...SERVER_HOST_OPTION)
        .option("-p, --port <port>", "server UDP port", parsePort, 9003)
        .requiredOption("-u, --username <name>", "name to register")
        .option("--keepalive <duration>", `send INFO this often to stay registered (default ${DEFAULT_KEEPALIVE_MS / 1000}s)`, parseDuration),
    notes: "Type a line to send it to everyone. Commands: /msg <user> <text>, /list, /info, /help, /quit.",
    examples: ["switchboard client udp -u alice", "switchboard client udp --host chat.example.org --port 9003 -u alice --keepalive 20s"],
    run: (o, _args, io) => runUdpClient({ host: o.host, port: o.port, username: o.username, keepaliveMs: o.keepalive ?? DEFAULT_KEEPALIVE_MS, ...io }),
  });
}
