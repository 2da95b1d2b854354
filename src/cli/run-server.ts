/**
 * Runs a configured Switchboard as a process: prints its listeners, and handles the
 * signals an operator sends it.
 *
 * - SIGTERM, SIGINT: graceful shutdown (RunningSwitchboard.drain), then exit. A second
 *   one cuts the wait for goodbyes short; the store is still closed before the exit.
 *   Exit status 0 when the store closed cleanly (whether or not some connections had to
 *   be cut at the deadline), 1 when it did not.
 * - SIGHUP: reopen every log file (logrotate), then call the caller's `reload` (live
 *   settings), read the TLS certificate again (new handshakes get it; open connections
 *   keep theirs; files that cannot be used leave the old in place), and log one line
 *   saying what was done. It never stops the server.
 */
import type { DrainReport } from "../app/drain.js";
import { ListenFailure } from "../app/listen-failure.js";
import { startSwitchboard, type RunningSwitchboard, type SwitchboardConfig } from "../app/switchboard.js";
import type { Reopened } from "../log/log-file.js";
import { createOpsLog, type OpsLog, type OpsLogConfig } from "../log/ops-log.js";
import { SERVE_SETTINGS } from "../app/settings.js";
import { TlsFilesError } from "../transport/tls-certificate.js";
import { VERSION } from "../version.js";
import { listenFailureLine, SERVER_FLAGS, type ListenerFlags } from "./listen-failure.js";

/** How long a graceful shutdown may take before the process exits anyway. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;
/** Past the deadline by this much, the process exits even if the drain has not returned. */
const LAST_RESORT_MS = 2000;

export interface ReloadContext {
  readonly log: OpsLog;
  readonly running: RunningSwitchboard;
}

/**
 * Reload the settings that can change live (SIGHUP). Returns what changed, one entry per
 * setting (e.g. `log level: info -> debug`), for the log line; throws when the new
 * settings are refused (the old ones then stay).
 */
export type Reload = (ctx: ReloadContext) => Promise<readonly string[]> | readonly string[];

export interface RunServerOptions {
  /** Graceful shutdown deadline; default 10 s. */
  shutdownDeadlineMs?: number | undefined;
  /** The operational log: level, format, file, logClientIps. */
  log?: OpsLogConfig | undefined;
  reload?: Reload | undefined;
  /** The flags that set a listener's port and address, named when it cannot listen; default SERVER_FLAGS. */
  flags?: ((listener: string) => ListenerFlags) | undefined;
}

