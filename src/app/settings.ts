/**
 * `switchboard serve`'s settings table: the process's own settings (listeners, TLS, data,
 * logs, the hub's and the transport's limits, the shutdown), a `<name>-port` for each
 * dialect and a `<name>-tls-port` for each stream dialect, and the settings each dialect
 * declares (src/protocols/<dialect>/index.ts).
 * Flags, environment variables, YAML keys, --help, the README table and
 * switchboard.example.yaml are all made from it (src/config/).
 */
import { defaultNodeName, type ClusterConfig } from "../cluster/cluster-config.js";
import { isValidToken } from "../cluster/keys.js";
import { checkedText, count, duration, listOfValues, oneOf, portOrOff, size, text, yesNo } from "../config/kinds.js";
import { limitSetting, setting, type Setting, type SettingDefs, type ValuesOf } from "../config/settings.js";
import { SettingsTable } from "../config/table.js";
import { DEFAULT_HUB_LIMITS, type HubLimits } from "../core/limits.js";
import type { ConfigOf, Dialect } from "../protocols/dialect.js";
import { DIALECTS, type BuiltInDialect } from "../protocols/registry.js";
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "../transport/limits.js";
import { TlsCertificate, TlsFilesError } from "../transport/tls-certificate.js";
import type { TlsListenerConfig } from "./context.js";
import { normalOrigin } from "../transport/websocket-origin.js";
import type { Limits, UnionToIntersection } from "./limits.js";
import type { Endpoint, SwitchboardConfig, WebConfig } from "./switchboard.js";

const H = DEFAULT_HUB_LIMITS;
const T = DEFAULT_TRANSPORT_LIMITS;
const hubLimit = limitSetting<number, keyof HubLimits>;
const transportLimit = limitSetting<number, keyof TransportLimits>;

/** The process's own sections, before the dialects' own (udp) and `process`, listed last. */
const SECTIONS = { listeners: "Listeners", tls: "TLS", data: "Data", cluster: "Cluster (docs/cluster.md)", logs: "Logs", limits: "Limits (every dialect; also flags of every `server` command)" } as const;
const LAST_SECTIONS = { process: "Process" } as const;

