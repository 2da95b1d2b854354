/**
 * The kinds of value a setting can hold, each a zod schema that reads the same text
 * from a flag, an environment variable or the YAML file (where a number or a boolean
 * is taken as the text it was written as), and a formatter for docs and help.
 * One error message per kind, so every source reports a bad value the same way.
 */
import bytes from "bytes";
import ms from "ms";
import * as z from "zod";

export interface Kind<T> {
  /** The value's placeholder in `--flag <placeholder>`. */
  readonly placeholder: string;
  readonly schema: z.ZodType<T>;
  /** How a value is written in docs, help and the example file. */
  format(value: T): string;
}

/** YAML scalars arrive typed; flags and env vars are text. Read them all as text. */
const asText = (value: unknown): unknown => (typeof value === "number" || typeof value === "boolean" ? String(value) : value);

/** A kind whose text `parse` turns into a value, or undefined when it is not one. */
function parsed<T>(placeholder: string, error: string, parse: (text: string) => T | undefined, format: (value: T) => string): Kind<T> {
  const schema = z.preprocess(
    asText,
    z.string({ error }).transform((text, ctx) => {
      const value = parse(text.trim());
      if (value === undefined) {
        ctx.addIssue({ code: "custom", message: error, input: text });
        return z.NEVER;
      }
      return value;
    }),
  );
  return { placeholder, schema: schema as unknown as z.ZodType<T>, format };
}

const wholeNumber = (text: string): number | undefined => (/^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined);

/** A whole number, at most `max`. */
export function count(max = Number.MAX_SAFE_INTEGER, error = "expected a whole number"): Kind<number> {
  return parsed("<n>", max === Number.MAX_SAFE_INTEGER ? error : `${error} from 0 to ${max}`, (t) => {
    const n = wholeNumber(t);
    return n !== undefined && n <= max ? n : undefined;
  }, String);
}

export const port: Kind<number> = parsed("<port>", "expected a port from 0 to 65535 (0 picks a free one)", (t) => {
  const n = wholeNumber(t);
  return n !== undefined && n <= 65535 ? n : undefined;
}, String);

/** A port, or `off` for a listener that can be turned off. */
export const portOrOff: Kind<number | "off"> = parsed("<port|off>", "expected a port from 0 to 65535 (0 picks a free one) or off", (t) => {
  if (t === "off") return "off";
  const n = wholeNumber(t);
  return n !== undefined && n <= 65535 ? n : undefined;
}, String);

/** Milliseconds, written `500ms`, `30s`, `2m`; a bare number is seconds. */
export const duration: Kind<number> = parsed(
  "<duration>",
  "expected a positive duration such as 30s, 500ms or 2m (a bare number is seconds)",
  (t) => {
    const n = /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : ms(t as ms.StringValue);
    return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
  },
  formatDuration,
);

/** Exact, unlike ms() (which writes 90000 as "2m"): the largest unit that divides it. */
function formatDuration(n: number): string {
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}ms`;
}

/** Exact, unlike bytes.format() (which writes 65000 as "63.48KB"): the largest unit that divides it. */
function formatSize(n: number): string {
  for (const [unit, size] of [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return String(n);
}

/** Bytes, written `4096`, `64KB`, `4MB` (1 KB = 1024 bytes), at least `min`, at most `max`. */
export function size(options: { zeroMeansNone?: boolean; min?: number; max?: number } = {}): Kind<number> {
  const { zeroMeansNone = false, min = 1, max = Number.MAX_SAFE_INTEGER } = options;
  const range = [min > 1 && `at least ${formatSize(min)}`, max < Number.MAX_SAFE_INTEGER && `at most ${formatSize(max)}`].filter(Boolean).join(" and ");
  const error = `expected a size such as 4096, 64KB or 4MB (1 KB = 1024 bytes)${zeroMeansNone ? ", or 0 for no limit" : ""}${range ? `, ${range}` : ""}`;
  return parsed("<size>", error, (t) => {
    if (zeroMeansNone && /^0+$/.test(t)) return 0;
    // bytes.parse alone reads "4 parsecs" as 4: only a number and a known unit pass.
    if (!/^\d+(\.\d+)?\s*(b|kb|mb|gb|tb|pb)?$/i.test(t)) return undefined;
    const n = bytes.parse(t);
    return n !== null && Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  }, (n) => (n === 0 ? "0" : formatSize(n)));
}

/** Non-empty text (a path, an address). */
export function text(placeholder: string): Kind<string> {
  return parsed(placeholder, "expected a non-empty value", (t) => (t === "" ? undefined : t), String);
}

/** Text that `check` accepts (a name with rules of its own), `error` otherwise. */
export function checkedText(placeholder: string, error: string, check: (text: string) => boolean): Kind<string> {
  return parsed(placeholder, error, (t) => (check(t) ? t : undefined), String);
}

/** One of a fixed set of words. */
export function oneOf<const W extends string>(words: readonly W[]): Kind<W> {
  return parsed(`<${words.join("|")}>`, `expected one of: ${words.join(", ")}`, (t) => words.find((w) => w === t), String);
}

const YES = ["yes", "true", "on", "1"];
const NO = ["no", "false", "off", "0"];

/** yes/no (also true/false, on/off, 1/0). */
export const yesNo: Kind<boolean> = parsed("[yes|no]", "expected yes or no", (t) => (YES.includes(t.toLowerCase()) ? true : NO.includes(t.toLowerCase()) ? false : undefined), (b) => (b ? "yes" : "no"));

/** A comma-separated list (a YAML list also works) of words from `known`. */
export function listOf(known: readonly string[]): Kind<string[]> {
  const error = `expected a comma-separated list of: ${known.join(", ")}`;
  const fromText = (t: string): string[] | undefined => {
    const words = [...new Set(t.split(",").map((w) => w.trim()).filter((w) => w !== ""))];
    return words.every((w) => known.includes(w)) ? words : undefined;
  };
  const kind = parsed("<names>", error, fromText, (v) => (v.length === 0 ? "none" : v.join(",")));
  const schema = z.preprocess((v) => (Array.isArray(v) && v.every((w) => typeof w === "string") ? v.join(",") : v), kind.schema);
  return { ...kind, schema: schema as unknown as z.ZodType<string[]> };
}

/**
 * A comma-separated list (a YAML list also works) of values `item` reads, each kept in the
 * form `item` returns (e.g. a normalized web origin); `item` returns undefined for text
 * that is not one. Repeats are dropped.
 */
export function listOfValues(placeholder: string, error: string, item: (text: string) => string | undefined): Kind<string[]> {
  const fromText = (t: string): string[] | undefined => {
    const values = t.split(",").map((w) => w.trim()).filter((w) => w !== "").map(item);
    return values.every((v) => v !== undefined) ? [...new Set(values as string[])] : undefined;
  };
  const kind = parsed(placeholder, error, fromText, (v) => (v.length === 0 ? "none" : v.join(",")));
  const schema = z.preprocess((v) => (Array.isArray(v) && v.every((w) => typeof w === "string") ? v.join(",") : v), kind.schema);
  return { ...kind, schema: schema as unknown as z.ZodType<string[]> };
}
