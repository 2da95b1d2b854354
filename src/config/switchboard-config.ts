/** Resolved settings (src/config/load.ts) as the config `startSwitchboard` takes. */
import { join } from "node:path";
import type { SwitchboardConfig } from "../app/switchboard.js";
import type { Limits } from "../core/limits.js";
import { DEFAULT_UDP_OPTIONS } from "../protocols/udp/index.js";
import { CHAT_LOGS, SETTINGS, SETTING_KEYS, type Setting, type SettingKey, type Settings } from "./settings.js";

/** Limits from settings by key; a missing one takes its default. */
export function limitsOfSettings(settings: Partial<Settings>): Limits {
  const limits: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const setting = SETTINGS[key] as Setting<unknown>;
    if (setting.limit !== undefined) limits[setting.limit] = settings[key] ?? setting.default;
  }
  return limits as unknown as Limits;
}

/** `port` on `host`, or undefined (the listener is off). */
const endpoint = (host: string, port: number | "off") => (port === "off" ? undefined : { host, port });

/**
 * udp's rate: udp-rate/udp-burst, else msg-rate/msg-burst when they were set, else
 * udp's own default (10/s, burst 20: stricter than TCP's 50/100, because a datagram
 * costs nothing to send, cannot be slowed down, and its source address proves nothing).
 */
function udpRate(s: Settings, given: ReadonlySet<SettingKey>): { perSecond: number; burst: number } {
  const D = DEFAULT_UDP_OPTIONS.rate;
  return {
    perSecond: s["udp-rate"] ?? (given.has("msg-rate") ? s["msg-rate"] : D.perSecond),
    burst: s["udp-burst"] ?? (given.has("msg-burst") ? s["msg-burst"] : D.burst),
  };
}

export function switchboardConfigOf(s: Settings, given: ReadonlySet<SettingKey>): SwitchboardConfig {
  const lab = endpoint(s.host, s["lab-port"]);
  const bcs = endpoint(s.host, s["bcs-port"]);
  const gowing = endpoint(s.host, s["gowing-port"]);
  const udp = endpoint(s.host, s["udp-port"]);
  return {
    limits: limitsOfSettings(s),
    dataDir: s["data-dir"],
    store: s.store,
    lab: lab && { ...lab, bots: s.bots },
    bcs: bcs && { ...bcs, chatLog: s["bcs-log"] ?? join(s["data-dir"], CHAT_LOGS.bcs), filesDir: s["files-dir"] },
    gowing: gowing && { ...gowing, logDir: s["gowing-log-dir"] ?? join(s["data-dir"], CHAT_LOGS.gowing) },
    cs262: endpoint(s.host, s["cs262-port"]),
    udp: udp && { ...udp, listIntervalMs: s["udp-list-interval"], idleTimeoutMs: s["udp-idle-timeout"], rate: udpRate(s, given) },
    http: endpoint(s["http-host"], s["http-port"]),
    proxyProtocol: s["proxy-protocol"],
  };
}
