/**
 * Commander options made from the settings table: `--<key>`, read from
 * `SWITCHBOARD_<KEY>` when the flag is absent (commander's `.env()`), parsed by the
 * setting's own schema. No commander default: an absent flag stays undefined, so the
 * file and then the default can fill it (src/config/load.ts).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { yesNo } from "../config/kinds.js";
import { SETTINGS, defaultText, envName, type SettingKey, type Settings } from "../config/settings.js";

function optionFor(key: SettingKey): Option {
  const setting = SETTINGS[key];
  const option = new Option(`--${key} ${setting.kind.placeholder}`, `${setting.help} (default: ${defaultText(key)})`)
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

export function addSettingOptions(cmd: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) cmd.addOption(optionFor(key));
  return cmd;
}

/** The values the flags and environment variables gave (`cmd.opts()`), by setting key. */
export function valuesByKey(opts: Record<string, unknown>, keys: readonly SettingKey[]): Partial<Settings> {
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const value = opts[optionFor(key).attributeName()];
    if (value !== undefined) values[key] = value;
  }
  return values as Partial<Settings>;
}
