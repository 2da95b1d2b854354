/**
 * Assembles one Switchboard process: one hub, and one listener per enabled dialect of
 * the registry (src/protocols/registry.ts), the public web listener (the browser client,
 * and WebSockets to the stream dialects: start-web.ts), plus the HTTP admin port. Entry points only
 * choose which parts to enable; every dialect shares the one hub.
 *
 * The durable Store (accounts and their queued messages) is opened when a dialect with
 * accounts (cs262) is enabled, and closed after every listener. The hub then reserves
 * account names in every dialect (docs/wire.md#reserved-names) and queues direct messages to offline
 * accounts (docs/wire.md#offline-mail). Without one no account can log in, so none is opened: a
 * `bcs_server` run leaves no database behind in its working directory.
 *
 * With `tls` (the certificate), a stream dialect's config may also give a TLS listener
 * (TlsListenerConfig, context.ts); the certificate is read before anything starts, and
 * files that cannot be used reject the start with a TlsFilesError.
 *
 * A listener that cannot bind rejects the start with a ListenFailure (listen-failure.ts).
 *
 * Stopping: `drain` is the graceful shutdown of SIGTERM and SIGINT (drain.ts); `close`
 * stops at once, telling nobody (tests).
 */
import { openCluster } from "../cluster/cluster.js";
import type { ClusterConfig } from "../cluster/cluster-config.js";
import { Hub } from "../core/hub.js";
import { LoginAttempts } from "../core/login-attempts.js";
import { LocalFileStore } from "../files/local-file-store.js";
import { ChatLogs } from "../log/chat-logs.js";
import type { Reopened } from "../log/log-file.js";
import type { Logger } from "../log/ops-log.js";
import type { ConfigOf, Dialect, DialectServices, Endpoint } from "../protocols/dialect.js";
import { DIALECTS, type BuiltInDialect } from "../protocols/registry.js";
import { StoreAccounts } from "../store/accounts.js";
import { StoreMailbox } from "../store/mailbox.js";
import { openStore, type StoreKind } from "../store/open-store.js";
import { addressKey, ConnectionsPerAddress } from "../transport/address-limits.js";
import { TlsCertificate, type TlsFiles } from "../transport/tls-certificate.js";
import type { AppContext, BoundListener, ListenerProbe, Started, TlsListenerConfig } from "./context.js";
import { drainParts, type DrainReport } from "./drain.js";
import { defaultLimits, type Limits } from "./limits.js";
import { asListenFailure } from "./listen-failure.js";
import { startDialect, type StartedDialect } from "./start-dialect.js";
import { startHttp } from "./start-http.js";
import { startWeb, type WebConfig } from "./start-web.js";

export type { BoundListener, Endpoint, ListenerProbe, TlsListenerConfig } from "./context.js";
export type { DrainReport } from "./drain.js";
export type { Limits } from "./limits.js";
export type { WebConfig } from "./start-web.js";

/** Each registered dialect's config, under its name: present means started, absent means off. */
export type DialectConfigs = { [D in BuiltInDialect as D["name"]]?: (ConfigOf<D> & TlsListenerConfig) | undefined };

export interface SwitchboardConfig extends DialectConfigs {
  limits: Readonly<Limits>;
  /** Root of everything the server keeps on disk. */
  dataDir: string;
  /** The store behind the accounts: `sqlite` (`<dataDir>/switchboard.db`, the default) or `memory`. */
  store?: StoreKind | undefined;
  http?: Endpoint | undefined;
  /** The public web listener: the browser client and `/ws/<dialect>` (docs/web.md); absent: off. */
  web?: WebConfig | undefined;
  /** The TCP dialects' connections start with a PROXY protocol header (v1 or v2); default false. */
  proxyProtocol?: boolean | undefined;
  /** False: the chat logs write `-` where a client's address would be. Default true. */
  logClientIps?: boolean | undefined;
  /** The PEM files of the TLS listeners' certificate; needed by any dialect config with `tls`. */
  tls?: TlsFiles | undefined;
  /** Run as a node of this cluster (docs/cluster.md): names, routing, accounts, mail and files in NATS JetStream. */
  cluster?: ClusterConfig | undefined;
}

