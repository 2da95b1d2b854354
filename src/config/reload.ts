/**
 * SIGHUP's settings half: read the file again, merge it as at start (the flags and
 * environment variables given at start still win), apply what can change live and
 * say what changed. A file with problems changes nothing.
 */
import { isDeepStrictEqual } from "node:util";
import { loadSettings } from "./load.js";
import type { LimitsOf, SettingDefs, ValuesOf } from "./settings.js";
import type { SettingsTable } from "./table.js";

/** What a reload can change in the running server. */
export interface LiveTarget<L> {
  setLimits(limits: Readonly<L>): void;
  setLogLevel(level: string): void;
}

export class SettingsReloader<S extends SettingDefs> {
  constructor(
    private readonly table: SettingsTable<S>,
    private readonly configPath: string | undefined,
    private readonly fromCommandLine: Partial<ValuesOf<S>>,
    private current: ValuesOf<S>,
  ) {}

  /**
   * Apply the file's live settings to `target`. Returns one entry per changed setting
   * (`msg-rate 50 -> 20`, or `lab-port (not applied until a restart)`) for the log
   * line; throws, changing nothing, when the file has a problem.
   */
  reload(target: LiveTarget<LimitsOf<S>>): string[] {
    if (this.configPath === undefined) return [];
    const table = this.table;
    const { settings, problems } = loadSettings(table, this.configPath, this.fromCommandLine);
    if (problems.length > 0) throw new Error(problems.join("; "));
    const changed = table.keys.filter((key) => !isDeepStrictEqual(settings[key], this.current[key]));
    const isLive = (key: keyof S & string) => table.setting(key).live === true;
    const live = changed.filter(isLive);
    if (live.some((key) => table.setting(key).limit !== undefined)) target.setLimits(table.limitsOf(settings));
    if (live.includes("log-level")) target.setLogLevel(settings["log-level"] as string);
    // Restart settings keep their running values, so the next reload reports them again.
    const before = this.current;
    const applied: Record<string, unknown> = { ...before };
    for (const key of live) applied[key] = settings[key];
    this.current = applied as ValuesOf<S>;
    const show = (key: keyof S & string, value: unknown) => (value === undefined ? "none" : table.setting(key).kind.format(value));
    return changed.map((key) => (isLive(key) ? `${key} ${show(key, before[key])} -> ${show(key, settings[key])}` : `${key} (not applied until a restart)`));
  }
}
