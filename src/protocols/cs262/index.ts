import type { StreamDialect } from "../../transport/session.js";
import { Cs262Codec } from "./codec.js";
import type { Cs262Frame } from "./frames.js";
import { Cs262Session, type Cs262Context } from "./session.js";

export type { Cs262Context } from "./session.js";

/** The cs262 dialect (seed 002) as the TCP transport plugs it in. */
export function cs262Dialect(ctx: Cs262Context): StreamDialect<Cs262Frame> {
  const codec = new Cs262Codec(ctx.limits.maxFrameBytes);
  return { name: "cs262", createCodec: () => codec, createSession: (conn) => new Cs262Session(conn, ctx) }; // stateless: shared
}
