/**
 * One program's settings: every Setting by key, in the order --help, the README and the
 * example file list them, the sections they are grouped in, and the checks that look at
 * several settings at once. Reading a file and merging (load.ts), reloading (reload.ts)
 * and the docs (docs.ts) all work on a table, whatever its settings are.
 */
import * as z from "zod";
import { defaultText, type LimitsOf, type Setting, type SettingDefs, type ValuesOf } from "./settings.js";

/** A problem across settings, or none: `msg-burst: must be at least 1 while msg-rate is not 0`. */
export type CrossCheck<V> = (values: V) => string | undefined;

export interface TableParts<S extends SettingDefs> {
  /** Every setting, in the order they are listed. */
  readonly settings: S;
  /** Section ids and their titles, in the order they are listed. */
  readonly sections: Readonly<Record<string, string>>;
  readonly checks?: readonly CrossCheck<ValuesOf<S>>[];
}

export class SettingsTable<S extends SettingDefs> {
  readonly settings: S;
  readonly keys: readonly (keyof S & string)[];
  readonly sections: Readonly<Record<string, string>>;
  /** The settings that fill a field of the limits (the flags every `server` command has). */
  readonly limitKeys: readonly (keyof S & string)[];
  readonly checks: readonly CrossCheck<ValuesOf<S>>[];
  /** What a YAML file may hold: any of the keys, each by its kind, nothing else. */
  readonly fileSchema: z.ZodType<Partial<ValuesOf<S>>>;

  constructor(parts: TableParts<S>) {
    this.settings = parts.settings;
    this.keys = Object.keys(parts.settings);
    this.sections = parts.sections;
    this.checks = parts.checks ?? [];
    this.limitKeys = this.keys.filter((key) => this.setting(key).limit !== undefined);
    this.fileSchema = z.strictObject(Object.fromEntries(this.keys.map((key) => [key, this.setting(key).kind.schema.optional()]))) as unknown as z.ZodType<
      Partial<ValuesOf<S>>
    >;
  }

  setting(key: keyof S & string): Setting<unknown> {
    return this.settings[key] as Setting<unknown>;
  }

  /** How a setting's default reads in help and docs. */
  defaultText(key: keyof S & string): string {
    return defaultText(this.setting(key));
  }

  /** The settings of one section, in order. */
  keysOf(section: string): (keyof S & string)[] {
    return this.keys.filter((key) => this.setting(key).section === section);
  }

  /** The limits from settings by key; a missing one takes its default. */
  limitsOf(values: Partial<ValuesOf<S>>): LimitsOf<S> {
    const limits: Record<string, unknown> = {};
    for (const key of this.limitKeys) limits[this.setting(key).limit!] = values[key] ?? this.setting(key).default;
    return limits as LimitsOf<S>;
  }
}
