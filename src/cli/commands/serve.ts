/** `switchboard serve`: every dialect on its default port, one hub, plus HTTP. */
import type { Command } from "commander";
import { addLimitOptions, limitsFrom } from "../limit-options.js";
import { parseBots } from "../bots-option.js";
import { parsePortOrOff } from "../ports.js";
import { runServer } from "../run-server.js";

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
      .option("--http-host <address>", "address the HTTP admin port binds", "127.0.0.1")
      .option("--http-port <port|off>", "HTTP admin port (0 picks a free one)", parsePortOrOff, 9100)
      .option("--data-dir <dir>", "where the server keeps its data (the store: <data-dir>/switchboard.db)", "./data"),
  )
    .addHelpText("after", "\nExamples:\n  switchboard serve\n  switchboard serve --bots echobot,delaybot\n  switchboard serve --lab-port 0 --bcs-port 0 --http-port off --data-dir /tmp/sb")
    .action(async (o) => {
      const lab = portOf(o.labPort, o.host);
      const bcs = portOf(o.bcsPort, o.host);
      const gowing = portOf(o.gowingPort, o.host);
      await runServer({
        limits: limitsFrom(o),
        dataDir: o.dataDir,
        lab: lab && { ...lab, bots: o.bots },
        bcs: bcs && { ...bcs, chatLog: o.bcsLog, filesDir: o.filesDir },
        gowing: gowing && { ...gowing, logDir: o.gowingLogDir },
        cs262: portOf(o.cs262Port, o.host),
        http: portOf(o.httpPort, o.httpHost),
      });
    });
}