/** The process's own settings (and `proxy-protocol`, whose help names the stream dialects). */
const PROCESS_SETTINGS = {
  host: setting({ kind: text("<address>"), default: "0.0.0.0", help: "address the chat listeners bind", section: "listeners" }),
  "web-host": setting({ kind: text("<address>"), default: undefined, defaultText: "same as host", example: "0.0.0.0", help: "address the public web listener binds", section: "listeners" }),
  "web-port": setting({ kind: portOrOff, default: 8080, help: "public web listener: the browser chat client at /, WebSockets at /ws/<dialect> for every TCP dialect that is on (docs/web.md)", section: "listeners" }),
  "web-origins": setting({
    kind: listOfValues("<origins>", "expected a comma-separated list of origins such as https://chat.example.org", normalOrigin),
    default: [] as string[],
    help: "origins whose pages may open WebSockets besides the page's own (e.g. https://chat.example.org); a request without an Origin (not from a browser) is always accepted",
    section: "listeners",
  }),
  "http-host": setting({ kind: text("<address>"), default: "127.0.0.1", help: "address the HTTP admin port binds: status page at /, /healthz, /readyz, /metrics (docs/http.md)", section: "listeners" }),
  "http-port": setting({ kind: portOrOff, default: 9100, help: "HTTP admin port", section: "listeners" }),

  // Files, not their contents, are settings: the contents are read again on every SIGHUP.
  "tls-cert": setting({ kind: text("<file>"), default: undefined, example: "/etc/switchboard/tls/cert.pem", help: "certificate of every TLS listener (PEM, any intermediates after it), read again on SIGHUP (README \"TLS\")", section: "tls" }),
  "tls-key": setting({ kind: text("<file>"), default: undefined, example: "/etc/switchboard/tls/key.pem", help: "the certificate's private key (PEM, unencrypted), read again on SIGHUP", section: "tls" }),

  "data-dir": setting({ kind: text("<dir>"), default: "./data", help: "where the server keeps its data: the store <data-dir>/switchboard.db (opened when cs262 runs), bcs files and, by default, the chat logs", section: "data" }),
  store: setting({ kind: oneOf(["sqlite", "memory"] as const), default: "sqlite", help: "the store behind cs262 accounts and queued messages; memory keeps nothing across restarts", section: "data" }),

  cluster: setting({
    kind: listOfValues("<urls>", "expected a comma-separated list of NATS servers such as nats://10.0.0.5:4222 or tls://nats.example.org:4222", natsServerUrl),
    default: [] as string[],
    example: ["nats://10.0.0.5:4222", "nats://10.0.0.6:4222"],
    help: "run as one node of a cluster whose names, routing, accounts, mail and files live in NATS JetStream at these servers (docs/cluster.md); none: one process on its own",
    section: "cluster",
  }),
  "node-name": setting({ kind: checkedText("<name>", "expected 1-64 of A-Z a-z 0-9 _ -", isValidToken), default: undefined, defaultText: "<host name>-<process id>", example: "chat-1", help: "this node's name in the cluster: unique among the nodes, 1-64 of A-Z a-z 0-9 _ -", section: "cluster" }),
  "cluster-creds": setting({ kind: text("<file>"), default: undefined, example: "/etc/switchboard/nats.creds", help: "a NATS credentials file (JWT and NKey seed) to connect with", section: "cluster" }),
  "cluster-user": setting({ kind: text("<user>"), default: undefined, example: "switchboard", help: "a NATS user name to connect with (with cluster-password)", section: "cluster" }),
  "cluster-password": setting({ kind: text("<password>"), default: undefined, example: "change-me", help: "the NATS user's password", section: "cluster" }),
  "cluster-ca": setting({ kind: text("<file>"), default: undefined, example: "/etc/switchboard/nats-ca.pem", help: "CA certificate (PEM) to check tls:// NATS servers against, when not a public one", section: "cluster" }),
  "cluster-replicas": setting({ kind: count(), default: 1, help: "copies JetStream keeps of the names, accounts, mail and files (at most the NATS servers there are; 3 on a three-server cluster)", section: "cluster" }),
  "cluster-namespace": setting({ kind: text("<name>"), default: "sb", help: "prefix of every bucket, stream and subject, so that two Switchboard clusters can share one NATS", section: "cluster" }),

  "log-level": setting({ kind: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const), default: "info", help: "operational log level", section: "logs", live: true }),
  "log-format": setting({ kind: oneOf(["auto", "json", "pretty"] as const), default: "auto", help: "operational log format: auto is readable on a terminal, JSON lines otherwise", section: "logs" }),
  "log-file": setting({ kind: text("<file>"), default: undefined, defaultText: "stderr", example: "/var/log/switchboard/switchboard.log", help: "write the operational log to this file (reopened on SIGHUP) instead of stderr", section: "logs" }),
  "log-client-ips": setting({ kind: yesNo, default: true, help: "write client addresses in the operational and chat logs (no: `-` in their place)", section: "logs" }),

  "login-timeout": transportLimit("loginTimeoutMs", { kind: duration, default: T.loginTimeoutMs, help: "close a connection that has not logged in within this" }),
  "stall-timeout": transportLimit("stallTimeoutMs", { kind: duration, default: T.stallTimeoutMs, help: "close a connection whose frame stays incomplete this long" }),
  "queue-frames": transportLimit("queueFrames", { kind: count(), default: T.queueFrames, help: "outbound frames queued per connection before it is a slow consumer" }),
  "queue-bytes": transportLimit("queueBytes", { kind: size(), default: T.queueBytes, help: "outbound bytes queued per connection before it is a slow consumer" }),
  // bcs frames carry text in u16-length strings, `(private) ` and a name included.
  "max-message-bytes": hubLimit("maxMessageBytes", { kind: size({ max: 65000 }), default: H.maxMessageBytes, help: "longest message text, in UTF-8 bytes" }),
  "max-frame-bytes": transportLimit("maxFrameBytes", { kind: size({ min: 512 }), default: T.maxFrameBytes, help: "longest frame buffered (file transfers stream and are exempt)" }),
  "max-users": hubLimit("maxUsers", { kind: count(), default: H.maxUsers, help: "most users online at once, all dialects together; 0: no limit" }),
  "msg-rate": transportLimit("msgRate", { kind: count(), default: T.msgRate, help: "messages per second a connection may send, sustained; 0: no limit (udp takes it only when set, see udp-rate)" }),
  "msg-burst": transportLimit("msgBurst", { kind: count(), default: T.msgBurst, help: "messages a connection may send at once after a quiet spell" }),
  "max-connections-per-ip": transportLimit("maxConnectionsPerAddress", { kind: count(), default: T.maxConnectionsPerAddress, help: "connections open at once from one address (an IPv6 /64), all TCP dialects together; 0: no limit" }),
  "login-failures": hubLimit("loginFailures", { kind: count(), default: H.loginFailures, help: "refused logins one address may have per login-failure-window; 0: no limit" }),
  "login-failure-window": hubLimit("loginFailureWindowMs", { kind: duration, default: H.loginFailureWindowMs, help: "the window of login-failures" }),
  // The hub's offline mail: only cs262 has accounts to queue for.
  "mailbox-limit": hubLimit("mailboxLimit", { kind: count(), default: H.mailboxLimit, help: "messages kept for one offline cs262 account; 0: no limit" }),

  "shutdown-deadline": setting({ kind: duration, default: 10_000, help: "on SIGTERM or SIGINT, how long the drain may take before the process exits anyway", section: "process" }),
} satisfies SettingDefs;

