/**
 * The operational log: what an operator reads (lifecycle, logins and logouts, refusals,
 * errors), separate from the seeds' chat logs. pino, structured, one line per event,
 * never one per chat message.
 *
 * - Format: `json` (one object a line, `level` as a word, `time` ISO-8601 UTC) or `pretty`
 *   (pino-pretty, run in this process on each line, still one line per event); `auto`
 *   picks pretty when the log goes to a terminal and json otherwise.
 * - Destination: stderr, or a file (appended to, reopened on SIGHUP for logrotate).
 * - Client addresses: with `logClientIps: false` the fields that carry one (`remote`,
 *   `ip`, `client`) are written as `-`, and addresses inside error messages are blanked,
 *   so that no client IP reaches the log (the chat logs take the same setting).
 * Writes are buffered and asynchronous (sonic-boom); pino writes out what is buffered
 * when the process exits.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { prettyFactory } from "pino-pretty";
import { flushWriter, LogFile, type LineWriter, type Reopened } from "./log-file.js";
import { standardStream } from "./standard-stream.js";

export type { Logger };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface OpsLogConfig {
  /** The least severe level written; default `info`. pino's levels; can change live. */
  level?: LogLevel | undefined;
  /** `auto` (default): pretty on a terminal, json otherwise. */
  format?: LogFormat | undefined;
  /** A file instead of stderr (appended to, reopened on SIGHUP); `-` or absent: stderr. */
  file?: string | undefined;
  /** False: no client address in any log (ops log and chat logs). Default true. */
  logClientIps?: boolean | undefined;
}

export const DEFAULT_OPS_LOG: Readonly<Required<Omit<OpsLogConfig, "file">>> = Object.freeze({
  level: "info",
  format: "auto",
  logClientIps: true,
});

export interface OpsLog {
  readonly logger: Logger;
  /** The format chosen (auto resolved). */
  readonly format: "json" | "pretty";
  /** The file written, if not stderr. */
  readonly file: string | undefined;
  /** Open the file again (SIGHUP); nothing for stderr. */
  reopen(): Promise<Reopened[]>;
  /**
   * Resolves once every line logged so far has been written, or after `withinMs`
   * (a blocked stderr must not hold up an exit). Wait for it before a planned exit:
   * flushSync alone writes what is buffered before a write still in flight, so the
   * last lines could come out ahead of earlier ones, or that write be lost.
   */
  flush(withinMs?: number): Promise<void>;
  /** Write out what is buffered, now (before the process exits). */
  flushSync(): void;
}

/** Where stderr goes, for tests that cannot give the process a terminal. */
export interface StderrInfo {
  readonly isTTY: boolean;
}

/** Fields that carry a client's address; written as `-` when logClientIps is false. */
export const CLIENT_ADDRESS_FIELDS = ["remote", "ip", "client"] as const;

export function createOpsLog(config: OpsLogConfig = {}, stderr: StderrInfo = { isTTY: process.stderr.isTTY === true }): OpsLog {
  const file = config.file === undefined || config.file === "-" ? undefined : config.file;
  const onTerminal = file === undefined && stderr.isTTY;
  const format = (config.format ?? "auto") === "auto" ? (onTerminal ? "pretty" : "json") : (config.format as "json" | "pretty");
  let logFile: LogFile | undefined;
  if (file !== undefined) {
    // Reported on stderr: the log itself is what failed.
    logFile = new LogFile(file, (err, path) => process.stderr.write(`switchboard: writing the log file ${path} failed: ${err.message}\n`));
  }
  const dest = logFile?.out ?? standardStream(2);
  const batched = new BatchedLines(dest);
  const stream: DestinationStream = format === "pretty" ? prettyStream(batched, onTerminal) : batched;
  const options: LoggerOptions = {
    level: config.level ?? DEFAULT_OPS_LOG.level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (config.logClientIps === false) {
    options.redact = { paths: [...CLIENT_ADDRESS_FIELDS], censor: "-" };
    options.serializers = { err: withoutAddresses };
  }
  const logger = pino(options, stream);
  return {
    logger,
    format,
    file,
    reopen: async () => (logFile === undefined ? [] : [await logFile.reopen()]),
    flush: (withinMs = 1000) => {
      batched.flush();
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([flushWriter(dest), new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)))]).finally(() => clearTimeout(timer));
    },
    flushSync: () => batched.flushSync(),
  };
}

/** Lines logged within this long of the first one waiting leave in one write. */
const BATCH_MS = 50;
/** ... or as soon as this many characters wait. */
const BATCH_CHARS = 16 * 1024;

/**
 * Groups lines into fewer writes. One write per line (each a round trip to the thread
 * pool) made 10,000 logins 60% slower at level info than at warn (the login lines);
 * batched, the difference is within the noise. Lines are at most BATCH_MS late; what
 * waits is written when the process exits, however it exits.
 */
class BatchedLines implements DestinationStream {
  private waiting = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: LineWriter) {
    process.once("exit", () => this.flushSync());
  }

  write(line: string): void {
    this.waiting += line;
    if (this.waiting.length >= BATCH_CHARS) this.flush();
    else if (this.timer === undefined) this.timer = setTimeout(this.flush, BATCH_MS).unref();
  }

  /** Hand what waits to the writer (which writes it asynchronously). */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting === "") return;
    const lines = this.waiting;
    this.waiting = "";
    this.out.write(lines);
  };

  /** Write out everything now (the process is about to exit). */
  flushSync(): void {
    this.flush();
    try {
      this.out.flushSync();
    } catch {
      // Not open yet, or stderr is gone: nothing more can be written anyway.
    }
  }
}

/** pino-pretty applied to each JSON line in this process (no worker thread), one line per event. */
function prettyStream(dest: DestinationStream, colorize: boolean): DestinationStream {
  const prettify = prettyFactory({ colorize, singleLine: true, translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l o" });
  return { write: (line: string) => void dest.write(prettify(line)) };
}

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
/** Written with `::`, or as eight groups: a line number in a stack (`x.js:12:34`) is neither. */
const IPV6 = /(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b/gi;

/** IPv4 first, so that the IPv4 end of `::ffff:1.2.3.4` goes with it. */
function blankAddresses(text: string): string {
  return text.replace(IPV4, "-").replace(IPV6, "-");
}

/** pino's error serializer, without the addresses a socket error carries (address, message, stack). */
function withoutAddresses(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { ...pino.stdSerializers.err(err) };
  delete out["address"];
  for (const key of ["message", "stack"]) {
    if (typeof out[key] === "string") out[key] = blankAddresses(out[key] as string);
  }
  return out;
}

/** For tests and in-process servers that want no log. */
export const silentLog: Logger = pino({ level: "silent" });
