/**
 * Every setting of `switchboard serve`, in one table: its kind, default, help and
 * whether SIGHUP can change it. The flag (`--<key>`), the environment variable
 * (`SWITCHBOARD_<KEY>`), the YAML key (`<key>`), `--help`, the README table and
 * switchboard.example.yaml are all made from this table, so they cannot drift apart.
 */
import { BOT_NAMES } from "../bots/bots.js";
import { DEFAULT_LIMITS, type Limits } from "../core/limits.js";
import { DEFAULT_UDP_OPTIONS } from "../protocols/udp/index.js";
import { count, duration, listOf, oneOf, portOrOff, size, text, yesNo, type Kind } from "./kinds.js";

export const SECTIONS = {
  listeners: "Listeners",
  data: "Data",
  logs: "Logs",
  limits: "Limits (every dialect; also flags of every `server` command)",
  udp: "udp",
  process: "Process",
} as const;

export type Section = keyof typeof SECTIONS;

export interface Setting<T> {
  readonly kind: Kind<T>;
  /** undefined: none, or made from other settings (`defaultText` says how). */
  readonly default: T | undefined;
  /** Shown instead of the formatted default. */
  readonly defaultText?: string;
  /** One line: what it does. */
  readonly help: string;
  readonly section: Section;
  /** SIGHUP applies a new value without a restart. */
  readonly live?: boolean;
  /** A value to show in switchboard.example.yaml when there is no default. */
  readonly example?: T;
  /** The field of Limits this setting fills. */
  readonly limit?: keyof Limits;
}

/** Keeps the default's own type, so a setting without one reads as possibly undefined. */
function setting<T, const D extends NoInfer<T> | undefined>(def: Omit<Setting<T>, "default"> & { default: D }): Setting<T> & { default: D } {
  return def;
}

/** Where `serve` writes the chat logs by default, under the data directory. */
export const CHAT_LOGS = { bcs: "logs/bcs.log", gowing: "logs/gowing" } as const;

const L = DEFAULT_LIMITS;
const U = DEFAULT_UDP_OPTIONS;
const limit = <T>(field: keyof Limits, def: Omit<Setting<T>, "section" | "live" | "limit"> & { default: T }) => setting({ ...def, section: "limits", live: true, limit: field });

