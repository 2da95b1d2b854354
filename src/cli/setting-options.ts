/**
 * Commander options made from a settings table (serve's, src/app/settings.ts):
 * `--<key>`, read from `SWITCHBOARD_<KEY>` when the flag is absent (commander's
 * `.env()`), parsed by the setting's own schema. No commander default: an absent flag
 * stays undefined, so the file and then the default can fill it (src/config/load.ts).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { SERVE_SETTINGS, type ServeSettingKey, type ServeSettings } from "../app/settings.js";
import { yesNo } from "../config/kinds.js";
import { envName, type SettingDefs } from "../config/settings.js";
import type { SettingsTable } from "../config/table.js";

type AnyTable = SettingsTable<SettingDefs>;

function optionFor(key: string, table: AnyTable): Option {
  const setting = table.setting(key);
  const option = new Option(`--${key} ${setting.kind.placeholder}`, `${setting.help} (default: ${table.defaultText(key)})`)
    .env(envName(key))
    .argParser((text: string) => {
      const result = setting.kind.schema.safeParse(text);
      if (!result.success) throw new InvalidArgumentError(result.error.issues[0]?.message ?? "invalid value");
      return result.data;
    });
  // A yes/no flag alone means yes: `--proxy-protocol`.
  if (setting.kind === (yesNo as unknown)) option.preset("yes");
  return option;
}

export function addSettingOptions(cmd: Command, keys: readonly ServeSettingKey[], table: AnyTable = SERVE_SETTINGS as unknown as AnyTable): Command {
  for (const key of keys) cmd.addOption(optionFor(key, table));
  return cmd;
}

/** The values the flags and environment variables gave (`cmd.opts()`), by setting key. */
export function valuesByKey(opts: Record<string, unknown>, keys: readonly ServeSettingKey[], table: AnyTable = SERVE_SETTINGS as unknown as AnyTable): Partial<ServeSettings> {
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const value = opts[optionFor(key, table).attributeName()];
    if (value !== undefined) values[key] = value;
  }
  return values as Partial<ServeSettings>;
}
