import { DEFAULT_UDP_OPTIONS, udpDialect, type UdpOptions } from "../protocols/udp/index.js";
import { UdpListener } from "../transport/udp-listener.js";
import { VERSION } from "../version.js";
import type { AppContext, Endpoint, Started } from "./context.js";

export interface UdpConfig extends Endpoint, Partial<UdpOptions> {}

export async function startUdp(ctx: AppContext, config: UdpConfig): Promise<Started> {
  const options: UdpOptions = {
    listIntervalMs: config.listIntervalMs ?? DEFAULT_UDP_OPTIONS.listIntervalMs,
    idleTimeoutMs: config.idleTimeoutMs ?? DEFAULT_UDP_OPTIONS.idleTimeoutMs,
    rate: config.rate ?? DEFAULT_UDP_OPTIONS.rate,
  };
  const udp = new UdpListener({
    dialect: udpDialect({ hub: ctx.hub, log: ctx.log, version: VERSION, options }),
    host: config.host,
    port: config.port,
    idleTimeoutMs: options.idleTimeoutMs,
    rate: options.rate,
    stats: ctx.hub.stats.dialect("udp"),
    log: ctx.log,
    maxSendQueue: ctx.hub.limits.queueFrames,
  });
  const a = await udp.listen();
  ctx.probes.push({
    name: "udp",
    transport: "udp",
    ready: () => udp.bound,
    connections: () => udp.admittedCount,
    queuedBytes: () => ({ total: udp.queuedBytes, largest: udp.queuedBytes }),
    tables: () => udp.tableSizes(),
  });
  return {
    listeners: [{ name: "udp", transport: "udp", address: a.address, port: a.port }],
    close: () => udp.close(),
  };
}
