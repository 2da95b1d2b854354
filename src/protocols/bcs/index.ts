import type { StreamDialect } from "../../transport/session.js";
import { BcsCodec } from "./codec.js";
import type { BcsFrame } from "./frames.js";
import { BcsSession, type BcsContext } from "./session.js";

export type { BcsContext } from "./session.js";

/** The bcs dialect (seed 000) as the TCP transport plugs it in. */
export function bcsDialect(ctx: BcsContext): StreamDialect<BcsFrame> {
  const codec = new BcsCodec(ctx.limits.maxFrameBytes);
  return { name: "bcs", createCodec: () => codec, createSession: (conn) => new BcsSession(conn, ctx) }; // stateless: shared
}
