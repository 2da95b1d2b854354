/**
 * The README's settings tables and switchboard.example.yaml, made from a settings
 * table (serve's: src/app/settings.ts). `npm run docs` writes them;
 * test/config/settings.test.ts fails when either file
 * differs from what this makes, so the docs cannot drift from the code.
 */
import { envName, type SettingDefs } from "./settings.js";
import type { SettingsTable } from "./table.js";

export const README_BEGIN = "<!-- settings:begin (made by `npm run docs` from src/config/settings.ts; do not edit by hand) -->";
export const README_END = "<!-- settings:end -->";

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** One markdown table per section: key, environment variable, default, SIGHUP, meaning. */
export function settingsMarkdown<S extends SettingDefs>(table: SettingsTable<S>): string {
  const out: string[] = [];
  for (const [section, title] of Object.entries(table.sections)) {
    out.push(`#### ${title}`, "", "| setting | environment variable | default | SIGHUP | meaning |", "|---|---|---|---|---|");
    for (const key of table.keysOf(section)) {
      const s = table.setting(key);
      out.push(`| \`${key}\` | \`${envName(key)}\` | \`${cell(table.defaultText(key))}\` | ${s.live ? "live" : "restart"} | ${cell(s.help)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** Every setting, commented out at its default (or an example), with its help. */
export function exampleYaml<S extends SettingDefs>(table: SettingsTable<S>): string {
  const out: string[] = [
    "# switchboard.example.yaml: every setting of `switchboard serve`, commented out at its",
    "# default. Use it with `switchboard serve --config FILE`; check a file with",
    "# `switchboard check-config FILE`. Each key is also a flag (--<key>) and an environment",
    "# variable (SWITCHBOARD_<KEY>, dashes as underscores); a flag wins over the variable,",
    "# and both win over this file. Durations: 500ms, 30s, 2m (a bare number is seconds);",
    "# sizes: 4096, 64KB, 4MB (1 KB = 1024 bytes). SIGHUP re-reads the file and applies",
    "# the settings marked (live); the others need a restart.",
    "# Made by `npm run docs` from src/config/settings.ts.",
  ];
  for (const [section, title] of Object.entries(table.sections)) {
    out.push("", `## ${title.replace(/`/g, "")}`);
    for (const key of table.keysOf(section)) {
      const s = table.setting(key);
      const value = s.default !== undefined ? s.default : s.example;
      const shown = Array.isArray(value) ? `[${value.join(", ")}]` : yamlScalar(s.kind.format(value));
      const note = s.default === undefined ? ` (default: ${table.defaultText(key)})` : "";
      out.push("", `# ${s.help}${note}${s.live ? " (live)" : ""}`, `#${key}: ${shown}`);
    }
  }
  return out.join("\n") + "\n";
}

/** Quote what YAML would otherwise read as something else (`-`, `<...>`, `./x` is fine). */
function yamlScalar(text: string): string {
  return /^[-?:,[\]{}#&*!|>'"%@`]|^$|: | #/.test(text) && !/^-?\d/.test(text) ? JSON.stringify(text) : text;
}
