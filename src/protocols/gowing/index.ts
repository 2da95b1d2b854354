import type { StreamDialect } from "../../transport/session.js";
import { sharedCodec } from "../../transport/stream-codec.js";
import { GowingCodec } from "./codec.js";
import type { GowingFrame } from "./frames.js";
import { GowingSession, type GowingContext } from "./session.js";

export type { GowingContext } from "./session.js";

/** The gowing dialect (seed 003) as the TCP transport plugs it in. */
export function gowingDialect(ctx: GowingContext): StreamDialect<GowingFrame> {
  return { name: "gowing", createCodec: sharedCodec(ctx.limits, (max) => new GowingCodec(max)), createSession: (conn) => new GowingSession(conn, ctx) };
}
