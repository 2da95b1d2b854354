/**
 * The limit settings every server command shares (docs/wire.md#limits): the hub's, the
 * transport's and each dialect's own, as flags and environment variables made from
 * serve's settings table (src/app/settings.ts), parsed into Limits. `serve` also reads
 * them from its YAML file; the seed-shaped `server <dialect>` commands take flags and
 * environment variables only.
 */
import { InvalidArgumentError, type Command } from "commander";
import type { Limits } from "../app/limits.js";
import { limitsOfSettings, SERVE_SETTINGS, type ServeSettings } from "../app/settings.js";
import { count, duration } from "../config/kinds.js";
import { addSettingOptions, valuesByKey } from "./setting-options.js";

export const LIMIT_KEYS = SERVE_SETTINGS.limitKeys;

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

/** Limits from settings by key, defaults for the rest; refuses a burst of 0 with a rate. */
export function limitsOf(values: Partial<ServeSettings>): Limits {
  const result = limitsOfSettings(values);
  if (result.msgRate > 0 && result.msgBurst < 1) throw new InvalidArgumentError("--msg-burst must be at least 1 while --msg-rate is not 0");
  return result;
}

/** `--proxy-protocol` of the seed-shaped TCP `server <dialect>` commands (serve has its own setting). */
export const PROXY_PROTOCOL_OPTION = ["--proxy-protocol", "every connection starts with a PROXY protocol v1/v2 header from a load balancer (docs/proxy-protocol.md)"] as const;
