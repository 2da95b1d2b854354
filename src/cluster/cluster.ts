/**
 * One node's share of a cluster (docs/cluster.md): its NATS connection and the hub's
 * ports over it (names, routing, accounts, offline mail, files), opened together and
 * closed in the order that lets the other nodes know at once that this one's users
 * have gone.
 */
import type { FileLimits } from "../files/local-file-store.js";
import type { FileStore } from "../core/file-store.js";
import type { UploadQuota } from "../files/upload-quota.js";
import type { Logger } from "../log/ops-log.js";
import type { ClusterReading } from "../metrics/cluster-reading.js";
import { ClusterAccounts } from "./cluster-accounts.js";
import type { ClusterConfig } from "./cluster-config.js";
import { ClusterMailbox } from "./cluster-mailbox.js";
import { ClusterNameRegistry } from "./cluster-registry.js";
import { ClusterRouter } from "./cluster-router.js";
import { clusterKeys, type ClusterKeys } from "./keys.js";
import { NatsLink } from "./nats-connection.js";
import { ObjectFileStore } from "./object-file-store.js";

export interface ClusterNode {
  readonly registry: ClusterNameRegistry;
  readonly router: ClusterRouter;
  readonly accounts: ClusterAccounts;
  readonly mailbox: ClusterMailbox;
  /** What /metrics and the status page read. */
  readonly reading: ClusterReading;
  /** The bcs files, in the cluster's object store (DialectServices.openFileStore). */
  openFileStore(limits: Readonly<FileLimits>, uploads: UploadQuota): Promise<FileStore>;
  /** Start taking other nodes' events and direct messages: once the hub has attached to the router. */
  start(): Promise<void>;
  /** Free this node's names, stop routing, close the connection (after every listener has closed). */
  close(): Promise<void>;
}

/** Connect and open every port; rejects (closing what it opened) when NATS cannot be reached or set up. */
export async function openCluster(config: ClusterConfig, log: Logger, mailboxLimit: number): Promise<ClusterNode> {
  const link = await NatsLink.open(config, log);
  const keys: ClusterKeys = clusterKeys(config.namespace);
  const nc = link.nc;
  const opened: { close(): Promise<void> }[] = [];
  try {
    // A dead node's users are said to leave by the router, made once the registry is open.
    let router: ClusterRouter | undefined;
    const registry = await ClusterNameRegistry.open(nc, { keys, node: config.node, replicas: config.replicas, log, departed: (names) => router?.departed(names) });
    opened.push(registry);
    const accounts = await ClusterAccounts.open(nc, { keys, replicas: config.replicas, log });
    opened.push(accounts);
    const mailbox = await ClusterMailbox.open(nc, { keys, accounts, limit: mailboxLimit, replicas: config.replicas, log });
    opened.push(mailbox);
    router = new ClusterRouter(nc, keys, registry, { logger: log, connected: () => link.connected });
    opened.push(router);
    const files: ObjectFileStore[] = [];
    let closed: Promise<void> | undefined;
    return {
      registry,
      router,
      accounts,
      mailbox,
      reading: {
        node: config.node,
        connected: () => link.connected,
        nodes: () => registry.nodes(),
      },
      openFileStore: async (limits, uploads) => {
        const store = await ObjectFileStore.open(nc, { keys, limits, quota: uploads, replicas: config.replicas, log });
        files.push(store);
        return store;
      },
      start: () => router.start(),
      close: () => (closed ??= closeAll()),
    };
    async function closeAll(): Promise<void> {
      // Routing first (nothing more comes in), then mail and accounts, then the names,
      // deleted, so that the other nodes see them free at once.
      for (const part of opened.reverse()) await part.close().catch((err: unknown) => log.warn({ err }, "cluster: closing a part failed"));
      for (const f of files) await f.settled().catch(() => undefined);
      await link.close();
    }
  } catch (err) {
    for (const part of opened.reverse()) await part.close().catch(() => undefined);
    await link.close();
    throw err;
  }
}
