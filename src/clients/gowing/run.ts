/**
 * The gowing client (seed 003): `switchboard client gowing <server-ip> <name> [--port 9000]`.
 * Exit codes: see exit-codes.ts.
 */
import { nameProblem } from "./display.js";
import { Exit } from "./exit-codes.js";
import { GowingClient } from "./session.js";
import type { ClientIO } from "../shared/terminal.js";
import { Terminal } from "./terminal.js";

export interface GowingClientOptions extends ClientIO {
  host: string;
  port: number;
  name: string;
}

export async function runGowingClient(options: GowingClientOptions): Promise<number> {
  const error = options.error ?? process.stderr;
  // Seed 003: the client rejects blank names and names with spaces itself, before connecting.
  const problem = nameProblem(options.name);
  if (problem !== undefined) {
    error.write(`error: ${problem}\n`);
    return Exit.NoName;
  }
  const client = new GowingClient(options.host, options.port, options.name, new Terminal(options.input, options.output, error));
  client.start();
  return client.done;
}
