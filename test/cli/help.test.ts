/**
 * `--help` on every command ends with examples, and every example is a real invocation:
 * its command exists, each flag is an option of that command, and commander parses it
 * (values valid, required options present) — checked by parsing each example with a
 * fresh program whose actions are replaced, so that nothing is run. Then `--version`
 * and the bcs entry points, as processes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";
import { CLI, REPO_ROOT } from "../helpers/server.js";
import { dryParse, everyCommand } from "./dry-parse.js";

/** The programs an example may start with, and the command path each stands for. */
const ENTRY_POINTS: Record<string, readonly string[]> = {
  switchboard: [],
  bcs_server: ["server", "bcs"],
  bcs_client: ["client", "bcs"],
};

function helpOf(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

/** The indented lines under `Examples:`, up to the first blank line. */
function examplesIn(help: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf("Examples:");
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    out.push(line.trim());
  }
  return out;
}

/** Shell words and the operators `|`, `&&`, `;` (as their own words); quotes group and are removed. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      assert.ok(end > i, `unclosed quote in example: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "|" || c === ";" || (c === "&" && line[i + 1] === "&")) {
      if (word !== undefined) words.push(word);
      word = undefined;
      words.push(c === "&" ? "&&" : c);
      if (c === "&") i++;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The part of an example line that runs one of our programs: its name and its arguments. */
function invocationIn(line: string): { program: string; args: string[] } {
  const words = shellWords(line);
  const segments: string[][] = [[]];
  for (const w of words) {
    if (w === "|" || w === ";" || w === "&&") segments.push([]);
    else segments[segments.length - 1]!.push(w);
  }
  for (const segment of segments) {
    const first = segment.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w)); // skip VAR=value prefixes
    const program = segment[first];
    if (program !== undefined && program in ENTRY_POINTS) return { program, args: segment.slice(first + 1) };
  }
  throw new Error(`example runs none of ${Object.keys(ENTRY_POINTS).join(", ")}: ${line}`);
}

/** Parse an example line (see dryParse); resolves to the path of the command it runs, undefined for --version/--help. */
async function parseExample(line: string): Promise<readonly string[] | undefined> {
  const { program, args } = invocationIn(line);
  try {
    const parsed = await dryParse([...ENTRY_POINTS[program]!, ...args]);
    return "path" in parsed ? parsed.path : undefined;
  } catch (err) {
    throw new Error(`example ${line}: ${(err as Error).message}`);
  }
}

const all = everyCommand(buildProgram());

describe("--help", () => {
  it("walks every command: the program, both groups, serve and the ten dialect commands", () => {
    const names = all.map((f) => ["switchboard", ...f.path].join(" "));
    for (const expected of ["switchboard", "switchboard serve", "switchboard server", "switchboard client"]) assert.ok(names.includes(expected), names.join(", "));
    for (const dialect of ["lab", "bcs", "gowing", "cs262", "udp"]) {
      assert.ok(names.includes(`switchboard server ${dialect}`), names.join(", "));
      assert.ok(names.includes(`switchboard client ${dialect}`), names.join(", "));
    }
  });

  for (const { command, path } of all) {
    const name = ["switchboard", ...path].join(" ");
    const isGroup = command.commands.length > 0;
    it(`of \`${name}\` ends with examples (${isGroup ? "at least one" : "two to four"})`, () => {
      const help = helpOf(command);
      assert.match(help, /\nExamples:\n {2}\S/, help);
      const count = examplesIn(help).length;
      if (isGroup) assert.ok(count >= 1, help);
      else assert.ok(count >= 2 && count <= 4, `${count} examples:\n${help}`);
    });

    it(`of \`${name}\` shows only examples that parse as that command, with its own flags`, async () => {
      for (const line of examplesIn(helpOf(command))) {
        const runs = await parseExample(line);
        if (runs === undefined) continue; // --version or --help
        assert.deepEqual(runs.slice(0, path.length), path, `an example of \`${name}\` runs \`switchboard ${runs.join(" ")}\`: ${line}`);
      }
    });
  }

  it("the example check refuses a wrong flag, a bad value, a missing required option and an unknown command", async () => {
    await assert.rejects(parseExample("switchboard server lab --no-such-flag"), /unknown option '--no-such-flag'/);
    await assert.rejects(parseExample("switchboard server lab --port notaport"), /does not parse/);
    await assert.rejects(parseExample("bcs_client -h 127.0.0.1 -p 9001"), /required option '-u, --username <username>' not specified/);
    await assert.rejects(parseExample("switchboard server irc --port 6667"), /does not parse/);
    await assert.rejects(parseExample("echo hello | cat"), /runs none of/);
    // A flag of another command given after a value-taking flag of this one.
    await assert.rejects(parseExample("switchboard client lab --address --bots"), /--bots is not an option/);
  });

  it("the example check takes pipes, quotes and the bcs entry points", async () => {
    assert.deepEqual(await parseExample("printf 'hi\\n' | bcs_client -u 'al ice'"), ["client", "bcs"]);
    assert.deepEqual(await parseExample("bcs_server -p 9001"), ["server", "bcs"]);
    assert.equal(await parseExample("switchboard --version"), undefined);
  });
});

const TIMEOUT = { timeout: 30_000 };
const run = (script: string, args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 20_000 });

describe("the entry points", () => {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

  for (const flag of ["--version", "-V"]) {
    it(`switchboard ${flag} prints the package.json version and exits 0`, TIMEOUT, () => {
      const r = run(CLI("switchboard"), [flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
      assert.match(version, /^\d+\.\d+\.\d+/);
    });
  }

  for (const [script, name] of [[CLI("bcs-server"), "bcs_server"], [CLI("bcs-client"), "bcs_client"]] as const) {
    it(`${name} --help prints its examples and exits 0`, TIMEOUT, () => {
      const r = run(script, ["--help"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`\\nExamples:\\n {2}${name} `), r.stdout);
    });
  }
});
