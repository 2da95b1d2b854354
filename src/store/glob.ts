/**
 * The LIST filter of cs262 (WIRE.md 4): `*` matches any run of characters (also none),
 * every other character is literal, case-insensitive. One definition, two renderings:
 * a RegExp for stores that filter in memory, a LIKE pattern for SQL stores.
 */

/** A whole-string, case-insensitive RegExp for `pattern`. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "is");
}

/** The LIKE pattern for `pattern`, to be used with `ESCAPE '\'`: `%` and `_` stay literal. */
export function globToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, "\\$&").replace(/\*/g, "%");
}