/**
 * The order the settings are listed in (--help, the README, the example file): the one
 * they had before each dialect declared its own, kept so that those stay as they were.
 * A setting not named here is listed last in its section, in registry order.
 */
const LISTED_ORDER = [
  "host", "lab-port", "gowing-port", "bcs-port", "cs262-port", "udp-port", "web-host", "web-port", "web-origins", "http-host", "http-port", "proxy-protocol", "bots",
  "data-dir", "files-dir", "store",
  "cluster", "node-name", "cluster-creds", "cluster-user", "cluster-password", "cluster-ca", "cluster-replicas", "cluster-namespace",
  "log-level", "log-format", "log-file", "log-client-ips", "bcs-log", "gowing-log-dir",
  "login-timeout", "stall-timeout", "ack-timeout", "queue-frames", "queue-bytes", "max-message-bytes", "max-frame-bytes", "max-file-size",
  "max-users", "msg-rate", "msg-burst", "max-connections-per-ip", "login-failures", "login-failure-window", "upload-bytes-per-hour",
  "uploads-per-minute", "mailbox-limit",
  "udp-list-interval", "udp-idle-timeout", "udp-rate", "udp-burst",
  "shutdown-deadline",
];

/** A NATS server address as `--cluster` takes it: nats://, tls:// or a bare host:port. */
function natsServerUrl(text: string): string | undefined {
  const m = /^(?:(nats|tls):\/\/)?([^\s/:@]+(?::[^\s/@]*)?@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m || (m[4] !== undefined && Number(m[4]) > 65535)) return undefined;
  return text.includes("://") ? text : `nats://${text}`;
}

