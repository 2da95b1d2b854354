/**
 * SIGHUP's settings half: read the file again, merge it as at start (the flags and
 * environment variables given at start still win), apply what can change live and
 * say what changed. A file with problems changes nothing.
 */
import { isDeepStrictEqual } from "node:util";
import type { Limits } from "../core/limits.js";
import { loadSettings } from "./load.js";
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

  /**
   * Apply the file's live settings to `target`. Returns one entry per changed setting
   * (`msg-rate 50 -> 20`, or `lab-port (not applied until a restart)`) for the log
   * line; throws, changing nothing, when the file has a problem.
   */
  reload(target: LiveTarget): string[] {
    if (this.configPath === undefined) return [];
    const { settings, problems } = loadSettings(this.configPath, this.fromCommandLine);
    if (problems.length > 0) throw new Error(problems.join("; "));
    const changed = SETTING_KEYS.filter((key) => !isDeepStrictEqual(settings[key], this.current[key]));
    const isLive = (key: SettingKey) => (SETTINGS[key] as Setting<unknown>).live === true;
    const live = changed.filter(isLive);
    if (live.some((key) => (SETTINGS[key] as Setting<unknown>).limit !== undefined)) target.setLimits(limitsOfSettings(settings));
    if (live.includes("log-level")) target.setLogLevel(settings["log-level"]);
    // Restart settings keep their running values, so the next reload reports them again.
    const before = this.current;
    const applied: Record<string, unknown> = { ...before };
    for (const key of live) applied[key] = settings[key];
    this.current = applied as Settings;
    return changed.map((key) => (isLive(key) ? `${key} ${show(key, before[key])} -> ${show(key, settings[key])}` : `${key} (not applied until a restart)`));
  }
}

function show(key: SettingKey, value: unknown): string {
  return value === undefined ? "none" : (SETTINGS[key] as Setting<unknown>).kind.format(value);
}
