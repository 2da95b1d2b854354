import { BOT_NAMES, startBots } from "../../bots/bots.js";
import { listOf } from "../../config/kinds.js";
import { setting } from "../../config/settings.js";
import type { TransportLimits } from "../../transport/limits.js";
import type { StreamDialect } from "../../transport/session.js";
import { streamDialect, type Endpoint } from "../dialect.js";
import { createRequestCodec } from "./codec.js";
import type { LabRequest } from "./frames.js";
import { LabSession, type LabContext } from "./session.js";

export type { LabContext } from "./session.js";

/**
 * The lab dialect (seed 001) as the TCP transport plugs it in. The longest line is read
 * from the live `limits` as each connection is made, so a new --max-frame-bytes (SIGHUP)
 * holds for the connections made after it.
 */
export function labDialect(ctx: LabContext, limits: Readonly<Pick<TransportLimits, "maxFrameBytes">>): StreamDialect<LabRequest> {
  return {
    name: "lab",
    createCodec: () => createRequestCodec(limits.maxFrameBytes), // stateful: one per connection
    createSession: (conn) => new LabSession(conn, ctx),
  };
}

export interface LabConfig extends Endpoint {
  /** Bots to log in (`echobot`, `delaybot`). */
  bots: readonly string[];
}

/** The lab dialect as the registry lists it: it also runs the bots. */
export const lab = streamDialect({
  name: "lab",
  transport: "stream",
  defaultPort: 5378,
  portHelp: "lab listener: a port, 0 for a free one, off for none",
  settings: {
    bots: setting({ kind: listOf(BOT_NAMES), default: [] as string[], help: "bots to log in: echobot, delaybot (docs/lab.md)", section: "listeners" }),
  },
  limits: {},
  configOf: (s) => ({ bots: s.bots }),
  async open(services, config: LabConfig) {
    const bots = await startBots(services.hub, config.bots, services.log);
    return { plug: labDialect({ hub: services.hub }, services.limits), stop: () => bots.stop() };
  },
});