/** `a, b and c`. */
const listed = (names: readonly string[]): string => (names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

/** `proxy-protocol`: its help names the stream dialects, those it applies to. */
function proxyProtocolSetting(dialects: readonly Dialect[]) {
  const stream = dialects.filter((d) => d.transport === "stream").map((d) => d.name);
  const help = `every ${listed(stream)} connection starts with a PROXY protocol v1/v2 header from a load balancer, whose client address then counts for limits and logs (docs/proxy-protocol.md)`;
  return setting({ kind: yesNo, default: false, help, section: "listeners" });
}

/** `<name>-tls-port`: a stream dialect's TLS listener, off unless set. */
function tlsPortSetting(name: string): Setting<number | "off"> & { default: number | "off" } {
  return setting({ kind: portOrOff, default: "off", help: `${name} over TLS, beside ${name}-port (or alone, with that off): a port, 0 for a free one, off for none; needs tls-cert and tls-key`, section: "tls" });
}

const tlsPortKey = (name: string): string => `${name}-tls-port`;

type PortSettings<D extends Dialect> = { [E in D as `${E["name"]}-port`]: Setting<number | "off"> & { default: number } };
type TlsPortSettings<D extends Dialect> = { [E in D as E["transport"] extends "stream" ? `${E["name"]}-tls-port` : never]: Setting<number | "off"> & { default: number | "off" } };

/** The settings of `serve` with `dialects`. */
export type ServeSettingDefs<D extends Dialect = BuiltInDialect> = typeof PROCESS_SETTINGS & { "proxy-protocol": ReturnType<typeof proxyProtocolSetting> } & PortSettings<D> &
  TlsPortSettings<D> &
  UnionToIntersection<D["settings"]>;
export type ServeSettings = ValuesOf<ServeSettingDefs>;
export type ServeSettingKey = keyof ServeSettingDefs & string;

/** `serve`'s settings table for `dialects` (the registry's, or more in a test). */
export function serveSettings<const D extends readonly Dialect[] = typeof DIALECTS>(dialects: D = DIALECTS as unknown as D): SettingsTable<ServeSettingDefs<D[number]>> {
  const all: SettingDefs = { ...PROCESS_SETTINGS, "proxy-protocol": proxyProtocolSetting(dialects) };
  const sections: Record<string, string> = { ...SECTIONS };
  for (const d of dialects) {
    all[`${d.name}-port`] = setting({ kind: portOrOff, default: d.defaultPort, help: d.portHelp ?? `${d.name} listener`, section: "listeners" });
    if (d.transport === "stream") all[tlsPortKey(d.name)] = tlsPortSetting(d.name);
    Object.assign(all, d.settings);
    Object.assign(sections, d.sections);
  }
  Object.assign(sections, LAST_SECTIONS);
  const sectionIds = Object.keys(sections);
  const place = (key: string): [number, number] => {
    const at = LISTED_ORDER.indexOf(key);
    return [sectionIds.indexOf(all[key]!.section), at < 0 ? LISTED_ORDER.length : at];
  };
  const keys = Object.keys(all).sort((a, b) => {
    const [sa, oa] = place(a);
    const [sb, ob] = place(b);
    return sa - sb || oa - ob; // a stable sort: unlisted ones keep their registry order
  });
  const settings = Object.fromEntries(keys.map((key) => [key, all[key]!]));
  return new SettingsTable({
    settings: settings as ServeSettingDefs<D[number]>,
    sections,
    checks: [
      (s: Record<string, unknown>) => ((s["msg-rate"] as number) > 0 && (s["msg-burst"] as number) < 1 ? "msg-burst: must be at least 1 while msg-rate is not 0" : undefined),
      (s: Record<string, unknown>) => tlsProblem(s, dialects),
      clusterProblem,
      ...dialects.flatMap((d) => (d.check ? [(s: Record<string, unknown>) => d.check!(s as never)] : [])),
    ],
  });
}

/** `serve`'s settings with the registry's dialects. */
export const SERVE_SETTINGS = serveSettings();

/** Limits from settings by key (flags, the file); a missing one takes its default. */
export function limitsOfSettings(values: Partial<ServeSettings>): Limits {
  return SERVE_SETTINGS.limitsOf(values) as Limits;
}

/** The TLS settings' problem, if any: a file without the other, or a TLS listener without them. */
function tlsProblem(s: Record<string, unknown>, dialects: readonly Dialect[]): string | undefined {
  const cert = s["tls-cert"] !== undefined;
  const key = s["tls-key"] !== undefined;
  if (cert !== key) return cert ? "tls-key: needed with tls-cert (the certificate's private key)" : "tls-cert: needed with tls-key (the key's certificate)";
  const on = dialects.map((d) => tlsPortKey(d.name)).filter((key) => s[key] !== undefined && s[key] !== "off");
  if (on.length > 0 && !cert) return `${listed(on)}: a TLS listener needs tls-cert and tls-key`;
  return undefined;
}

/**
 * The problem with the TLS files, if they are set and cannot be used (unreadable, not
 * PEM, a key that is not the certificate's): read as `serve` reads them at start. Not a
 * check of the table: those run on every SIGHUP, and a bad file then must not hold back
 * the other settings (the old certificate stays, see run-server.ts).
 */
export function tlsFilesProblem(s: Pick<ServeSettings, "tls-cert" | "tls-key">): string | undefined {
  const cert = s["tls-cert"];
  const key = s["tls-key"];
  if (cert === undefined || key === undefined) return undefined;
  try {
    new TlsCertificate({ cert, key });
    return undefined;
  } catch (err) {
    if (err instanceof TlsFilesError) return `tls-${err.file}: ${err.message}`;
    throw err;
  }
}

/** `port` on `host`, or undefined (the listener is off). */
const endpoint = (host: string, port: number | "off"): Endpoint | undefined => (port === "off" ? undefined : { host, port });

/** The cluster's config, or undefined (no `cluster`: one process on its own). */
function clusterOf(s: ServeSettings): ClusterConfig | undefined {
  if (s.cluster.length === 0) return undefined;
  return {
    servers: s.cluster,
    node: s["node-name"] ?? defaultNodeName(),
    credsFile: s["cluster-creds"],
    user: s["cluster-user"],
    password: s["cluster-password"],
    caFile: s["cluster-ca"],
    replicas: s["cluster-replicas"],
    namespace: s["cluster-namespace"],
  };
}

/** The cluster settings' problem, if any. */
function clusterProblem(s: Record<string, unknown>): string | undefined {
  const replicas = s["cluster-replicas"] as number;
  if (replicas < 1 || replicas > 5) return "cluster-replicas: must be from 1 to 5 (JetStream keeps at most 5 copies)";
  if ((s["cluster-user"] === undefined) !== (s["cluster-password"] === undefined)) return "cluster-user and cluster-password: give both or neither";
  if (!isValidToken(s["cluster-namespace"] as string)) return "cluster-namespace: expected 1-64 of A-Z a-z 0-9 _ -";
  return undefined;
}

/** The web listener's config, or undefined (`web-port off`). */
function webOf(s: ServeSettings): WebConfig | undefined {
  const at = endpoint(s["web-host"] ?? s.host, s["web-port"]);
  return at && { ...at, origins: s["web-origins"] };
}

/** Resolved settings (src/config/load.ts) as the config `startSwitchboard` takes, for `dialects`. */
export function switchboardConfigOf(s: ServeSettings, given: ReadonlySet<string>, dialects: readonly Dialect[] = DIALECTS): SwitchboardConfig {
  const values = s as unknown as Record<string, unknown>;
  const config: Record<string, unknown> = {
    limits: serveSettings(dialects).limitsOf(s) as Limits,
    dataDir: s["data-dir"],
    store: s.store,
    http: endpoint(s["http-host"], s["http-port"]),
    web: webOf(s),
    proxyProtocol: s["proxy-protocol"],
    tls: s["tls-cert"] !== undefined && s["tls-key"] !== undefined ? { cert: s["tls-cert"], key: s["tls-key"] } : undefined,
    cluster: clusterOf(s),
  };
  for (const d of dialects) {
    const plain = endpoint(s.host, values[`${d.name}-port`] as number | "off");
    const tls = d.transport === "stream" ? endpoint(s.host, (values[tlsPortKey(d.name)] ?? "off") as number | "off") : undefined;
    const at = plain ?? tls;
    if (at === undefined) continue;
    const listeners: TlsListenerConfig = { ...(tls ? { tls } : {}), ...(plain ? {} : { plain: false }) };
    config[d.name] = { ...at, ...d.configOf(values as never, given), ...listeners } satisfies ConfigOf<Dialect> & TlsListenerConfig;
  }
  return config as unknown as SwitchboardConfig;
}
