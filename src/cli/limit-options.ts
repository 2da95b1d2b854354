/** The limit flags every server command shares (WIRE.md 1), parsed into Limits. */
import bytes from "bytes";
import { InvalidArgumentError, type Command } from "commander";
import ms from "ms";
import { DEFAULT_LIMITS, type Limits } from "../core/limits.js";

export function parseDuration(value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : ms(value as ms.StringValue);
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("expected a positive duration such as 30s, 500ms or 2m (a bare number is seconds)");
  }
  return n;
}

export function parseSize(value: string): number {
  const n = bytes.parse(value);
  if (n === null || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a size such as 4096, 64KB or 4MB (KB = 1024 bytes)");
  return n;
}

/** A size, or 0 for "no limit". */
export function parseSizeOrZero(value: string): number {
  return /^0+$/.test(value) ? 0 : parseSize(value);
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}

const fmtMs = (n: number) => ms(n);
const fmtBytes = (n: number) => bytes.format(n, { unitSeparator: "" }) ?? String(n);

export function addLimitOptions(cmd: Command): Command {
  const d = DEFAULT_LIMITS;
  return cmd
    .option("--login-timeout <duration>", `close connections not logged in within this (default ${fmtMs(d.loginTimeoutMs)})`, parseDuration)
    .option("--stall-timeout <duration>", `close when a frame stays incomplete this long (default ${fmtMs(d.stallTimeoutMs)})`, parseDuration)
    .option("--ack-timeout <duration>", `close a bcs client whose deliver stays unacknowledged this long (default ${fmtMs(d.ackTimeoutMs)})`, parseDuration)
    .option("--queue-frames <n>", `outbound frames queued per connection before it is a slow consumer (default ${d.queueFrames})`, parseCount)
    .option("--queue-bytes <size>", `outbound bytes queued per connection before it is a slow consumer (default ${fmtBytes(d.queueBytes)})`, parseSize)
    .option("--max-message-bytes <size>", `longest message text (default ${d.maxMessageBytes})`, parseSize)
    .option("--max-frame-bytes <size>", `longest frame buffered, file transfers excepted (default ${fmtBytes(d.maxFrameBytes)})`, parseSize)
    .option("--max-file-size <size>", `largest bcs upload (default ${fmtBytes(d.maxFileBytes)})`, parseSize)
    .option("--max-users <n>", "most users online at once, all dialects together (default 0: no limit)", parseCount)
    .option("--msg-rate <n>", `messages per second a connection may send, sustained; 0: no limit (default ${d.msgRate}; udp takes it only when given, else its own 10)`, parseCount)
    .option("--msg-burst <n>", `messages a connection may send at once after a quiet spell (default ${d.msgBurst}; udp likewise, else its own 20)`, parseCount)
    .option(
      "--max-connections-per-ip <n>",
      `connections open at once from one address (an IPv6 /64), all TCP dialects together; 0: no limit (default ${d.maxConnectionsPerAddress})`,
      parseCount,
    )
    .option("--login-failures <n>", `refused logins one address may have per --login-failure-window; 0: no limit (default ${d.loginFailures})`, parseCount)
    .option("--login-failure-window <duration>", `the window of --login-failures (default ${fmtMs(d.loginFailureWindowMs)})`, parseDuration)
    .option("--upload-bytes-per-hour <size>", `bytes one bcs user may upload per hour; 0: no limit (default ${fmtBytes(d.uploadBytesPerHour)})`, parseSizeOrZero)
    .option("--uploads-per-minute <n>", `uploads one bcs user may start per minute; 0: no limit (default ${d.uploadsPerMinute})`, parseCount)
    .option("--mailbox-limit <n>", `messages kept for one offline cs262 account; 0: no limit (default ${d.mailboxLimit})`, parseCount);
}

interface LimitFlags {
  loginTimeout?: number;
  stallTimeout?: number;
  ackTimeout?: number;
  queueFrames?: number;
  queueBytes?: number;
  maxMessageBytes?: number;
  maxFrameBytes?: number;
  maxFileSize?: number;
  maxUsers?: number;
  msgRate?: number;
  msgBurst?: number;
  maxConnectionsPerIp?: number;
  loginFailures?: number;
  loginFailureWindow?: number;
  uploadBytesPerHour?: number;
  uploadsPerMinute?: number;
  mailboxLimit?: number;
}

export function limitsFrom(flags: LimitFlags): Limits {
  const limits: Limits = {
    loginTimeoutMs: flags.loginTimeout ?? DEFAULT_LIMITS.loginTimeoutMs,
    stallTimeoutMs: flags.stallTimeout ?? DEFAULT_LIMITS.stallTimeoutMs,
    ackTimeoutMs: flags.ackTimeout ?? DEFAULT_LIMITS.ackTimeoutMs,
    queueFrames: flags.queueFrames ?? DEFAULT_LIMITS.queueFrames,
    queueBytes: flags.queueBytes ?? DEFAULT_LIMITS.queueBytes,
    maxMessageBytes: flags.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes,
    maxFrameBytes: flags.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes,
    maxFileBytes: flags.maxFileSize ?? DEFAULT_LIMITS.maxFileBytes,
    maxUsers: flags.maxUsers ?? DEFAULT_LIMITS.maxUsers,
    msgRate: flags.msgRate ?? DEFAULT_LIMITS.msgRate,
    msgBurst: flags.msgBurst ?? DEFAULT_LIMITS.msgBurst,
    maxConnectionsPerAddress: flags.maxConnectionsPerIp ?? DEFAULT_LIMITS.maxConnectionsPerAddress,
    loginFailures: flags.loginFailures ?? DEFAULT_LIMITS.loginFailures,
    loginFailureWindowMs: flags.loginFailureWindow ?? DEFAULT_LIMITS.loginFailureWindowMs,
    uploadBytesPerHour: flags.uploadBytesPerHour ?? DEFAULT_LIMITS.uploadBytesPerHour,
    uploadsPerMinute: flags.uploadsPerMinute ?? DEFAULT_LIMITS.uploadsPerMinute,
    mailboxLimit: flags.mailboxLimit ?? DEFAULT_LIMITS.mailboxLimit,
  };
  // bcs frames carry text in u16-length strings, `(private) ` and a name included.
  if (limits.maxMessageBytes > 65000) throw new InvalidArgumentError("--max-message-bytes must be at most 65000");
  if (limits.maxFileBytes > 0xffffffff) throw new InvalidArgumentError("--max-file-size must fit in 32 bits (4GB - 1)");
  if (limits.maxFrameBytes < 512) throw new InvalidArgumentError("--max-frame-bytes must be at least 512");
  if (limits.msgRate > 0 && limits.msgBurst < 1) throw new InvalidArgumentError("--msg-burst must be at least 1");
  return limits;
}
