import { count, duration } from "../../config/kinds.js";
import { setting } from "../../config/settings.js";
import type { DatagramDialect } from "../../transport/datagram-session.js";
import { VERSION } from "../../version.js";
import { datagramDialect, type Endpoint } from "../dialect.js";
import { UdpCodec } from "./codec.js";
import type { UdpFrame } from "./frames.js";
import { DEFAULT_UDP_OPTIONS, UdpServer, type UdpContext, type UdpMember, type UdpOptions } from "./session.js";

export { DEFAULT_UDP_OPTIONS, type UdpContext, type UdpOptions } from "./session.js";

/** The CHAT UDP dialect (seed 004) as the UDP transport plugs it in. */
export function udpDialect(ctx: UdpContext): DatagramDialect<UdpFrame, UdpMember> {
  return { name: "udp", codec: new UdpCodec(), createHandler: (link) => new UdpServer(link, ctx) };
}

/** Where the udp listener binds, and its options (each defaults to DEFAULT_UDP_OPTIONS). */
export interface UdpConfig extends Endpoint, Partial<UdpOptions> {}

const U = DEFAULT_UDP_OPTIONS;

/** The CHAT UDP dialect as the registry lists it. */
export const udp = datagramDialect({
  name: "udp",
  transport: "datagram",
  defaultPort: 9003,
  portHelp: "udp listener (a UDP port)",
  sections: { udp: "udp" },
  settings: {
    "udp-list-interval": setting({ kind: duration, default: U.listIntervalMs, help: "how often every registered udp address gets the user list (43)", section: "udp" }),
    "udp-idle-timeout": setting({ kind: duration, default: U.idleTimeoutMs, help: "log out a udp address that sends nothing for this long", section: "udp" }),
    "udp-rate": setting({ kind: count(), default: undefined, defaultText: `msg-rate when set, else ${U.rate.perSecond}`, example: U.rate.perSecond, help: "datagrams per second a registered udp address may send; 0: no limit", section: "udp" }),
    "udp-burst": setting({ kind: count(), default: undefined, defaultText: `msg-burst when set, else ${U.rate.burst}`, example: U.rate.burst, help: "datagrams a registered udp address may send at once after a quiet spell", section: "udp" }),
  },
  check: (s) => (s["udp-rate"] !== undefined && s["udp-rate"] > 0 && s["udp-burst"] === 0 ? "udp-burst: must be at least 1 while udp-rate is not 0" : undefined),
  limits: {},
  /**
   * udp's rate: udp-rate/udp-burst, else msg-rate/msg-burst when they were set, else
   * udp's own default (10/s, burst 20: stricter than TCP's 50/100, because a datagram
   * costs nothing to send, cannot be slowed down, and its source address proves nothing).
   */
  configOf: (s, given) => ({
    listIntervalMs: s["udp-list-interval"],
    idleTimeoutMs: s["udp-idle-timeout"],
    rate: {
      perSecond: s["udp-rate"] ?? (given.has("msg-rate") ? s["msg-rate"] : U.rate.perSecond),
      burst: s["udp-burst"] ?? (given.has("msg-burst") ? s["msg-burst"] : U.rate.burst),
    },
  }),
  async open(services, config: UdpConfig) {
    const options: UdpOptions = {
      listIntervalMs: config.listIntervalMs ?? U.listIntervalMs,
      idleTimeoutMs: config.idleTimeoutMs ?? U.idleTimeoutMs,
      rate: config.rate ?? U.rate,
    };
    return { plug: udpDialect({ hub: services.hub, log: services.log, version: VERSION, options }), idleTimeoutMs: options.idleTimeoutMs, rate: options.rate };
  },
});
