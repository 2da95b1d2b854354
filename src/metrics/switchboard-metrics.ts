/**
 * The Prometheus metrics of one running Switchboard (docs/http.md lists them all).
 *
 * Nothing here runs on the chat's paths: the hub, the transport and the dialects count
 * with plain integers (core/stats.ts), the listeners answer probes, and every metric is
 * a collector that reads those when /metrics is scraped (O(dialects) per metric, plus
 * O(connections) for the queue depth). Each Switchboard has its own Registry, so several
 * in one process (the tests) never share a series; the process's own metrics
 * (process-metrics.ts) are appended to the same answer.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { ClusterReading } from "./cluster-reading.js";
import type { ListenerReading } from "./listener-reading.js";
import type { ChatStats } from "../core/stats.js";
import { processMetrics } from "./process-metrics.js";

export interface MetricSources {
  readonly stats: ChatStats;
  readonly probes: readonly ListenerReading[];
  /** When this Switchboard started, ms since the epoch. */
  readonly startedAt: number;
  readonly version: string;
  /** The cluster this node is one of (--cluster); absent: one process on its own. */
  readonly cluster?: ClusterReading | undefined;
}

type Labels<L extends string> = Partial<Record<L, string>>;
/** One series: its labels and its value now. */
type Sample<L extends string> = readonly [labels: Labels<L>, value: number];

export class SwitchboardMetrics {
  readonly registry = new Registry();

  constructor(s: MetricSources) {
    const r = this.registry;
    const stats = s.stats;
    const dialects = () => stats.dialects;
    gauge(r, "switchboard_info", "Always 1; the version of Switchboard and of Node.js as labels.", ["version", "node"], () => [
      [{ version: s.version, node: process.version }, 1],
    ]);
    gauge(r, "switchboard_start_time_seconds", "When this Switchboard started, seconds since the Unix epoch.", [], () => [[{}, s.startedAt / 1000]]);
    gauge(r, "switchboard_listener_up", "1 while the listener accepts connections (TCP listening, udp bound), else 0.", ["listener", "transport"], () =>
      s.probes.map((p) => [{ listener: p.name, transport: p.transport }, p.ready() ? 1 : 0]),
    );
    gauge(r, "switchboard_connections", "Connections open now (TCP), or addresses registered (udp).", ["dialect"], () =>
      s.probes.map((p) => [{ dialect: p.name }, p.connections()]),
    );
    counter(r, "switchboard_logins_total", "Users logged in (accepted joins), by their dialect.", ["dialect"], () =>
      dialects().map((d) => [{ dialect: d.dialect }, d.logins]),
    );
    gauge(r, "switchboard_users_online", "Users online now, by their dialect.", ["dialect"], () => dialects().map((d) => [{ dialect: d.dialect }, d.online]));
    counter(r, "switchboard_messages_received_total", "Chat messages accepted from users, by the sender's dialect and kind (lobby, direct).", ["dialect", "kind"], () =>
      dialects().flatMap((d) => [
        [{ dialect: d.dialect, kind: "lobby" }, d.lobbyIn],
        [{ dialect: d.dialect, kind: "direct" }, d.directIn],
      ]),
    );
    counter(r, "switchboard_messages_delivered_total", "Chat messages (lobby and direct) handed to recipients, by the recipient's dialect.", ["dialect"], () =>
      dialects().map((d) => [{ dialect: d.dialect }, d.deliveries]),
    );
    gauge(r, "switchboard_outbound_queue_bytes", "Bytes queued for clients and not yet taken by the kernel, summed over the listener's connections.", ["dialect"], () =>
      s.probes.map((p) => [{ dialect: p.name }, p.queuedBytes().total]),
    );
    gauge(r, "switchboard_outbound_queue_largest_bytes", "The most bytes queued for any one connection of the listener.", ["dialect"], () =>
      s.probes.map((p) => [{ dialect: p.name }, p.queuedBytes().largest]),
    );
    counter(r, "switchboard_disconnects_total", "Connections (TCP) or registrations (udp) ended, by dialect and reason.", ["dialect", "reason"], () =>
      dialects().flatMap((d) => Object.entries(d.disconnects).map(([reason, n]): Sample<"dialect" | "reason"> => [{ dialect: d.dialect, reason }, n])),
    );
    counter(r, "switchboard_rate_limited_total", "Hits of a rate limit, by dialect and limit (msg_rate, login_failures, upload_quota): refused or held back.", ["dialect", "limit"], () =>
      dialects().flatMap((d) => Object.entries(d.rateLimited).map(([limit, n]): Sample<"dialect" | "limit"> => [{ dialect: d.dialect, limit }, n])),
    );
    counter(r, "switchboard_connections_refused_total", "TCP connections closed at accept, before any session, by dialect and reason.", ["dialect", "reason"], () =>
      s.probes
        .filter((p) => p.transport === "tcp")
        .flatMap((p) => Object.entries(p.refused?.() ?? {}).map(([reason, n]): Sample<"dialect" | "reason"> => [{ dialect: p.name, reason }, n])),
    );
    counter(r, "switchboard_error_answers_total", "Error answers sent to clients, by dialect and code.", ["dialect", "code"], () =>
      dialects().flatMap((d) => [...d.errors].map(([code, n]): Sample<"dialect" | "code"> => [{ dialect: d.dialect, code }, n])),
    );
    counter(r, "switchboard_files_stored_total", "Files stored (bcs uploads completed).", [], () => [[{}, stats.filesStored]]);
    counter(r, "switchboard_file_bytes_stored_total", "Bytes of the files stored.", [], () => [[{}, stats.fileBytesStored]]);
    if (s.cluster) clusterMetrics(r, s.cluster);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: this Switchboard's metrics, then the process's. */
  async exposition(): Promise<string> {
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }
}

/** A cluster node's own series (docs/http.md#metrics). */
function clusterMetrics(r: Registry, c: ClusterReading): void {
  gauge(r, "switchboard_cluster_node_info", "Always 1; this node's name in its cluster as a label.", ["cluster_node"], () => [[{ cluster_node: c.node }, 1]]);
  gauge(r, "switchboard_cluster_connected", "1 while this node's NATS connection is up, else 0.", [], () => [[{}, c.connected() ? 1 : 0]]);
  gauge(r, "switchboard_cluster_nodes", "Nodes of the cluster seen alive (this one included).", [], () => [[{}, c.nodes().length]]);
  gauge(r, "switchboard_cluster_users", "Users logged in on each node seen alive, as its last heartbeat said.", ["cluster_node"], () =>
    c.nodes().map((n) => [{ cluster_node: n.node }, n.users]),
  );
}

/**
 * The configuration of a counter or a gauge whose series are all replaced at each scrape
 * by what `read` says now (the counts are kept elsewhere); `record` writes one series.
 */
function collecting<L extends string, M extends { reset(): void }>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => readonly Sample<L>[],
  record: (metric: M, labels: Labels<L>, value: number) => void,
) {
  return {
    name,
    help,
    labelNames,
    registers: [registry],
    collect(this: M) {
      this.reset();
      for (const [labels, value] of read()) record(this, labels, value);
    },
  };
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], read: () => readonly Sample<L>[]): void {
  new Counter<L>(collecting(registry, name, help, labelNames, read, (c: Counter<L>, labels, value) => c.inc(labels, value)));
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], read: () => readonly Sample<L>[]): void {
  new Gauge<L>(collecting(registry, name, help, labelNames, read, (g: Gauge<L>, labels, value) => g.set(labels, value)));
}
