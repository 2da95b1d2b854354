/**
 * `switchboard serve`: every dialect on its default port, one hub, the web listener, plus HTTP. Every
 * setting is a flag, an environment variable and a key of the `--config` YAML file
 * (src/app/settings.ts); a bad value anywhere is reported and nothing starts.
 */
import { Option, type Command } from "commander";
import { SERVE_SETTINGS, switchboardConfigOf, tlsFilesProblem } from "../../app/settings.js";
import { loadSettings } from "../../config/load.js";
import { SettingsReloader } from "../../config/reload.js";
import { serveFlags } from "../listen-failure.js";
import { runServer } from "../run-server.js";
import { addSettingOptions, valuesByKey } from "../setting-options.js";

const EXAMPLES = `
Examples:
  switchboard serve
  switchboard serve --config /etc/switchboard/switchboard.yaml
  SWITCHBOARD_LAB_PORT=off switchboard serve --data-dir /var/lib/switchboard
  switchboard serve --lab-port 0 --bcs-port 0 --http-port off --data-dir /tmp/sb

A setting comes from its flag, else its environment variable, else the --config file,
else its default. switchboard.example.yaml lists every setting; check a file with
\`switchboard check-config FILE\`. SIGHUP reopens the log files, re-reads the file and
the TLS certificate.`;

export function addServeCommand(program: Command): void {
  const serve = program
    .command("serve")
    .description("Serve every dialect on its default port, one hub, the web listener (browser client, WebSockets), plus the HTTP admin port")
    .addOption(new Option("--config <file>", "read settings from this YAML file").env("SWITCHBOARD_CONFIG"));
  addSettingOptions(serve, SERVE_SETTINGS.keys)
    .addHelpText("after", EXAMPLES)
    .action(async (o: Record<string, unknown>) => {
      const configPath = o["config"] as string | undefined;
      const fromCommandLine = valuesByKey(o, SERVE_SETTINGS.keys);
      const { settings, given, problems } = loadSettings(SERVE_SETTINGS, configPath, fromCommandLine);
      const tlsFiles = problems.length === 0 ? tlsFilesProblem(settings) : undefined;
      if (tlsFiles !== undefined) problems.push(tlsFiles);
      if (problems.length > 0) {
        for (const p of problems) process.stderr.write(`switchboard: ${p}\n`);
        process.stderr.write("switchboard: not started: the configuration has problems\n");
        process.exitCode = 1;
        return;
      }
      const reloader = new SettingsReloader(SERVE_SETTINGS, configPath, fromCommandLine, settings);
      await runServer(switchboardConfigOf(settings, given), "ready", {
        shutdownDeadlineMs: settings["shutdown-deadline"],
        flags: serveFlags,
        log: { level: settings["log-level"], format: settings["log-format"], file: settings["log-file"], logClientIps: settings["log-client-ips"] },
        reload: ({ log, running }) =>
          reloader.reload({
            setLimits: (limits) => running.setLimits(limits),
            setLogLevel: (level) => (log.logger.level = level),
          }),
      });
    });
}
