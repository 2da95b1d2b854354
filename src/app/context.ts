/** What the process's parts are started with, and what a started part is. */
import type { ListenerProbe, ReadinessCheck } from "../admin/probes.js";
import type { Hub } from "../core/hub.js";
import type { ChatLogs } from "../log/chat-logs.js";
import type { Reopened } from "../log/log-file.js";
import type { Logger } from "../log/ops-log.js";
import type { ClusterReading } from "../metrics/cluster-reading.js";
import type { Endpoint } from "../protocols/dialect.js";
import type { ConnectionsPerAddress } from "../transport/address-limits.js";
import type { TlsCertificate } from "../transport/tls-certificate.js";
import type { Limits } from "./limits.js";

export type { ListenerProbe, QueuedBytes, ReadinessCheck } from "../admin/probes.js";
export type { Endpoint } from "../protocols/dialect.js";

export interface AppContext {
  readonly hub: Hub;
  /** The live limits of every layer (SIGHUP changes them in place). */
  readonly limits: Readonly<Limits>;
  /** When this Switchboard started (ms since the epoch): the status page's and /metrics' uptime. */
  readonly startedAt: number;
  readonly log: Logger;
  /** Connections per client address, over every TCP listener (--max-connections-per-ip). */
  readonly connections: ConnectionsPerAddress;
  /** The chat logs, written from the hub's events: each dialect that keeps one adds it. */
  readonly chatLogs: ChatLogs;
  /** Every started listener, for /readyz, /metrics and the status page; each listener adds its own. */
  readonly probes: ListenerProbe[];
  /** Other parts /readyz waits for (the store). */
  readonly readiness: ReadinessCheck[];
  /** Every TCP listener's connections start with a PROXY protocol header (docs/proxy-protocol.md). */
  readonly proxyProtocol: boolean;
  /** The certificate of every TLS listener (--tls-cert, --tls-key), renewed by SIGHUP; absent: no TLS. */
  readonly tls?: TlsCertificate | undefined;
  /** The cluster this node is one of (--cluster), for /metrics and the status page; absent: on its own. */
  readonly cluster?: ClusterReading | undefined;
}

/**
 * A stream dialect's TLS listener, beside its plain one (or instead of it): given in the
 * dialect's config, whose host and port are those of its plain listener.
 */
export interface TlsListenerConfig {
  /** Where its TLS listener binds (needs the process's certificate); absent: none. */
  readonly tls?: Endpoint | undefined;
  /** False: no plain listener, TLS only (the config's own host and port are then not used). Default true. */
  readonly plain?: boolean | undefined;
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

