/** What every dialect's listener is started with: the one hub and the process's services. */
import type { ListenerProbe, ReadinessCheck } from "../admin/probes.js";
import type { Hub } from "../core/hub.js";
import type { UploadQuota } from "../files/upload-quota.js";
import type { Reopened } from "../log/log-file.js";
import type { Logger } from "../log/ops-log.js";
import type { ConnectionsPerAddress } from "../transport/address-limits.js";

export type { ListenerProbe, QueuedBytes, ReadinessCheck } from "../admin/probes.js";

export interface AppContext {
  readonly hub: Hub;
  /** When this Switchboard started (ms since the epoch): the status page's and /metrics' uptime. */
  readonly startedAt: number;
  readonly log: Logger;
  /** Root of everything the server keeps on disk. */
  readonly dataDir: string;
  /** Connections per client address, over every TCP listener (--max-connections-per-ip). */
  readonly connections: ConnectionsPerAddress;
  /** What each bcs user may upload (--uploads-per-minute, --upload-bytes-per-hour). */
  readonly uploads: UploadQuota;
  /** Every started listener, for /readyz, /metrics and the status page; each start-*.ts adds its own. */
  readonly probes: ListenerProbe[];
  /** Other parts /readyz waits for (the store). */
  readonly readiness: ReadinessCheck[];
  /** Every TCP listener's connections start with a PROXY protocol header (docs/proxy-protocol.md). */
  readonly proxyProtocol: boolean;
  /** False: chat logs write `-` where a client's address would be (logClientIps). */
  readonly logClientIps: boolean;
}

export interface BoundListener {
  readonly name: string;
  readonly transport: "tcp" | "udp";
  readonly address: string;
  readonly port: number;
}

/** A started part of the server: what it listens on (if anything) and how to stop it. */
export interface Started {
  readonly listeners: readonly BoundListener[];
  /**
   * The first step of a shutdown: take no new connections, and close those with no user
   * logged in; the others go on (to be told goodbye). Resolves once the last of them has
   * gone. Absent: nothing to stop early.
   */
  stopAccepting?(): Promise<void>;
  /** Close everything left, flushing it, or at once with `cut` (the shutdown deadline passed). */
  close(cut?: boolean): Promise<void>;
  /** Connections open now (TCP dialects), for the shutdown's count of those cut. */
  connections?(): number;
  /** Reopen this part's log files (SIGHUP). */
  reopenLogs?(): Promise<Reopened[]>;
}

export interface Endpoint {
  host: string;
  port: number;
}