export const SETTINGS = {
  host: setting({ kind: text("<address>"), default: "0.0.0.0", help: "address the chat listeners bind", section: "listeners" }),
  "lab-port": setting({ kind: portOrOff, default: 5378, help: "lab listener: a port, 0 for a free one, off for none", section: "listeners" }),
  "gowing-port": setting({ kind: portOrOff, default: 9000, help: "gowing listener", section: "listeners" }),
  "bcs-port": setting({ kind: portOrOff, default: 9001, help: "bcs listener", section: "listeners" }),
  "cs262-port": setting({ kind: portOrOff, default: 9002, help: "cs262 listener", section: "listeners" }),
  "udp-port": setting({ kind: portOrOff, default: 9003, help: "udp listener (a UDP port)", section: "listeners" }),
  "http-host": setting({ kind: text("<address>"), default: "127.0.0.1", help: "address the HTTP admin port binds: status page at /, /healthz, /readyz, /metrics (docs/http.md)", section: "listeners" }),
  "http-port": setting({ kind: portOrOff, default: 9100, help: "HTTP admin port", section: "listeners" }),
  "proxy-protocol": setting({
    kind: yesNo,
    default: false,
    help: "every lab, gowing, bcs and cs262 connection starts with a PROXY protocol v1/v2 header from a load balancer, whose client address then counts for limits and logs (docs/proxy-protocol.md)",
    section: "listeners",
  }),
  bots: setting({ kind: listOf(BOT_NAMES), default: [] as string[], help: "bots to log in: echobot, delaybot (docs/lab.md)", section: "listeners" }),

  "data-dir": setting({ kind: text("<dir>"), default: "./data", help: "where the server keeps its data: the store <data-dir>/switchboard.db (opened when cs262 runs), bcs files and, by default, the chat logs", section: "data" }),
  "files-dir": setting({ kind: text("<dir>"), default: undefined, defaultText: "<data-dir>/files", example: "/var/lib/switchboard/files", help: "where bcs uploads are stored", section: "data" }),
  store: setting({ kind: oneOf(["sqlite", "memory"] as const), default: "sqlite", help: "the store behind cs262 accounts and queued messages; memory keeps nothing across restarts", section: "data" }),

  "log-level": setting({ kind: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const), default: "info", help: "operational log level", section: "logs", live: true }),
  "log-format": setting({ kind: oneOf(["auto", "json", "pretty"] as const), default: "auto", help: "operational log format: auto is readable on a terminal, JSON lines otherwise", section: "logs" }),
  "log-file": setting({ kind: text("<file>"), default: undefined, defaultText: "stderr", example: "/var/log/switchboard/switchboard.log", help: "write the operational log to this file (reopened on SIGHUP) instead of stderr", section: "logs" }),
  "log-client-ips": setting({ kind: yesNo, default: true, help: "write client addresses in the operational and chat logs (no: `-` in their place)", section: "logs" }),
  // Files by default, not stdout: on a terminal, two chat logs would interleave with the
  // listening lines and the operational log (issue 15 point 7). The per-dialect `server`
  // commands keep the seeds' stdout default.
  "bcs-log": setting({
    kind: text("<file|-|off>"),
    default: undefined,
    defaultText: `<data-dir>/${CHAT_LOGS.bcs}`,
    example: "/var/log/switchboard/bcs.log",
    help: "the bcs chat log: a file (reopened on SIGHUP), - for stdout, off for none",
    section: "logs",
  }),
  "gowing-log-dir": setting({
    kind: text("<dir|-|off>"),
    default: undefined,
    defaultText: `<data-dir>/${CHAT_LOGS.gowing}`,
    example: "/var/log/switchboard/gowing",
    help: "gowing connections.log and chat.log: a directory (reopened on SIGHUP), - for stdout, off for none",
    section: "logs",
  }),

  "login-timeout": limit("loginTimeoutMs", { kind: duration, default: L.loginTimeoutMs, help: "close a connection that has not logged in within this" }),
  "stall-timeout": limit("stallTimeoutMs", { kind: duration, default: L.stallTimeoutMs, help: "close a connection whose frame stays incomplete this long" }),
  "ack-timeout": limit("ackTimeoutMs", { kind: duration, default: L.ackTimeoutMs, help: "close a bcs client whose deliver stays unacknowledged this long" }),
  "queue-frames": limit("queueFrames", { kind: count(), default: L.queueFrames, help: "outbound frames queued per connection before it is a slow consumer" }),
  "queue-bytes": limit("queueBytes", { kind: size(), default: L.queueBytes, help: "outbound bytes queued per connection before it is a slow consumer" }),
  // bcs frames carry text in u16-length strings, `(private) ` and a name included.
  "max-message-bytes": limit("maxMessageBytes", { kind: size({ max: 65000 }), default: L.maxMessageBytes, help: "longest message text, in UTF-8 bytes" }),
  "max-frame-bytes": limit("maxFrameBytes", { kind: size({ min: 512 }), default: L.maxFrameBytes, help: "longest frame buffered (file transfers stream and are exempt)" }),
  "max-file-size": limit("maxFileBytes", { kind: size({ max: 0xffffffff }), default: L.maxFileBytes, help: "largest bcs upload (a bcs file length is 32 bits)" }),
  "max-users": limit("maxUsers", { kind: count(), default: L.maxUsers, help: "most users online at once, all dialects together; 0: no limit" }),
  "msg-rate": limit("msgRate", { kind: count(), default: L.msgRate, help: "messages per second a connection may send, sustained; 0: no limit (udp takes it only when set, see udp-rate)" }),
  "msg-burst": limit("msgBurst", { kind: count(), default: L.msgBurst, help: "messages a connection may send at once after a quiet spell" }),
  "max-connections-per-ip": limit("maxConnectionsPerAddress", { kind: count(), default: L.maxConnectionsPerAddress, help: "connections open at once from one address (an IPv6 /64), all TCP dialects together; 0: no limit" }),
  "login-failures": limit("loginFailures", { kind: count(), default: L.loginFailures, help: "refused logins one address may have per login-failure-window; 0: no limit" }),
  "login-failure-window": limit("loginFailureWindowMs", { kind: duration, default: L.loginFailureWindowMs, help: "the window of login-failures" }),
  "upload-bytes-per-hour": limit("uploadBytesPerHour", { kind: size({ zeroMeansNone: true }), default: L.uploadBytesPerHour, help: "bytes one bcs user may upload per hour; 0: no limit" }),
  "uploads-per-minute": limit("uploadsPerMinute", { kind: count(), default: L.uploadsPerMinute, help: "uploads one bcs user may start per minute; 0: no limit" }),
  "mailbox-limit": limit("mailboxLimit", { kind: count(), default: L.mailboxLimit, help: "messages kept for one offline cs262 account; 0: no limit" }),

  "udp-list-interval": setting({ kind: duration, default: U.listIntervalMs, help: "how often every registered udp address gets the user list (43)", section: "udp" }),
  "udp-idle-timeout": setting({ kind: duration, default: U.idleTimeoutMs, help: "log out a udp address that sends nothing for this long", section: "udp" }),
  "udp-rate": setting({ kind: count(), default: undefined, defaultText: `msg-rate when set, else ${U.rate.perSecond}`, example: U.rate.perSecond, help: "datagrams per second a registered udp address may send; 0: no limit", section: "udp" }),
  "udp-burst": setting({ kind: count(), default: undefined, defaultText: `msg-burst when set, else ${U.rate.burst}`, example: U.rate.burst, help: "datagrams a registered udp address may send at once after a quiet spell", section: "udp" }),

  "shutdown-deadline": setting({ kind: duration, default: 10_000, help: "on SIGTERM or SIGINT, how long the drain may take before the process exits anyway", section: "process" }),
} satisfies Record<string, Setting<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each entry keeps its own type

export type SettingKey = keyof typeof SETTINGS;

/** The value type of one setting: undefined is possible only where there is no default. */
type ValueOf<S> = S extends Setting<infer T> & { default: infer D } ? (undefined extends D ? T | undefined : T) : never;

export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export const envName = (key: string): string => `SWITCHBOARD_${key.toUpperCase().replace(/-/g, "_")}`;

/** How a setting's default reads in help and docs. */
export function defaultText(key: SettingKey): string {
  const s = SETTINGS[key] as Setting<unknown>;
  if (s.defaultText !== undefined) return s.defaultText;
  return s.default === undefined ? "none" : s.kind.format(s.default);
}
