/**
 * Switchboard nodes of one cluster for the tests, in this process (each with its own NATS
 * connection, exactly as separate processes would have), every dialect on free loopback
 * ports, quiet (no chat logs, no bots, no periodic udp list).
 */
import type { SwitchboardConfig } from "../../src/app/switchboard.js";
import type { Limits } from "../../src/app/limits.js";
import { ANY_PORT, startHub, type TestHub } from "./server.js";

let namespaces = 0;

/** A namespace no other test of this process uses, so tests sharing a nats-server never meet. */
export function freshNamespace(prefix = "t"): string {
  return `${prefix}${process.pid}_${++namespaces}`;
}

export interface ClusterNodeOptions {
  /** NATS servers, comma-separated or a list. */
  readonly nats: string | readonly string[];
  readonly node: string;
  readonly namespace: string;
  readonly replicas?: number;
  /** How the node signs in to NATS, and the CA its tls:// servers are checked against. */
  readonly user?: string;
  readonly password?: string;
  readonly caFile?: string;
  readonly limits?: Partial<Limits>;
  /** Replaces the default dialect configs (every dialect on). */
  readonly parts?: Omit<SwitchboardConfig, "limits" | "dataDir" | "cluster">;
}

/** Every dialect on one node of the cluster. */
export function startClusterNode(o: ClusterNodeOptions): Promise<TestHub> {
  const servers = typeof o.nats === "string" ? o.nats.split(",") : [...o.nats];
  return startHub(
    {
      ...(o.parts ?? {
        lab: { ...ANY_PORT, bots: [] },
        gowing: { ...ANY_PORT, logDir: "off" },
        bcs: { ...ANY_PORT, chatLog: "off" },
        cs262: ANY_PORT,
        udp: { ...ANY_PORT, listIntervalMs: 60_000 },
      }),
      cluster: { servers, node: o.node, namespace: o.namespace, replicas: o.replicas ?? 1, user: o.user, password: o.password, caFile: o.caFile },
    },
    o.limits,
  );
}

/** `count` nodes named n1, n2, ... of one cluster. */
export async function startClusterNodes(count: number, o: Omit<ClusterNodeOptions, "node">): Promise<TestHub[]> {
  const nodes: TestHub[] = [];
  try {
    for (let i = 1; i <= count; i++) nodes.push(await startClusterNode({ ...o, node: `n${i}` }));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    throw err;
  }
  return nodes;
}