export interface RunningSwitchboard {
  readonly hub: Hub;
  readonly listeners: readonly BoundListener[];
  /**
   * New limits for the running server (SIGHUP): each applies from its next check, also
   * to connections already open, except --max-frame-bytes, which a connection takes when
   * it connects (its codec and its frame buffer agree for its whole life).
   */
  setLimits(next: Readonly<Partial<Limits>>): void;
  /** Every chat listener, asked live (what /readyz and /metrics read; a test may stop one accepting). */
  readonly probes: readonly ListenerProbe[];
  /** True once drain() has begun: the listeners no longer accept (not ready). */
  readonly draining: boolean;
  /**
   * The graceful shutdown (SIGTERM, SIGINT): stop accepting, tell every online user in
   * its dialect's words that the server is going down, let that flush, then close the
   * listeners, the logs and the store, all within `deadlineMs`. When `hurry` resolves
   * (a second signal) the wait for goodbyes ends at once. Never rejects.
   */
  drain(deadlineMs: number, hurry?: Promise<void>): Promise<DrainReport>;
  /** Reopen every chat log file (SIGHUP, logrotate); failures are reported, not thrown. */
  reopenLogs(): Promise<Reopened[]>;
  /** Stop at once, telling nobody (tests). */
  close(): Promise<void>;
  /** The TLS listeners' certificate (SIGHUP reloads it), when `tls` was given. */
  readonly tls: TlsCertificate | undefined;
  /**
   * Sizes of every table the server keeps per connection, client address, online name or
   * udp peer, by name (`hub.members`, `lab.connections`, `udp.peers`, `logins.addresses`...).
   * Each follows the clients present (or, for the rate tables, those still within their
   * window): when everyone has gone and the windows have passed, they are back where
   * they started. For leak checks (test/e2e/churn-tables); stored data is not in it.
   */
  tables(): Record<string, number>;
}

/** How often the rate tables that nobody uses any more drop their refilled buckets. */
const SWEEP_EVERY_MS = 1000;

/**
 * Start every dialect of `dialects` (the registry's, or more in a test) that `config`
 * has a config for, under the dialect's name, in the registry's order; then HTTP.
 */
