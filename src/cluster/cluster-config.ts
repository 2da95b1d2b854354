/** How a node joins its cluster (`--cluster` and the settings beside it: docs/cluster.md#operations). */
import { hostname } from "node:os";
import { asToken } from "./keys.js";
import type { NatsOptions } from "./nats-connection.js";

export interface ClusterConfig extends NatsOptions {
  /** Copies JetStream keeps of each bucket and stream (at most the NATS servers there are). */
  readonly replicas: number;
  /** Prefix of every bucket, stream and subject (keys.ts). */
  readonly namespace: string;
}

/**
 * The host name and process id: unique for nodes on one box (one per core) and across
 * boxes, with nothing to set. A node restarted under a name it had before finds its old
 * names still claimed by that name (a crash), and frees them first.
 */
export function defaultNodeName(): string {
  return asToken(`${hostname().split(".")[0]}-${process.pid}`);
}
