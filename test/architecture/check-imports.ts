/**
 * The rule checker behind import-rules.test.ts: given the resolved imports of src/ and a
 * table of rules, which imports break which rule. It knows nothing of this project's
 * folders (the table does), so it is tested on made-up graphs (check-imports.test.ts).
 */

/** One import of one source file, resolved. */
export interface ImportEdge {
  /** The importing file, from the repository root: `src/core/hub.ts`. */
  readonly from: string;
  /** As written in the source: `../transport/connection.js`. */
  readonly specifier: string;
  /**
   * What it names: a file from the repository root (`src/core/ports.ts`, `package.json`),
   * a built-in as `node:<name>` (`node:fs/promises`), or a package by its name (`pino`).
   */
  readonly to: string;
  /** `import type`, `export type`, `import("x").T` in a type: erased at run time. */
  readonly typeOnly: boolean;
  readonly line: number;
}

/** A module pattern: `*` matches within one path segment, `**` across segments; or a test. */
export type Pattern = string | ((module: string) => boolean);

export interface Rule {
  /** Short, quoted in failures. */
  readonly name: string;
  /** Why the rule exists, printed with every import that breaks it. */
  readonly why: string;
  /** The importing files the rule constrains. */
  readonly from: readonly Pattern[];
  /** If set, those files may import only what matches one of these. */
  readonly onlyTo?: readonly Pattern[];
  /** Those files may import nothing that matches one of these. */
  readonly notTo?: readonly Pattern[];
  /** A test no pattern can say (e.g. the layer order); true means the import breaks the rule. */
  readonly breaks?: (edge: ImportEdge) => boolean;
  /** Imports the rule lets through all the same (its one documented exception). */
  readonly unless?: (edge: ImportEdge) => boolean;
  /** Extra words for a failure, e.g. which layers the two files are in. */
  readonly explain?: (edge: ImportEdge) => string;
}

export interface Violation {
  readonly edge: ImportEdge;
  /** Every rule this import breaks (at least one). */
  readonly rules: readonly Rule[];
}

const compiled = new Map<string, RegExp>();

/** Whether `module` matches `pattern` (a glob over the whole name, or a predicate). */
export function matches(module: string, pattern: Pattern): boolean {
  if (typeof pattern === "function") return pattern(module);
  let re = compiled.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split("**")
      .map((part) =>
        part
          .split("*")
          .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^/]*"),
      )
      .join(".*");
    re = new RegExp(`^${body}$`);
    compiled.set(pattern, re);
  }
  return re.test(module);
}

function matchesAny(module: string, patterns: readonly Pattern[]): boolean {
  return patterns.some((p) => matches(module, p));
}

/** Whether `edge` breaks `rule` (false when the rule does not constrain its importer). */
export function breaksRule(edge: ImportEdge, rule: Rule): boolean {
  if (!matchesAny(edge.from, rule.from)) return false;
  const broken =
    (rule.onlyTo !== undefined && !matchesAny(edge.to, rule.onlyTo)) ||
    (rule.notTo !== undefined && matchesAny(edge.to, rule.notTo)) ||
    (rule.breaks !== undefined && rule.breaks(edge));
  return broken && !(rule.unless?.(edge) ?? false);
}

/** Every import that breaks at least one rule, in the order of `edges`. */
export function violations(edges: readonly ImportEdge[], rules: readonly Rule[]): Violation[] {
  const found: Violation[] = [];
  for (const edge of edges) {
    const broken = rules.filter((rule) => breaksRule(edge, rule));
    if (broken.length > 0) found.push({ edge, rules: broken });
  }
  return found;
}

/** The pair a known-violation list names: `src/a/x.ts -> src/b/y.ts` (or `-> node:fs`). */
export function pairOf(v: { readonly edge: ImportEdge }): string {
  return `${v.edge.from} -> ${v.edge.to}`;
}

