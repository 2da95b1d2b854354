import type { StreamDialect } from "../../transport/session.js";
import { sharedCodec } from "../../transport/stream-codec.js";
import { Cs262Codec } from "./codec.js";
import type { Cs262Frame } from "./frames.js";
import { Cs262Session, type Cs262Context } from "./session.js";

export type { Cs262Context } from "./session.js";

/** The cs262 dialect (seed 002) as the TCP transport plugs it in. */
export function cs262Dialect(ctx: Cs262Context): StreamDialect<Cs262Frame> {
  return { name: "cs262", createCodec: sharedCodec(ctx.limits, (max) => new Cs262Codec(max)), createSession: (conn) => new Cs262Session(conn, ctx) };
}
