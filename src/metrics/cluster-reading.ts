/** What /metrics and the status page read of a cluster node (docs/cluster.md#operations), when it is one. */
export interface NodeReading {
  readonly node: string;
  /** Users logged in on that node, as its last heartbeat said. */
  readonly users: number;
}

export interface ClusterReading {
  /** This node's name. */
  readonly node: string;
  /** True while the NATS connection is up. */
  connected(): boolean;
  /** Every node seen alive (this one included), by name. */
  nodes(): readonly NodeReading[];
}