/** @param readyLine printed once every listener accepts connections. */
export async function runServer(config: SwitchboardConfig, readyLine = "ready", options: RunServerOptions = {}): Promise<void> {
  let ops: OpsLog;
  try {
    // The seed-shaped `server <dialect>` commands have no --log-level: they take the
    // variable that `serve` reads as its log-level setting, checked the same way.
    const level = SERVE_SETTINGS.settings["log-level"].kind.schema.safeParse(process.env["SWITCHBOARD_LOG_LEVEL"]);
    ops = createOpsLog({ level: level.success ? level.data : undefined, ...definedOnly(options.log) });
  } catch (err) {
    process.stderr.write(`switchboard: cannot open the operational log: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const log = ops.logger;
  const logClientIps = config.logClientIps ?? options.log?.logClientIps;
  log.info({ version: VERSION, pid: process.pid, node: process.version }, "starting");
  let running: RunningSwitchboard;
  try {
    running = await startSwitchboard({ ...config, logClientIps }, log);
  } catch (err) {
    if (err instanceof ListenFailure) {
      // The operator's mistake, not the program's: one line that says what to change.
      const line = listenFailureLine(err, options.flags?.(err.listener) ?? SERVER_FLAGS);
      if (ops.file !== undefined) log.fatal({ listener: err.listener, host: err.at.host, port: err.at.port, code: err.code }, line);
      ops.flushSync(); // after `starting`, not before it
      process.stderr.write(line + "\n");
      process.exitCode = 1;
      return;
    }
    const e = err as NodeJS.ErrnoException;
    log.fatal({ err }, `cannot start: ${e.message}`);
    if (ops.file !== undefined) process.stderr.write(`switchboard: cannot start: ${e.message}\n`);
    ops.flushSync();
    process.exitCode = 1;
    return;
  }
  handleSignals(running, ops, options);
  if (running.tls) log.info({ tlsCertificate: running.tls.info }, "TLS certificate loaded");
  // When stdout and the operational log share one terminal, the lines below are shown
  // once, not twice; a log that goes elsewhere (a file, a pipe, a journal) records them.
  const console = ops.file === undefined && process.stderr.isTTY === true && process.stdout.isTTY === true;
  ops.flushSync(); // `starting` above the listening lines, not below them (the log is batched)
  for (const l of running.listeners) {
    const host = l.address.includes(":") ? `[${l.address}]` : l.address;
    process.stdout.write(`listening ${l.name} ${l.transport} ${host}:${l.port}\n`);
    if (!console) log.info({ listener: l.name, transport: l.transport, host: l.address, port: l.port }, "listening");
  }
  process.stdout.write(readyLine + "\n");
  if (!console) log.info("ready");
}

/** Installed before the ready line: whoever reads it may signal at once. */
function handleSignals(running: RunningSwitchboard, ops: OpsLog, options: RunServerOptions): void {
  const log = ops.logger;
  const deadlineMs = options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
  let stopping = false;
  let hurry: () => void = () => undefined;
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, "second signal: not waiting for goodbyes any longer");
      return hurry();
    }
    stopping = true;
    log.info({ signal, online: running.hub.online, deadlineMs }, "stopping");
    setTimeout(() => {
      log.error({ deadlineMs }, "the shutdown did not finish in time; exiting");
      ops.flushSync();
      process.exit(1);
    }, deadlineMs + LAST_RESORT_MS).unref();
    void running.drain(deadlineMs, hurried).then(async (report) => {
      log.info(stoppedFields(report), "stopped");
      await ops.flush(); // in order: "ready" may still be on its way to stderr
      ops.flushSync();
      process.exit(report.storeClosed ? 0 : 1);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  // One SIGHUP at a time: a second one waits for the first to finish.
  let reloading = Promise.resolve();
  process.on("SIGHUP", () => {
    if (stopping) return;
    reloading = reloading.then(() => reopenAndReload(ops, running, options.reload));
  });
}

/** `config` without its undefined fields, so that they do not hide the defaults under them. */
function definedOnly(config: OpsLogConfig | undefined): OpsLogConfig {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined));
}

function stoppedFields(report: DrainReport): Record<string, unknown> {
  // Everyone online was asked to go; bots (dialect `bot`) went silently.
  const online = Object.values(report.told).reduce((a, b) => a + b, 0);
  return { online, byDialect: report.told, cut: report.cut, waited: report.ended, storeClosed: report.storeClosed, ms: report.ms };
}

/**
 * SIGHUP's TLS part: read the certificate's files again. Its part of the SIGHUP line
 * (`what`) and fields: the certificate now in use, or why the files could not be used.
 */
function reloadCertificate(running: RunningSwitchboard): { what: string; fields: Record<string, unknown>; failed: boolean } | undefined {
  const tls = running.tls;
  if (tls === undefined) return undefined;
  const before = tls.info.fingerprint;
  try {
    const now = tls.reload();
    const what = now.fingerprint === before ? "; TLS certificate read again (the same)" : "; TLS certificate renewed";
    return { what, fields: { tlsCertificate: now }, failed: false };
  } catch (err) {
    const why = err instanceof TlsFilesError ? `tls-${err.file}: ${err.message}` : String(err);
    return { what: "; TLS certificate not renewed (still using the old)", fields: { tlsCertificate: tls.info, tlsError: why }, failed: true };
  }
}

/** SIGHUP: the ops log first, so that this line lands in its new file. Never throws. */
async function reopenAndReload(ops: OpsLog, running: RunningSwitchboard, reload: Reload | undefined): Promise<void> {
  const log = ops.logger;
  try {
    const files: Reopened[] = [...(await ops.reopen()), ...(await running.reopenLogs())];
    let changed: readonly string[] = [];
    let reloadError: unknown;
    try {
      changed = (await reload?.({ log: ops, running })) ?? [];
    } catch (err) {
      reloadError = err;
    }
    const tls = reloadCertificate(running);
    const reopened = files.filter((f) => f.error === undefined).map((f) => f.file);
    const failed = files.filter((f) => f.error !== undefined).map((f) => `${f.file}: ${f.error}`);
    const fields = { reopened, failed: failed.length > 0 ? failed : undefined, changed, err: reloadError, ...tls?.fields };
    const what =
      `SIGHUP: reopened ${reopened.length} log file${reopened.length === 1 ? "" : "s"}` +
      (failed.length > 0 ? `, ${failed.length} could not be reopened (still writing the old)` : "") +
      (reloadError !== undefined ? "; settings not reloaded (kept as they were)" : changed.length > 0 ? `; changed ${changed.join(", ")}` : "; no setting changed") +
      (tls?.what ?? "");
    if (failed.length > 0 || reloadError !== undefined || tls?.failed) log.warn(fields, what);
    else log.info(fields, what);
  } catch (err) {
    log.error({ err }, "SIGHUP failed; the server goes on as it was");
  }
}
