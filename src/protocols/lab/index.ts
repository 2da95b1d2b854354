import type { StreamDialect } from "../../transport/session.js";
import { createRequestCodec } from "./codec.js";
import type { LabRequest } from "./frames.js";
import { LabSession, type LabContext } from "./session.js";

export type { LabContext } from "./session.js";

/** The lab dialect (seed 001) as the TCP transport plugs it in. */
export function labDialect(ctx: LabContext, maxLineBytes: number): StreamDialect<LabRequest> {
  return {
    name: "lab",
    createCodec: () => createRequestCodec(maxLineBytes), // stateful: one per connection
    createSession: (conn) => new LabSession(conn, ctx),
  };
}
