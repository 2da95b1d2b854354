/**
 * SIGHUP's settings half: read the file again, merge it as at start (the flags and
 * environment variables given at start still win), apply what can change live and
 * say what changed. A file with problems changes nothing.
 */
import { isDeepStrictEqual } from "node:util";
import type { Limits } from "../core/limits.js";
import { readConfigFile, resolveSettings } from "./load.js";
import { SETTINGS, SETTING_KEYS, type Setting, type SettingKey, type Settings } from "./settings.js";
import { limitsOfSettings } from "./switchboard-config.js";

/** What a reload can change in the running server. */
export interface LiveTarget {
  setLimits(limits: Readonly<Limits>): void;
  setLogLevel(level: Settings["log-level"]): void;
}

export class SettingsReloader {
  constructor(
    private readonly configPath: string | undefined,
    private readonly fromCommandLine: Partial<Settings>,
    private current: Settings,
  ) {}

  /** Apply the file's live settings to `target`; one line for the log, naming each change. */
  reload(target: LiveTarget): string {
    if (this.configPath === undefined) return "settings: no --config file to re-read";
    const file = readConfigFile(this.configPath);
    const { settings, problems } = resolveSettings(this.fromCommandLine, file.values);
    const all = [...file.problems, ...problems];
    if (all.length > 0) return `settings: unchanged, ${this.configPath} has problems: ${all.join("; ")}`;
    const changed = SETTING_KEYS.filter((key) => !isDeepStrictEqual(settings[key], this.current[key]));
    const live = changed.filter((key) => (SETTINGS[key] as Setting<unknown>).live);
    const restart = changed.filter((key) => !(SETTINGS[key] as Setting<unknown>).live);
    if (live.some((key) => (SETTINGS[key] as Setting<unknown>).limit !== undefined)) target.setLimits(limitsOfSettings(settings));
    if (live.includes("log-level")) target.setLogLevel(settings["log-level"]);
    // Restart settings keep their running values, so the next reload reports them again.
    const applied = { ...this.current };
    for (const key of live) (applied as Record<SettingKey, unknown>)[key] = settings[key];
    const before = this.current;
    this.current = applied;
    if (changed.length === 0) return "settings: no change";
    const parts = [];
    if (live.length > 0) parts.push(`applied ${live.map((key) => `${key} ${show(key, before[key])} -> ${show(key, settings[key])}`).join(", ")}`);
    if (restart.length > 0) parts.push(`not applied until a restart: ${restart.join(", ")}`);
    return `settings: ${parts.join("; ")}`;
  }
}

function show(key: SettingKey, value: unknown): string {
  return value === undefined ? "none" : (SETTINGS[key] as Setting<unknown>).kind.format(value);
}
