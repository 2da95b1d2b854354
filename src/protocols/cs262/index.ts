import type { StreamDialect } from "../../transport/session.js";
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
