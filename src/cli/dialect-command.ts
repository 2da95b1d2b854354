/**
 * A dialect's seed-shaped commands, built one way. `server <dialect>`: the dialect's own
 * flags, --proxy-protocol for a TCP dialect, then the limit flags every server command
 * shares; it runs Switchboard serving that dialect alone. `client <dialect>`: its
 * arguments and flags; it runs the client on this process's terminal and exits with the
 * client's exit code. Each dialect's file (commands/<dialect>.ts) says only what is its own.
 */
import type { Command, OptionValues } from "commander";
import type { Limits } from "../app/limits.js";
import type { SwitchboardConfig } from "../app/switchboard.js";
import type { ClientIO } from "../clients/shared/terminal.js";
import { addLimitOptions, limitsFrom, PROXY_PROTOCOL_OPTION } from "./limit-options.js";
import { runServer, type RunServerOptions } from "./run-server.js";

/** The help text after a command's options: its notes, if any, then its examples. */
export function helpText(notes: string | undefined, examples: readonly string[]): string {
  return (notes === undefined ? "" : `\n${notes}\n`) + `\nExamples:\n  ${examples.join("\n  ")}`;
}

export interface ServerCommandSpec {
  readonly description: string;
  /** The dialect's own flags, in the order --help lists them. */
  readonly options: (command: Command) => Command;
  /** A TCP dialect: its connections may start with a PROXY protocol header (--proxy-protocol). */
  readonly proxyProtocol: boolean;
  readonly notes?: string;
  readonly examples: readonly string[];
  /** The limits from the parsed flags; default limitsFrom (serve's defaults for the flags not given). */
  readonly limits?: (flags: OptionValues) => Limits;
  /** The dialect's listener settings from the parsed flags (and the data directory, when the command has a flag for it). */
  readonly config: (flags: OptionValues) => Omit<Partial<SwitchboardConfig>, "limits" | "proxyProtocol">;
  /** Printed once the server accepts connections; default runServer's. */
  readonly readyLine?: string;
  readonly runOptions?: RunServerOptions;
}

export function serverCommand(command: Command, spec: ServerCommandSpec): Command {
  const own = spec.options(command.description(spec.description));
  if (spec.proxyProtocol) own.option(...PROXY_PROTOCOL_OPTION);
  return addLimitOptions(own)
    .addHelpText("after", helpText(spec.notes, spec.examples))
    .action(async (flags: OptionValues) => {
      const limits = (spec.limits ?? limitsFrom)(flags);
      const proxyProtocol = spec.proxyProtocol ? { proxyProtocol: flags["proxyProtocol"] === true } : {};
      await runServer({ limits, dataDir: "./data", ...spec.config(flags), ...proxyProtocol }, spec.readyLine, spec.runOptions);
    });
}

export interface ClientCommandSpec {
  readonly description: string;
  /** Its arguments and flags, in the order --help lists them. */
  readonly options: (command: Command) => Command;
  readonly notes?: string;
  readonly examples: readonly string[];
  /** Runs the client with the parsed flags and arguments on `io`; resolves to its exit code. */
  readonly run: (flags: OptionValues, args: readonly string[], io: ClientIO) => Promise<number>;
}

export function clientCommand(command: Command, spec: ClientCommandSpec): Command {
  return spec
    .options(command.description(spec.description))
    .addHelpText("after", helpText(spec.notes, spec.examples))
    .action(async (...params: unknown[]) => {
      // commander passes the arguments, then the parsed flags, then the command itself.
      const args = params.slice(0, -2) as string[];
      const flags = params[params.length - 2] as OptionValues;
      process.exitCode = await spec.run(flags, args, { input: process.stdin, output: process.stdout });
    });
}
