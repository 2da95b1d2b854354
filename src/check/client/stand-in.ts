/**
 * What client cases of every dialect do with the client under test and its stand-in
 * server (ctx.listen): start it there, take the connection it makes, see it quit.
 */
import type { CaseInfo, CheckCase } from "../case.js";
import type { CheckContext } from "../context.js";
import type { StreamProbe } from "../probe/stream-probe.js";
import type { ClientProcess } from "./client-process.js";
import type { ScriptedServer } from "./scripted-server.js";

/** Starting a client process (node, python) may take a second on a busy machine: its connection is waited for this long. */
export const CLIENT_START_MS = 8000;

export interface StartedClient {
  readonly server: ScriptedServer;
  readonly client: ClientProcess;
}

/** The client started against a fresh stand-in server, with `args` appended to its command. */
export async function startAgainstStandIn(ctx: CheckContext, args: readonly string[] = []): Promise<StartedClient> {
  const server = await ctx.listen();
  return { server, client: ctx.startClient(server.port, args) };
}

export interface ConnectOptions {
  /** A line typed once the client is started (one that connects at its first command). */
  readonly typed?: string;
  /** How long its connection is waited for; default CLIENT_START_MS. */
  readonly ms?: number;
}

/** As startAgainstStandIn, and the connection the client then makes (`expected` words it in a failure report). */
export async function connectedClient(ctx: CheckContext, args: readonly string[], expected: string, options: ConnectOptions = {}): Promise<StartedClient & { probe: StreamProbe }> {
  const started = await startAgainstStandIn(ctx, args);
  if (options.typed !== undefined) started.client.typeLine(options.typed);
  const probe = await started.server.accept(expected, options.ms ?? CLIENT_START_MS);
  return { ...started, probe };
}

/**
 * A case: `command` (the dialect's quit) typed into a client that `setup` has logged in
 * (the stand-in's side of its connection: `conn.probe`): the client closes the
 * connection and exits with status 0.
 */
export function quitsCleanly(info: CaseInfo, setup: (ctx: CheckContext) => Promise<{ client: ClientProcess; conn: { readonly probe: StreamProbe } }>, command: string): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const { client, conn } = await setup(ctx);
      client.typeLine(command);
      await conn.probe.expectClosed(`the client to close the connection after ${command}`);
      await client.expectExit(`after ${command}`, 0);
    },
  };
}
