/**
 * The import graph of a source folder, read from the .ts sources with the TypeScript
 * parser (not from dist/: the compiler drops type-only imports, and those tie modules
 * together too). Every way a module names another counts: `import` and `export ... from`
 * (type-only or not), `import("x")`, `import("x").T` in a type, `import x = require("x")`
 * and a `require("x")` call of a built-in or a package. A relative `require()` is left out:
 * it is resolved from the compiled file in dist/, and in an ES module it can only load a
 * data file (src/version.ts reads package.json so), never one of our modules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, posix } from "node:path";
import ts from "typescript";
import type { ImportEdge } from "./check-imports.js";

/** What a file's text says it imports, before resolution. */
export interface RawImport {
  /** As written; `undefined` for an `import()` or `require()` of a computed name. */
  readonly specifier: string | undefined;
  readonly typeOnly: boolean;
  readonly line: number;
}

export interface ImportGraph {
  /** Every .ts file under the folder, from the root (`src/core/hub.ts`), sorted. */
  readonly files: readonly string[];
  /** Every import that resolved: to a file that exists, a built-in or a package. */
  readonly edges: readonly ImportEdge[];
  /** Relative imports of no file, and imports of computed names: the graph cannot place them. */
  readonly unresolved: readonly string[];
}

/** The imports in one file's text. */
export function importsOf(fileName: string, text: string): RawImport[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: RawImport[] = [];
  const add = (node: ts.Node, name: ts.Node | undefined, typeOnly: boolean) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const specifier = name !== undefined && ts.isStringLiteralLike(name) ? name.text : undefined;
    found.push({ specifier, typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, isTypeOnlyImport(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const clause = node.exportClause;
      const allTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      add(node, ts.isLiteralTypeNode(arg) ? arg.literal : undefined, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isCallExpression(node) && isRequire(node.expression) && !isRelativeLiteral(node.arguments[0])) {
      add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `import type {...}`, or `import { type A, type B }` with nothing else: erased at run time. */
function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import "./x.js"`: run for its effects
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function isRequire(callee: ts.Expression): boolean {
  return ts.isIdentifier(callee) && callee.text === "require";
}

function isRelativeLiteral(arg: ts.Expression | undefined): boolean {
  return arg !== undefined && ts.isStringLiteralLike(arg) && arg.text.startsWith(".");
}

/**
 * Where `specifier`, imported by `from` (a path from the root), points: a file from the
 * root, `node:<name>` for a built-in, or the package's name. A relative import names the
 * .js its .ts compiles to, or a folder (its index.ts). Undefined if no file is there.
 */
export function resolveImport(from: string, specifier: string, isFile: (path: string) => boolean): string | undefined {
  if (specifier.startsWith(".")) {
    const path = posix.normalize(posix.join(posix.dirname(from), specifier));
    const candidates = [path.replace(/\.js$/, ".ts"), path, `${path}.ts`, `${path}/index.ts`];
    return candidates.find(isFile);
  }
  if (isBuiltin(specifier)) return specifier.startsWith("node:") ? specifier : `node:${specifier}`;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The import graph of `root/dir` (default: the repository's src/). */
export function readImportGraph(root: string, dir = "src"): ImportGraph {
  const files = listTs(root, dir).sort();
  const isFile = (path: string) => existsSync(join(root, path)) && statSync(join(root, path)).isFile();
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const from of files) {
    for (const raw of importsOf(from, readFileSync(join(root, from), "utf8"))) {
      const to = raw.specifier === undefined ? undefined : resolveImport(from, raw.specifier, isFile);
      if (to === undefined) unresolved.push(`${from}:${raw.line} imports ${raw.specifier === undefined ? "a computed name" : `"${raw.specifier}", which names no file`}`);
      else edges.push({ from, specifier: raw.specifier!, to, typeOnly: raw.typeOnly, line: raw.line });
    }
  }
  return { files, edges, unresolved };
}

function listTs(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(root, path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}
