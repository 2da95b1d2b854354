/**
 * Where a setting's value comes from: a flag, else its environment variable, else the
 * YAML file, else its default (flags and environment variables are read by the CLI,
 * commander's `.env()`; this file reads the file and merges). Every problem names its
 * source and key; a configuration with any problem is refused whole.
 */
import { readFileSync } from "node:fs";
import YAML from "yaml";
import type { SettingDefs, ValuesOf } from "./settings.js";
import type { SettingsTable } from "./table.js";

export interface FileValues<S extends SettingDefs> {
  readonly path: string;
  readonly values: Partial<ValuesOf<S>>;
  /** One line each: `<file>: <key>: <problem>`. */
  readonly problems: string[];
}

/** Read and validate a YAML settings file against `table`. Never throws: problems are returned. */
export function readConfigFile<S extends SettingDefs>(table: SettingsTable<S>, path: string): FileValues<S> {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (err) {
    return { path, values: {}, problems: [`${path}: cannot read: ${(err as Error).message}`] };
  }
  const doc = YAML.parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0) {
    // The first line of a yaml error has the problem and its line and column.
    return { path, values: {}, problems: doc.errors.map((e) => `${path}: ${e.message.split("\n")[0]!.replace(/:$/, "")}`) };
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== "object" || Array.isArray(data)) {
    return { path, values: {}, problems: [`${path}: expected a mapping of settings (key: value lines), found ${Array.isArray(data) ? "a list" : typeof data}`] };
  }
  const result = table.fileSchema.safeParse(data);
  if (result.success) return { path, values: result.data, problems: [] };
  const problems = result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${path}: ${key}: unknown setting${suggestion(table, key)}`)
      : [`${path}: ${issue.path.join(".")}: ${issue.message}${shown((data as Record<string, unknown>)[String(issue.path[0])])}`],
  );
  return { path, values: {}, problems };
}

export interface Resolved<S extends SettingDefs> {
  readonly settings: ValuesOf<S>;
  /** The settings given by a flag, an environment variable or the file (not defaulted). */
  readonly given: ReadonlySet<keyof S & string>;
  readonly problems: string[];
}

/** The file at `path` (if any) merged under `fromCommandLine`: every problem of both steps. */
export function loadSettings<S extends SettingDefs>(table: SettingsTable<S>, path: string | undefined, fromCommandLine: Partial<ValuesOf<S>>): Resolved<S> {
  const file = path === undefined ? { values: {}, problems: [] } : readConfigFile(table, path);
  const resolved = resolveSettings(table, fromCommandLine, file.values);
  return { ...resolved, problems: [...file.problems, ...resolved.problems] };
}

/** Merge: flag or environment variable > file > default; then the checks across settings. */
export function resolveSettings<S extends SettingDefs>(table: SettingsTable<S>, fromCommandLine: Partial<ValuesOf<S>>, fromFile: Partial<ValuesOf<S>>): Resolved<S> {
  const settings: Record<string, unknown> = {};
  const given = new Set<keyof S & string>();
  for (const key of table.keys) {
    const value = fromCommandLine[key] ?? fromFile[key];
    if (value !== undefined) given.add(key);
    settings[key] = value ?? table.setting(key).default;
  }
  const resolved = settings as ValuesOf<S>;
  const problems = table.checks.map((check) => check(resolved)).filter((p): p is string => p !== undefined);
  return { settings: resolved, given, problems };
}

/** `msg_rate` or `MSG-RATE` for `msg-rate`: the likely meant key. */
function suggestion<S extends SettingDefs>(table: SettingsTable<S>, key: string): string {
  const normal = key.toLowerCase().replace(/_/g, "-").replace(/^switchboard-/, "");
  return (table.keys as string[]).includes(normal) ? ` (did you mean ${normal}?)` : " (switchboard.example.yaml lists every setting)";
}

function shown(value: unknown): string {
  return value === undefined || (typeof value === "object" && !Array.isArray(value)) ? "" : ` (got ${JSON.stringify(value)})`;
}
