/** `switchboard check-config FILE`: validate a settings file without starting anything. */
import type { Command } from "commander";
import { SERVE_SETTINGS, tlsFilesProblem } from "../../app/settings.js";
import { readConfigFile, resolveSettings } from "../../config/load.js";

export function addCheckConfigCommand(program: Command): void {
  program
    .command("check-config")
    .description("Check a `serve` settings file (YAML): every key known, every value valid")
    .argument("<file>", "the YAML file")
    .addHelpText(
      "after",
      "\nExits 0 and prints the settings it sets when the file is valid; otherwise prints each\nproblem (file, key, what is wrong) and exits 1. The TLS certificate and key it names\nare loaded as serve loads them. Flags and environment variables are not read: this\nchecks the file alone.\n\nExamples:\n  switchboard check-config /etc/switchboard/switchboard.yaml\n  switchboard check-config switchboard.example.yaml",
    )
    .action((path: string) => {
      const file = readConfigFile(SERVE_SETTINGS, path);
      const { settings, given, problems } = resolveSettings(SERVE_SETTINGS, {}, file.values);
      // Only a file without problems has TLS files worth reading: they are loaded as serve would.
      const tlsFiles = file.problems.length === 0 && problems.length === 0 ? tlsFilesProblem(settings) : undefined;
      if (tlsFiles !== undefined) problems.push(tlsFiles);
      const all = [...file.problems, ...problems.map((p) => `${path}: ${p}`)];
      if (all.length > 0) {
        for (const p of all) process.stderr.write(`${p}\n`);
        process.exitCode = 1;
        return;
      }
      const keys = [...given];
      process.stdout.write(`${path}: ok (${keys.length === 0 ? "no settings: every default" : `${keys.length} setting${keys.length === 1 ? "" : "s"}: ${keys.join(", ")}`})\n`);
    });
}
