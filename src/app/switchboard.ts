/**
 * Assembles one Switchboard process: one hub, and one listener per enabled dialect
 * (each started by its `start-<dialect>.ts`), plus the HTTP admin port. Entry points
 * only choose which parts to enable; every dialect shares the one hub.
 */
import { Hub } from "../core/hub.js";
import type { Limits } from "../core/limits.js";
import type { Logger } from "../log/ops-log.js";
import type { AppContext, BoundListener, Endpoint, Started } from "./context.js";
import { startBcs, type BcsConfig } from "./start-bcs.js";
import { startHttp } from "./start-http.js";
import { startUdp, type UdpConfig } from "./start-udp.js";

export type { BoundListener, Endpoint } from "./context.js";

export interface SwitchboardConfig {
  limits: Readonly<Limits>;
  /** Root of everything the server keeps on disk. */
  dataDir: string;
  /** Each part, when present, is started; absent means off. */
  bcs?: BcsConfig | undefined;
  udp?: UdpConfig | undefined;
  http?: Endpoint | undefined;
}

export interface RunningSwitchboard {
  readonly hub: Hub;
  readonly listeners: readonly BoundListener[];
  close(): Promise<void>;
}

export async function startSwitchboard(config: SwitchboardConfig, log: Logger): Promise<RunningSwitchboard> {
  const hub = new Hub({ limits: config.limits });
  const ctx: AppContext = { hub, log, dataDir: config.dataDir };
  const started: Started[] = [];
  const close = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s.close();
  };
  // Started (and printed) in this order: the dialects, then HTTP.
  const parts: (() => Promise<Started>)[] = [];
  if (config.bcs) parts.push(() => startBcs(ctx, config.bcs!));
  if (config.udp) parts.push(() => startUdp(ctx, config.udp!));
  if (config.http) parts.push(() => startHttp(ctx, config.http!));
  try {
    for (const start of parts) started.push(await start());
  } catch (err) {
    await close();
    throw err;
  }
  return { hub, listeners: started.flatMap((s) => s.listeners), close };
}
