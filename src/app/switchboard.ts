/**
 * Assembles one Switchboard process: one hub, and one listener per enabled dialect
 * (each started by its `start-<dialect>.ts`), plus the HTTP admin port. Entry points
 * only choose which parts to enable; every dialect shares the one hub.
 *
 * The durable Store (accounts and their queued messages) is opened when cs262 is enabled,
 * the one dialect with accounts, and closed after every listener. The hub then reserves
 * account names in every dialect (WIRE.md 1) and queues direct messages to offline
 * accounts (WIRE.md 2). Without cs262 no account can log in, so none is opened: a
 * `bcs_server` run leaves no database behind in its working directory.
 *
 * A listener that cannot bind rejects the start with a ListenFailure (listen-failure.ts).
 *
 * Stopping: `drain` is the graceful shutdown of SIGTERM and SIGINT (drain.ts); `close`
 * stops at once, telling nobody (tests).
 */
import { Hub } from "../core/hub.js";
import type { Limits } from "../core/limits.js";
import type { Reopened } from "../log/log-file.js";
import type { Logger } from "../log/ops-log.js";
import { UploadQuota } from "../files/upload-quota.js";
import { StoreAccounts } from "../store/accounts.js";
import { StoreMailbox } from "../store/mailbox.js";
import { openStore, type StoreKind } from "../store/open-store.js";
import { LoginAttempts } from "../core/login-attempts.js";
import { addressKey, ConnectionsPerAddress } from "../transport/address-limits.js";
import type { AppContext, BoundListener, Endpoint, ListenerProbe, Started } from "./context.js";
import { drainParts, type DrainReport } from "./drain.js";
import { asListenFailure } from "./listen-failure.js";
import { startBcs, type BcsConfig } from "./start-bcs.js";
import { startGowing, type GowingConfig } from "./start-gowing.js";
import { startCs262, type Cs262Config } from "./start-cs262.js";
import { startHttp } from "./start-http.js";
import { startLab, type LabConfig } from "./start-lab.js";
import { startUdp, type UdpConfig } from "./start-udp.js";

export type { BoundListener, Endpoint, ListenerProbe } from "./context.js";
export type { DrainReport } from "./drain.js";

export interface SwitchboardConfig {
  limits: Readonly<Limits>;
  /** Root of everything the server keeps on disk. */
  dataDir: string;
  /** Each part, when present, is started; absent means off. */
  lab?: LabConfig | undefined;
  gowing?: GowingConfig | undefined;
  bcs?: BcsConfig | undefined;
  cs262?: Cs262Config | undefined;
  /** The store behind cs262: `sqlite` (`<dataDir>/switchboard.db`, the default) or `memory`. */
  store?: StoreKind | undefined;
  udp?: UdpConfig | undefined;
  http?: Endpoint | undefined;
  /** The TCP dialects' connections start with a PROXY protocol header (v1 or v2); default false. */
  proxyProtocol?: boolean | undefined;
  /** False: the chat logs write `-` where a client's address would be. Default true. */
  logClientIps?: boolean | undefined;
}

export interface RunningSwitchboard {
  readonly hub: Hub;
  readonly listeners: readonly BoundListener[];
  /**
   * New limits for the running server (SIGHUP): each applies from its next check, also
   * to connections already open, except --max-frame-bytes, which a connection takes when
   * it connects (its codec and its frame buffer agree for its whole life).
   */
  setLimits(next: Readonly<Limits>): void;
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

export async function startSwitchboard(config: SwitchboardConfig, log: Logger): Promise<RunningSwitchboard> {
  const store = config.cs262 ? openStore(config.store ?? "sqlite", config.dataDir) : undefined;
  const limits = config.limits;
  const mailbox = store && new StoreMailbox(store, limits.mailboxLimit);
  const hub = new Hub({
    limits,
    ...(store && { accounts: new StoreAccounts(store), mailbox }),
    // Refused logins per client address, counted as the transport counts connections.
    loginAttempts: new LoginAttempts(limits.loginFailures, limits.loginFailureWindowMs, addressKey),
    // A member that threw while the hub called it is dropped by the hub; its reason goes here.
    onError: (err, member) =>
      log.error({ err, user: member?.name, dialect: member?.dialect, reason: "session_error" }, member ? "session failed while the hub called it; closing it" : "hub callback failed"),
  });
  const ctx: AppContext = {
    hub,
    startedAt: Date.now(),
    log,
    dataDir: config.dataDir,
    connections: new ConnectionsPerAddress(limits.maxConnectionsPerAddress),
    uploads: new UploadQuota(limits),
    probes: [],
    readiness: [],
    proxyProtocol: config.proxyProtocol ?? false,
    logClientIps: config.logClientIps !== false,
  };
  const setLimits = (next: Readonly<Limits>): void => {
    hub.setLimits(next);
    ctx.connections.max = next.maxConnectionsPerAddress;
    ctx.uploads.retune(next);
    if (mailbox) mailbox.limit = next.mailboxLimit;
  };
  // A bucket table sweeps itself when used; this sweeps those left alone (everyone gone).
  const sweeper = setInterval(() => {
    const now = Date.now();
    hub.sweep(now);
    ctx.uploads.sweep(now);
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  let storeOpen = store !== undefined;
  if (store) ctx.readiness.push({ name: "store", ready: () => storeOpen });
  const started: Started[] = [];
  const close = async (): Promise<void> => {
    clearInterval(sweeper);
    for (const s of started.splice(0).reverse()) await s.close();
    storeOpen = false;
    await store?.close(); // after the listeners: nothing writes any more
  };
  // Started (and printed) in this order: the dialects, then HTTP.
  const parts: [name: string, at: Endpoint, start: () => Promise<Started>][] = [];
  if (config.lab) parts.push(["lab", config.lab, () => startLab(ctx, config.lab!)]);
  if (config.gowing) parts.push(["gowing", config.gowing, () => startGowing(ctx, config.gowing!)]);
  if (config.bcs) parts.push(["bcs", config.bcs, () => startBcs(ctx, config.bcs!)]);
  if (config.cs262) parts.push(["cs262", config.cs262, () => startCs262(ctx, config.cs262!)]);
  if (config.udp) parts.push(["udp", config.udp, () => startUdp(ctx, config.udp!)]);
  if (config.http) parts.push(["http", config.http, () => startHttp(ctx, config.http!)]);
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
        "uploads.users": ctx.uploads.users,
      };
      for (const p of ctx.probes) Object.assign(sizes, p.tables());
      return sizes;
    },
    reopenLogs: async () => (await Promise.all(started.map((s) => s.reopenLogs?.() ?? []))).flat(),
    close,
  };
}
