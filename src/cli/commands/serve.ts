/** `switchboard serve`: every dialect on its default port, one hub, plus HTTP. */
import type { Command } from "commander";
import { parseBots } from "../bots-option.js";
import { addLimitOptions, limitsFrom, parseCount, parseDuration } from "../limit-options.js";
import { parsePortOrOff } from "../ports.js";
import { runServer } from "../run-server.js";
import { UDP_FLAG_HELP, udpOptionsFrom } from "./udp.js";

/** `--<name>-port`: a port, `0` for a free one, or `off`. */
const portOf = (value: number | "off", host: string) => (value === "off" ? undefined : { host, port: value });

export function addServeCommand(program: Command): void {
  addLimitOptions(
    program
      .command("serve")
      .description("Serve every dialect on its default port, one hub, plus HTTP /healthz")
      .option("--host <address>", "address the chat listeners bind", "0.0.0.0")
      .option("--lab-port <port|off>", "lab port (0 picks a free one)", parsePortOrOff, 5378)
      .option("--bots <names>", "bots to run, comma-separated: echobot,delaybot", parseBots, [])
      .option("--bcs-port <port|off>", "bcs port (0 picks a free one)", parsePortOrOff, 9001)
      .option("--bcs-log <file|-|off>", "bcs chat log: a file, - for stdout, off for none", "-")
      .option("--files-dir <dir>", "where bcs uploads are stored (default <data-dir>/files)")
      .option("--gowing-port <port|off>", "gowing port (0 picks a free one)", parsePortOrOff, 9000)
      .option("--gowing-log-dir <dir|-|off>", "gowing connections.log and chat.log: a directory, - for stdout, off for none", "-")
      .option("--cs262-port <port|off>", "cs262 port (0 picks a free one)", parsePortOrOff, 9002)
      .option("--udp-port <port|off>", "udp port (0 picks a free one)", parsePortOrOff, 9003)
      .option("--udp-list-interval <duration>", UDP_FLAG_HELP.listInterval, parseDuration)
      .option("--udp-idle-timeout <duration>", UDP_FLAG_HELP.idleTimeout, parseDuration)
      .option("--udp-rate <n>", UDP_FLAG_HELP.rate, parseCount)
      .option("--udp-burst <n>", UDP_FLAG_HELP.burst, parseCount)
      .option("--http-host <address>", "address the HTTP admin port binds", "127.0.0.1")
      .option("--http-port <port|off>", "HTTP admin port (0 picks a free one)", parsePortOrOff, 9100)
      .option("--data-dir <dir>", "where the server keeps its data (the store: <data-dir>/switchboard.db)", "./data"),
  )
    .addHelpText("after", "\nExamples:\n  switchboard serve\n  switchboard serve --bots echobot,delaybot\n  switchboard serve --lab-port 0 --bcs-port 0 --http-port off --data-dir /tmp/sb")
    .action(async (o) => {
      const lab = portOf(o.labPort, o.host);
      const bcs = portOf(o.bcsPort, o.host);
      const gowing = portOf(o.gowingPort, o.host);
      const udp = portOf(o.udpPort, o.host);
      await runServer({
        limits: limitsFrom(o),
        dataDir: o.dataDir,
        lab: lab && { ...lab, bots: o.bots },
        bcs: bcs && { ...bcs, chatLog: o.bcsLog, filesDir: o.filesDir },
        gowing: gowing && { ...gowing, logDir: o.gowingLogDir },
        cs262: portOf(o.cs262Port, o.host),
        udp: udp && {
          ...udp,
          ...udpOptionsFrom({
            listInterval: o.udpListInterval,
            idleTimeout: o.udpIdleTimeout,
            rate: o.udpRate,
            burst: o.udpBurst,
            msgRate: o.msgRate,
            msgBurst: o.msgBurst,
          }),
        },
        http: portOf(o.httpPort, o.httpHost),
      });
    });
}
