/**
 * LIST patterns of cs262 (docs/cs262.md#accounts). The stores take a shell glob, as the original
 * server (zackziegler95/chatbot, Python's fnmatch) does: `*` any run of characters,
 * `?` one character, `[...]` one of a set (`[!...]` none of it, `a-z` ranges, a `]`
 * first in the set is literal, a `[` with no `]` after it is literal), case-insensitive,
 * matched against the whole name. Version 1's own patterns (only `*` is special) are
 * turned into such a glob by `literalGlob`.
 *
 * One parse, two renderings: a RegExp for stores that filter in memory, a SQLite GLOB
 * pattern for SQL stores.
 */

type Token =
  | { readonly kind: "star" }
  | { readonly kind: "one" }
  | { readonly kind: "set"; readonly negated: boolean; readonly body: string }
  | { readonly kind: "char"; readonly char: string };

/** Python fnmatch.translate's reading of a pattern. */
function parse(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") tokens.push({ kind: "star" });
    else if (c === "?") tokens.push({ kind: "one" });
    else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) {
        tokens.push({ kind: "char", char: c }); // no closing `]`: a literal `[`
        continue;
      }
      const negated = pattern[i + 1] === "!";
      tokens.push({ kind: "set", negated, body: pattern.slice(i + (negated ? 2 : 1), j) });
      i = j;
    } else tokens.push({ kind: "char", char: c });
  }
  return tokens;
}

/** A version-1 pattern (`*` the only wildcard) as a glob matching the same names. */
export function literalGlob(pattern: string): string {
  return pattern.replace(/[?[]/g, "[$&]");
}

/** Matches nothing: for a set JavaScript cannot express (e.g. a reversed range). */
const NOTHING = /(?!)/;

/** A whole-string, case-insensitive RegExp for the glob `pattern`. */
export function globToRegExp(pattern: string): RegExp {
  const body = parse(pattern)
    .map((t) => {
      switch (t.kind) {
        case "star":
          return ".*";
        case "one":
          return ".";
        case "set":
          return `[${t.negated ? "^" : ""}${t.body.replace(/[\\\]\[^]/g, "\\$&")}]`;
        case "char":
          return t.char.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
      }
    })
    .join("");
  try {
    return new RegExp(`^${body}$`, "is");
  } catch {
    return NOTHING;
  }
}

/**
 * The SQLite GLOB pattern for the glob `pattern` (GLOB is case-sensitive: give it the
 * folded pattern and compare folded names). GLOB negates with `^`, has no escape, and
 * reads `*`, `?` and `[` outside a set as wildcards, so literals of those go in a set.
 */
export function globToSqlite(pattern: string): string {
  return parse(pattern)
    .map((t) => {
      switch (t.kind) {
        case "star":
          return "*";
        case "one":
          return "?";
        case "set":
          if (t.negated) return `[^${t.body}]`;
          // A leading `^` is literal in a glob but negates in GLOB: put `|` first (no
          // name holds it), which keeps the set's meaning for every name.
          return t.body.startsWith("^") ? `[|${t.body}]` : `[${t.body}]`;
        case "char":
          return "*?[".includes(t.char) ? `[${t.char}]` : t.char;
      }
    })
    .join("");
}
