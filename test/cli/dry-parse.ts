/**
 * Parse a command line as `switchboard` would, without running anything: for checking
 * that documented invocations (help examples, the systemd unit's ExecStart) are real.
 */
import { CommanderError, type Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";

export interface Found {
  readonly command: Command;
  /** Names below the program: [] for `switchboard`, ["server", "bcs"], ... */
  readonly path: readonly string[];
}

/** Every command of the program, the program and the groups included. */
export function everyCommand(command: Command, path: readonly string[] = []): Found[] {
  return [{ command, path }, ...command.commands.flatMap((sub) => everyCommand(sub, [...path, sub.name()]))];
}

/** What a command line would do: run a command's action, or only print (--version, --help). */
export type Parsed = Found | { readonly printsOnly: "version" | "help" };

/**
 * Parse `args` (what follows `switchboard`) with a fresh program whose actions are all
 * replaced and whose exits are thrown. Rejects when the line does not parse (unknown
 * option, bad value, missing required option, unknown command), and when a word that
 * looks like a flag is no option of the command reached (one taken as another's value).
 */
export async function dryParse(args: readonly string[]): Promise<Parsed> {
  const root = buildProgram();
  let reached: Found | undefined;
  let said = "";
  for (const found of everyCommand(root)) {
    found.command.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: (s) => (said += s) });
    if (found.command.commands.length === 0) found.command.action(() => void (reached = found));
  }
  try {
    await root.parseAsync([...args], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError && err.code === "commander.version") return { printsOnly: "version" };
    if (err instanceof CommanderError && err.code === "commander.helpDisplayed") return { printsOnly: "help" };
    throw new Error(`does not parse: switchboard ${args.join(" ")}\n${said || String(err)}`);
  }
  if (reached === undefined) throw new Error(`runs no command: switchboard ${args.join(" ")}`);
  const known = new Set<string>();
  for (let c: Command | null = reached.command; c !== null; c = c.parent) {
    for (const o of c.createHelp().visibleOptions(c)) for (const flag of [o.long, o.short]) if (flag) known.add(flag);
  }
  for (const word of args) {
    if (!word.startsWith("-") || word === "-" || word === "--") continue;
    const flag = word.startsWith("--") ? word.split("=")[0]! : word.slice(0, 2);
    if (!known.has(flag)) throw new Error(`${flag} is not an option of \`switchboard ${reached.path.join(" ")}\` (in: switchboard ${args.join(" ")})`);
  }
  return reached;
}
