/** What the status page shows, as the JSON it polls (`/status.json`). */
import type { Hub } from "../core/hub.js";
import type { ListenerProbe } from "./probes.js";
import type { RateSeries, Totals } from "./rate-history.js";
import type { ChatStats } from "../core/stats.js";
import type { ClusterReading, NodeReading } from "../metrics/cluster-reading.js";

/** Names listed per dialect; the count is always exact. Keeps the answer small with thousands online. */
export const MAX_NAMES_PER_DIALECT = 1000;

export interface StatusSnapshot {
  readonly version: string;
  /** ISO-8601, UTC. */
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly online: readonly { dialect: string; count: number; names: string[] }[];
  readonly listeners: readonly { name: string; transport: string; ready: boolean; connections: number }[];
  readonly rates: RateSeries;
  readonly totals: Totals;
  /** This node and the others seen alive, when it is one of a cluster (docs/cluster.md#operations). */
  readonly cluster?: { readonly node: string; readonly connected: boolean; readonly nodes: readonly NodeReading[] };
}

export function totals(stats: ChatStats): Totals {
  let messagesIn = 0;
  let messagesOut = 0;
  for (const d of stats.dialects) {
    messagesIn += d.lobbyIn + d.directIn;
    messagesOut += d.deliveries;
  }
  return { in: messagesIn, out: messagesOut };
}

export interface StatusSources {
  readonly hub: Hub;
  readonly probes: readonly ListenerProbe[];
  readonly startedAt: number;
  readonly version: string;
  readonly cluster?: ClusterReading | undefined;
}

export function statusSnapshot(s: StatusSources, rates: RateSeries, now = Date.now()): StatusSnapshot {
  // Every dialect counted so far (those of the listeners from the start), in that order.
  const groups = new Map<string, { dialect: string; count: number; names: string[] }>();
  for (const d of s.hub.stats.dialects) groups.set(d.dialect, { dialect: d.dialect, count: 0, names: [] });
  for (const m of s.hub.members()) {
    let g = groups.get(m.dialect);
    if (g === undefined) groups.set(m.dialect, (g = { dialect: m.dialect, count: 0, names: [] }));
    g.count++;
    if (g.names.length < MAX_NAMES_PER_DIALECT) g.names.push(m.name);
  }
  return {
    version: s.version,
    startedAt: new Date(s.startedAt).toISOString(),
    uptimeSeconds: Math.floor((now - s.startedAt) / 1000),
    online: [...groups.values()],
    listeners: s.probes.map((p) => ({ name: p.name, transport: p.transport, ready: p.ready(), connections: p.connections() })),
    rates,
    totals: totals(s.hub.stats),
    ...(s.cluster && { cluster: { node: s.cluster.node, connected: s.cluster.connected(), nodes: s.cluster.nodes() } }),
  };
}
