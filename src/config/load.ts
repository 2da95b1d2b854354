/**
 * Where a setting's value comes from: a flag, else its environment variable, else the
 * YAML file, else its default (flags and environment variables are read by the CLI,
 * commander's `.env()`; this file reads the file and merges). Every problem names its
 * source and key; a configuration with any problem is refused whole.
 */
import { readFileSync } from "node:fs";
import YAML from "yaml";
import * as z from "zod";
import { SETTING_KEYS, SETTINGS, type SettingKey, type Settings } from "./settings.js";

const FILE_SCHEMA = z.strictObject(Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTINGS[key].kind.schema.optional()])));

export interface FileValues {
  readonly path: string;
  readonly values: Partial<Settings>;
  /** One line each: `<file>: <key>: <problem>`. */
  readonly problems: string[];
}

/** Read and validate a YAML settings file. Never throws: problems are returned. */
export function readConfigFile(path: string): FileValues {
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
  const result = FILE_SCHEMA.safeParse(data);
  if (result.success) return { path, values: result.data as Partial<Settings>, problems: [] };
  const problems = result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${path}: ${key}: unknown setting${suggestion(key)}`)
      : [`${path}: ${issue.path.join(".")}: ${issue.message}${shown((data as Record<string, unknown>)[String(issue.path[0])])}`],
  );
  return { path, values: {}, problems };
}

export interface Resolved {
  readonly settings: Settings;
  /** The settings given by a flag, an environment variable or the file (not defaulted). */
  readonly given: ReadonlySet<SettingKey>;
  readonly problems: string[];
}

/** The file at `path` (if any) merged under `fromCommandLine`: every problem of both steps. */
export function loadSettings(path: string | undefined, fromCommandLine: Partial<Settings>): Resolved {
  const file = path === undefined ? { values: {}, problems: [] } : readConfigFile(path);
  const resolved = resolveSettings(fromCommandLine, file.values);
  return { ...resolved, problems: [...file.problems, ...resolved.problems] };
}

/** Merge: flag or environment variable > file > default; then the checks across settings. */
export function resolveSettings(fromCommandLine: Partial<Settings>, fromFile: Partial<Settings>): Resolved {
  const settings: Record<string, unknown> = {};
  const given = new Set<SettingKey>();
  for (const key of SETTING_KEYS) {
    const value = fromCommandLine[key] ?? fromFile[key];
    if (value !== undefined) given.add(key);
    settings[key] = value ?? SETTINGS[key].default;
  }
  const resolved = settings as Settings;
  return { settings: resolved, given, problems: crossChecks(resolved) };
}

function crossChecks(s: Settings): string[] {
  const problems: string[] = [];
  if (s["msg-rate"] > 0 && s["msg-burst"] < 1) problems.push("msg-burst: must be at least 1 while msg-rate is not 0");
  if (s["udp-rate"] !== undefined && s["udp-rate"] > 0 && s["udp-burst"] === 0) problems.push("udp-burst: must be at least 1 while udp-rate is not 0");
  return problems;
}

/** `msg_rate` or `MSG-RATE` for `msg-rate`: the likely meant key. */
function suggestion(key: string): string {
  const normal = key.toLowerCase().replace(/_/g, "-").replace(/^switchboard-/, "");
  return (SETTING_KEYS as string[]).includes(normal) ? ` (did you mean ${normal}?)` : " (switchboard.example.yaml lists every setting)";
}

function shown(value: unknown): string {
  return value === undefined || (typeof value === "object" && !Array.isArray(value)) ? "" : ` (got ${JSON.stringify(value)})`;
}
