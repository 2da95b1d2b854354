import type { StreamDialect } from "../../transport/session.js";
import { streamDialect, type Endpoint } from "../dialect.js";
import { Cs262Codec } from "./codec.js";
import type { Cs262Frame } from "./frames.js";
import { Cs262Session, type Cs262Context } from "./session.js";

export type { Cs262Context } from "./session.js";

/** The cs262 dialect (seed 002) as the TCP transport plugs it in. */
export function cs262Dialect(ctx: Cs262Context): StreamDialect<Cs262Frame> {
  return {
    name: "cs262",
    // One codec per connection (it holds the connection's version), made with the live
    // --max-frame-bytes, so the connection's codec and FrameReader agree.
    createCodec: () => new Cs262Codec(ctx.limits.maxFrameBytes),
    createSession: (conn) => new Cs262Session(conn, ctx),
  };
}

/** The cs262 listener (seed 002). Its accounts and queues are the hub's (over the process's Store). */
export type Cs262Config = Endpoint;

/** The cs262 dialect as the registry lists it: the one with accounts. */
export const cs262 = streamDialect({
  name: "cs262",
  transport: "stream",
  defaultPort: 9002,
  settings: {},
  limits: {},
  accounts: true,
  configOf: () => ({}),
  async open(services, _config: Cs262Config) {
    if (!services.hub.accounts.kept) throw new Error("cs262 serves accounts: the hub keeps none");
    return { plug: cs262Dialect({ hub: services.hub, log: services.log, limits: services.limits }) };
  },
});
