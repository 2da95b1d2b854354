import type { StreamDialect } from "../../transport/session.js";
import { sharedCodec } from "../../transport/stream-codec.js";
import { BcsCodec } from "./codec.js";
import type { BcsFrame } from "./frames.js";
import { BcsSession, type BcsContext } from "./session.js";

export type { BcsContext } from "./session.js";

/** The bcs dialect (seed 000) as the TCP transport plugs it in. */
export function bcsDialect(ctx: BcsContext): StreamDialect<BcsFrame> {
  return { name: "bcs", createCodec: sharedCodec(ctx.limits, (max) => new BcsCodec(max)), createSession: (conn) => new BcsSession(conn, ctx) };
}
