/**
 * What a setting is: its kind, default, help, section and whether SIGHUP can change it.
 * The flag (`--<key>`), the environment variable (`SWITCHBOARD_<KEY>`), the YAML key
 * (`<key>`), `--help`, the README table and switchboard.example.yaml are all made from
 * one table of these (a SettingsTable, src/config/table.ts), so they cannot drift apart.
 * This folder knows no particular setting: `serve`'s table is put together from the
 * hub's, the transport's and each dialect's own (src/app/settings.ts).
 */
import type { Kind } from "./kinds.js";

export interface Setting<T> {
  readonly kind: Kind<T>;
  /** undefined: none, or made from other settings (`defaultText` says how). */
  readonly default: T | undefined;
  /** Shown instead of the formatted default. */
  readonly defaultText?: string;
  /** One line: what it does. */
  readonly help: string;
  /** The table's section it is listed in (README, example file). */
  readonly section: string;
  /** SIGHUP applies a new value without a restart. */
  readonly live?: boolean;
  /** A value to show in switchboard.example.yaml when there is no default. */
  readonly example?: T;
  /** The field of the limits this setting fills (every `server` command takes it as a flag). */
  readonly limit?: string;
}

/** Keeps the default's own type, so a setting without one reads as possibly undefined. */
export function setting<T, const D extends NoInfer<T> | undefined>(def: Omit<Setting<T>, "default"> & { default: D }): Setting<T> & { default: D } {
  return def;
}

/** A live setting of the `limits` section that fills `field` of the limits. */
export function limitSetting<T, const F extends string>(
  field: F,
  def: Omit<Setting<T>, "section" | "live" | "limit"> & { default: T },
): Setting<T> & { default: T; limit: F } {
  return { ...def, section: "limits", live: true, limit: field };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own type
export type SettingDefs = Record<string, Setting<any>>;

/** The value type of one setting: undefined is possible only where there is no default. */
export type ValueOf<S> = S extends Setting<infer T> & { default: infer D } ? (undefined extends D ? T | undefined : T) : never;

/** The values of a table's settings, by key. */
export type ValuesOf<S extends SettingDefs> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** The limits a table's settings fill: each `limit` field, with its setting's value type. */
export type LimitsOf<S extends SettingDefs> = {
  -readonly [K in keyof S as S[K] extends { limit: infer F extends string } ? F : never]: ValueOf<S[K]>;
};

export const envName = (key: string): string => `SWITCHBOARD_${key.toUpperCase().replace(/-/g, "_")}`;

/** How a setting's default reads in help and docs. */
export function defaultText(s: Setting<unknown>): string {
  if (s.defaultText !== undefined) return s.defaultText;
  return s.default === undefined ? "none" : s.kind.format(s.default);
}
