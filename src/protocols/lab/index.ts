import type { Limits } from "../../core/limits.js";
import type { StreamDialect } from "../../transport/session.js";
import { createRequestCodec } from "./codec.js";
import type { LabRequest } from "./frames.js";
import { LabSession, type LabContext } from "./session.js";

export type { LabContext } from "./session.js";

/**
 * The lab dialect (seed 001) as the TCP transport plugs it in. The longest line is read
 * from the live `limits` as each connection is made, so a new --max-frame-bytes (SIGHUP)
 * holds for the connections made after it.
 */
export function labDialect(ctx: LabContext, limits: Readonly<Pick<Limits, "maxFrameBytes">>): StreamDialect<LabRequest> {
  return {
    name: "lab",
    createCodec: () => createRequestCodec(limits.maxFrameBytes), // stateful: one per connection
    createSession: (conn) => new LabSession(conn, ctx),
  };
}
