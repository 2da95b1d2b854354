/**
 * The limit settings every server command shares (WIRE.md 1), as flags and environment
 * variables made from the settings table (src/config/settings.ts), parsed into Limits.
 * `serve` also reads them from its YAML file; the seed-shaped `server <dialect>`
 * commands take flags and environment variables only.
 */
import { InvalidArgumentError, type Command } from "commander";
import { count, duration } from "../config/kinds.js";
import { SETTINGS, SETTING_KEYS, type Setting, type SettingKey, type Settings } from "../config/settings.js";
import type { Limits } from "../core/limits.js";
import { addSettingOptions, valuesByKey } from "./setting-options.js";

export const LIMIT_KEYS: readonly SettingKey[] = SETTING_KEYS.filter((key) => (SETTINGS[key] as Setting<unknown>).limit !== undefined);

/** A flag value of a kind that is not a setting (client flags): the kind's own error. */
export function argParser<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }) {
  return (value: string): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(r.error.issues[0]?.message ?? "invalid value");
    return r.data;
  };
}

export const parseDuration = argParser(duration.schema);
export const parseCount = argParser(count().schema);

export function addLimitOptions(cmd: Command): Command {
  return addSettingOptions(cmd, LIMIT_KEYS);
}

/** Limits from a command's parsed options (`cmd.opts()`: flags and environment variables), defaults for the rest. */
export function limitsFrom(opts: Record<string, unknown>): Limits {
  return limitsOf(valuesByKey(opts, LIMIT_KEYS));
}

/** Limits from settings by key; a missing one takes its default. */
export function limitsOf(values: Partial<Settings>): Limits {
  const limits: Record<string, unknown> = {};
  for (const key of LIMIT_KEYS) {
    const setting = SETTINGS[key] as Setting<unknown>;
    limits[setting.limit!] = values[key] ?? setting.default;
  }
  const result = limits as unknown as Limits;
  if (result.msgRate > 0 && result.msgBurst < 1) throw new InvalidArgumentError("--msg-burst must be at least 1 while --msg-rate is not 0");
  return result;
}
