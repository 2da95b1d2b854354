/**
 * What one dialect declares to be served: its name, default port and transport, the
 * settings and limits of its own, how serve's settings become its config, and `open`,
 * which makes its codec and session factory (the plug the transport takes) with the
 * services it needs beside them (chat logs, files, bots). The process serves every
 * dialect of the registry (registry.ts) from this alone: `serve`'s flags, environment
 * variables and YAML keys, the `listening` lines, /metrics and the status page.
 */
import type { SettingDefs, ValuesOf } from "../config/settings.js";
import type { FileStore } from "../core/file-store.js";
import type { Hub } from "../core/hub.js";
import type { RateLimit } from "../core/rate-limit.js";
import type { UploadQuota } from "../files/upload-quota.js";
import type { FileLimits } from "../files/local-file-store.js";
import type { ChatLogs } from "../log/chat-logs.js";
import type { Reopened } from "../log/log-file.js";
import type { Logger } from "../log/ops-log.js";
import type { DatagramDialect } from "../transport/datagram-session.js";
import type { TransportLimits } from "../transport/limits.js";
import type { StreamDialect } from "../transport/session.js";

/** Where a listener binds. */
export interface Endpoint {
  host: string;
  port: number;
}

/** What the process gives each dialect it starts. */
export interface DialectServices<L> {
  readonly hub: Hub;
  readonly log: Logger;
  /** Root of everything the server keeps on disk. */
  readonly dataDir: string;
  /**
   * The live limits, the transport's and the dialect's own: SIGHUP changes this object
   * in place, so whoever reads through it sees the new values.
   */
  readonly limits: Readonly<TransportLimits & L>;
  /** False: chat logs write `-` where a client's address would be (log-client-ips). */
  readonly logClientIps: boolean;
  /** The chat logs, written from the hub's events: a dialect that keeps one adds it here. */
  readonly chatLogs: ChatLogs;
  /**
   * Where uploaded files are kept, ready for use: the process chooses the FileStore
   * (a directory on one node; a cluster's shared store), so a dialect never does.
   */
  openFileStore(dir: string, limits: Readonly<FileLimits>, uploads: UploadQuota): Promise<FileStore>;
}

/** A dialect made ready to serve: its plug, and the lifecycle of what it runs beside it. */
export interface Opened<L> {
  /** Before its listener closes: stop what it runs beside its connections (bots). */
  stop?(): void;
  /** After its listener closed (every session has ended): flush and close its own files. */
  close?(): Promise<void>;
  /** Reopen its log files (SIGHUP, logrotate). */
  reopenLogs?(): Promise<Reopened[]>;
  /** New limits (SIGHUP), for what keeps its own copy of them (rate tables). */
  setLimits?(limits: Readonly<TransportLimits & L>): void;
  /** Drop rate buckets nobody uses any more (called about once a second). */
  sweep?(now: number): void;
  /** Sizes of its own tables of clients, by name (a leak check, see RunningSwitchboard.tables). */
  tables?(): Record<string, number>;
}

export interface OpenedStream<L, F> extends Opened<L> {
  readonly plug: StreamDialect<F>;
}

export interface OpenedDatagram<L, F, S> extends Opened<L> {
  readonly plug: DatagramDialect<F, S>;
  /** An admitted peer silent this long is released (the datagram transport's idle limit). */
  readonly idleTimeoutMs: number;
  /** Datagrams an admitted peer may send (the transport drops the rest before decoding). */
  readonly rate?: RateLimit | undefined;
}

/** Settings of the process that a dialect's config may also read. */
export interface SharedSettingValues {
  readonly "data-dir": string;
  readonly "msg-rate": number;
  readonly "msg-burst": number;
}

interface DialectBase<N extends string, S extends SettingDefs, L extends object, C extends Endpoint> {
  /** The dialect's name: its listener, its `--<name>-port`, its label in /metrics and the status page. */
  readonly name: N;
  readonly defaultPort: number;
  /** The help of serve's `--<name>-port`; default `<name> listener`. */
  readonly portHelp?: string;
  /** The settings it adds to `serve`, each a flag, an environment variable and a YAML key. */
  readonly settings: S;
  /** Sections of its own for those settings (id: title), listed after the process's. */
  readonly sections?: Readonly<Record<string, string>>;
  /** A check across its settings and the shared ones: the problem, if any. */
  check?(values: ValuesOf<S> & SharedSettingValues): string | undefined;
  /** Its own limits' defaults: its settings with a `limit` fill them, and SIGHUP changes them. */
  readonly limits: Readonly<L>;
  /** It serves accounts: the store is opened when it runs (and the hub reserves account names). */
  readonly accounts?: boolean;
  /** Its config from serve's resolved settings, beyond where it listens. */
  configOf(values: ValuesOf<S> & SharedSettingValues, given: ReadonlySet<string>): Omit<C, keyof Endpoint>;
}

export interface StreamDialectEntry<N extends string, S extends SettingDefs, L extends object, C extends Endpoint, F> extends DialectBase<N, S, L, C> {
  /** TCP: a connection per client, frames in a byte stream. */
  readonly transport: "stream";
  open(services: DialectServices<L>, config: C): Promise<OpenedStream<L, F>>;
}

export interface DatagramDialectEntry<N extends string, S extends SettingDefs, L extends object, C extends Endpoint, F, P> extends DialectBase<N, S, L, C> {
  /** UDP: a datagram per frame, peers by address. */
  readonly transport: "datagram";
  open(services: DialectServices<L>, config: C): Promise<OpenedDatagram<L, F, P>>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- a list of dialects, each with its own types */
export type Dialect = StreamDialectEntry<string, SettingDefs, any, any, any> | DatagramDialectEntry<string, SettingDefs, any, any, any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A stream dialect's declaration, its types kept (its name as a literal). */
export function streamDialect<const N extends string, const S extends SettingDefs, L extends object, C extends Endpoint, F>(
  d: StreamDialectEntry<N, S, L, C, F>,
): StreamDialectEntry<N, S, L, C, F> {
  return d;
}

/** A datagram dialect's declaration, its types kept (its name as a literal). */
export function datagramDialect<const N extends string, const S extends SettingDefs, L extends object, C extends Endpoint, F, P>(
  d: DatagramDialectEntry<N, S, L, C, F, P>,
): DatagramDialectEntry<N, S, L, C, F, P> {
  return d;
}

/** The config a dialect's `open` takes (where it listens, and its own). */
export type ConfigOf<D> = D extends { open(services: never, config: infer C): unknown } ? C : never;