export async function startSwitchboard(config: SwitchboardConfig, log: Logger, dialects: readonly Dialect[] = DIALECTS): Promise<RunningSwitchboard> {
  const configs = config as unknown as Readonly<Record<string, (Endpoint & TlsListenerConfig) | undefined>>;
  const enabled = dialects.filter((d) => configs[d.name] !== undefined);
  // Read first: files that cannot be used stop the start before anything is open.
  const tls = config.tls && new TlsCertificate(config.tls);
  // The live limits: every layer reads them through this object, which setLimits changes in place.
  const limits: Limits = { ...defaultLimits(dialects), ...config.limits };
  // A cluster node keeps its accounts, mail, names and files in NATS (docs/cluster.md),
  // whichever dialects it runs: another node's cs262 users reserve their names here too.
  const cluster = config.cluster && (await openCluster(config.cluster, log, limits.mailboxLimit));
  const store = !cluster && enabled.some((d) => d.accounts) ? openStore(config.store ?? "sqlite", config.dataDir) : undefined;
  const mailbox = cluster ? cluster.mailbox : store && new StoreMailbox(store, limits.mailboxLimit);
  const hub = new Hub({
    limits,
    ...(store && { accounts: new StoreAccounts(store), mailbox }),
    ...(cluster && { accounts: cluster.accounts, mailbox, registry: cluster.registry, router: cluster.router }),
    // Refused logins per client address, counted as the transport counts connections; the
    // hub's login gate holds every dialect's logins to it, and its setLimits retunes it.
    loginAttempts: new LoginAttempts(limits.loginFailures, limits.loginFailureWindowMs, addressKey),
    // A member that threw while the hub called it is dropped by the hub; its reason goes here.
    onError: (err, member) =>
      log.error({ err, user: member?.name, dialect: member?.dialect, reason: "session_error" }, member ? "session failed while the hub called it; closing it" : "hub callback failed"),
  });
  const ctx: AppContext = {
    hub,
    limits,
    startedAt: Date.now(),
    log,
    connections: new ConnectionsPerAddress(limits.maxConnectionsPerAddress),
    chatLogs: new ChatLogs(hub),
    probes: [],
    readiness: [],
    proxyProtocol: config.proxyProtocol ?? false,
    tls,
    cluster: cluster?.reading,
  };
  const services: DialectServices<object> = {
    hub,
    log,
    dataDir: config.dataDir,
    limits,
    logClientIps: config.logClientIps !== false,
    chatLogs: ctx.chatLogs,
    openFileStore: async (dir, fileLimits, uploads) => {
      if (cluster) return cluster.openFileStore(fileLimits, uploads);
      const files = new LocalFileStore(dir, fileLimits, uploads);
      await files.init();
      return files;
    },
  };
  const dialectsStarted: StartedDialect[] = [];
  const setLimits = (next: Readonly<Partial<Limits>>): void => {
    Object.assign(limits, next);
    hub.setLimits(limits); // and the hub's login allowance per address
    ctx.connections.max = limits.maxConnectionsPerAddress;
    if (mailbox) mailbox.limit = limits.mailboxLimit;
    for (const d of dialectsStarted) d.opened.setLimits?.(limits);
  };
  // A bucket table sweeps itself when used; this sweeps those left alone (everyone gone).
  const sweeper = setInterval(() => {
    const now = Date.now();
    hub.sweep(now);
    for (const d of dialectsStarted) d.opened.sweep?.(now);
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  let storeOpen = store !== undefined;
  if (store) ctx.readiness.push({ name: "store", ready: () => storeOpen });
  if (cluster) ctx.readiness.push({ name: "cluster", ready: () => cluster.reading.connected() });
  const started: Started[] = [];
  const close = async (): Promise<void> => {
    clearInterval(sweeper);
    for (const s of started.splice(0).reverse()) await s.close();
    storeOpen = false;
    await store?.close(); // after the listeners: nothing writes any more
    await cluster?.close(); // likewise; and the other nodes see this one's names free at once
  };
  // Started (and printed) in this order: the dialects, the web listener (which leads to
  // theirs), then HTTP.
  const parts: [name: string, at: Endpoint, start: () => Promise<Started>][] = enabled.map((d) => {
    const own = configs[d.name]!;
    return [d.name, own, async () => {
      const s = await startDialect(ctx, d, services, own);
      dialectsStarted.push(s);
      return s;
    }];
  });
  const routes = () => new Map(dialectsStarted.flatMap((d) => (d.route ? [[d.name, d.route] as const] : [])));
  if (config.web) parts.push(["web", config.web, () => startWeb(ctx, config.web!, routes())]);
  if (config.http) parts.push(["http", config.http, () => startHttp(ctx, config.http!)]);
  try {
    await cluster?.start(); // the hub has attached to the router: other nodes' events may come
  } catch (err) {
    await close();
    throw err;
  }
  for (const [name, at, start] of parts) {
    try {
      started.push(await start());
    } catch (err) {
      await close();
      throw asListenFailure(err, name, at);
    }
  }
  let draining = false;
  return {
    hub,
    listeners: started.flatMap((s) => s.listeners),
    probes: ctx.probes,
    setLimits,
    get draining() {
      return draining;
    },
    drain: (deadlineMs, hurry) => {
      draining = true;
      clearInterval(sweeper);
      return drainParts({ hub, parts: started, store, log }, deadlineMs, hurry);
    },
    tables: () => {
      const sizes: Record<string, number> = {
        ...hub.tableSizes(),
        "connections.addresses": ctx.connections.addresses,
      };
      for (const d of dialectsStarted) Object.assign(sizes, d.opened.tables?.());
      for (const p of ctx.probes) Object.assign(sizes, p.tables());
      return sizes;
    },
    reopenLogs: async () => (await Promise.all(started.map((s) => s.reopenLogs?.() ?? []))).flat(),
    close,
    tls,
  };
}