/** One failure, naming the file, the import and the rule with its reason. */
export function describeViolation(v: Violation): string {
  const kind = v.edge.typeOnly ? ", type only" : "";
  const head = `${v.edge.from}:${v.edge.line} imports "${v.edge.specifier}" (${v.edge.to}${kind})`;
  const why = v.rules.map((r) => `  breaks "${r.name}": ${r.why}${r.explain ? ` (${r.explain(v.edge)})` : ""}`);
  return [head, ...why].join("\n");
}

export interface Comparison {
  /** Violations not on the known list: new breaks, to fix. */
  readonly unexpected: readonly Violation[];
  /** Known pairs the tree no longer has: fixed, to strike off the list. */
  readonly gone: readonly string[];
}

/**
 * Found violations against a list of known `from -> to` pairs. A pair imported twice by one
 * file (an `import type` and an `import`) is one entry.
 */
export function compareWithKnown(found: readonly Violation[], known: readonly string[]): Comparison {
  const knownSet = new Set(known);
  const foundPairs = new Set(found.map(pairOf));
  return {
    unexpected: found.filter((v) => !knownSet.has(pairOf(v))),
    gone: known.filter((pair) => !foundPairs.has(pair)),
  };
}

/**
 * The folder a module belongs to for layering: the first segment under src/
 * (`src/store/sqlite/x.ts` is in `store`); a file directly in src/ is its own folder
 * (`version.ts`). Undefined for what is not under src/ (built-ins, packages, package.json).
 */
export function folderOf(module: string): string | undefined {
  if (!module.startsWith("src/")) return undefined;
  return module.slice("src/".length).split("/")[0];
}

/**
 * The rule that folders import only folders in lower layers. `layers` runs from the top
 * (imports the most) to the bottom (imports nothing else); folders of one layer are
 * independent of each other. Imports within a folder, and of modules outside src/, are
 * other rules' business; so are folders in no layer (see `unplacedFolders`).
 */
export function layerRule(layers: readonly (readonly string[])[], name: string, why: string): Rule {
  const layerOf = new Map<string, number>();
  layers.forEach((folders, i) => folders.forEach((f) => layerOf.set(f, i)));
  const level = (module: string) => {
    const folder = folderOf(module);
    return folder === undefined ? undefined : layerOf.get(folder);
  };
  const describeLayer = (module: string) => {
    const folder = folderOf(module)!;
    const i = layerOf.get(folder)!;
    return `${folder} is in layer ${i + 1} of ${layers.length} [${layers[i]!.join(", ")}]`;
  };
  return {
    name,
    why,
    from: ["src/**"],
    breaks: (edge) => {
      if (folderOf(edge.from) === folderOf(edge.to)) return false;
      const from = level(edge.from);
      const to = level(edge.to);
      return from !== undefined && to !== undefined && to <= from;
    },
    explain: (edge) => `${describeLayer(edge.from)}; ${describeLayer(edge.to)}`,
  };
}

/** Folders of src/ (as `folderOf` names them) that no layer places, sorted. */
export function unplacedFolders(files: readonly string[], layers: readonly (readonly string[])[]): string[] {
  const placed = new Set(layers.flat());
  const folders = new Set(files.map(folderOf).filter((f): f is string => f !== undefined));
  return [...folders].filter((f) => !placed.has(f)).sort();
}

/**
 * A breaks-test for sub-folders of `root` that must not import each other (one dialect
 * from another): true when the edge goes from `root/a/...` to `root/b/...` with a != b.
 * An import into `shared` (when given) is allowed; one out of it is not.
 */
export function intoAnotherSubfolder(root: string, shared?: string): (edge: ImportEdge) => boolean {
  const sub = (module: string) => {
    if (!module.startsWith(root + "/")) return undefined;
    const rest = module.slice(root.length + 1).split("/");
    return rest.length > 1 ? rest[0] : undefined; // a file directly in root is in no sub-folder
  };
  return (edge) => {
    const from = sub(edge.from);
    const to = sub(edge.to);
    return from !== undefined && to !== undefined && from !== to && to !== shared;
  };
}
