import type { DatagramDialect } from "../../transport/datagram-session.js";
import { UdpCodec } from "./codec.js";
import type { UdpFrame } from "./frames.js";
import { UdpServer, type UdpContext, type UdpMember } from "./session.js";

export { DEFAULT_UDP_OPTIONS, type UdpContext, type UdpOptions } from "./session.js";

/** The CHAT UDP dialect (seed 004) as the UDP transport plugs it in. */
export function udpDialect(ctx: UdpContext): DatagramDialect<UdpFrame, UdpMember> {
  return { name: "udp", codec: new UdpCodec(), createHandler: (link) => new UdpServer(link, ctx) };
}
