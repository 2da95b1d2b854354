import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnOptionsWithoutStdio } from "node:child_process";

/** util-linux script(1) is what gives a spawned program a pseudo-terminal. */
export const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;

/**
 * Runs argv on a pseudo-terminal through script(1); what it prints comes back on stdout,
 * what is written to stdin is typed at it. script hands the command to `$SHELL -c`, and
 * the command is `exec`ed so that the program is the terminal's only process: a
 * non-interactive dash (Debian's /bin/sh, used when SHELL is unset) would otherwise die
 * of a Ctrl+C that the program itself handles, and script would report 130.
 */
export function spawnOnTerminal(argv: readonly string[], options: SpawnOptionsWithoutStdio = {}): ChildProcessWithoutNullStreams {
  const command = `exec ${argv.map(shellQuote).join(" ")}`;
  return spawn("script", ["-qfec", command, "/dev/null"], { ...options, stdio: ["pipe", "pipe", "pipe"] });
}

function shellQuote(arg: string): string {
  return /^[\w./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
