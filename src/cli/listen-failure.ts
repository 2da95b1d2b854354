/**
 * The one line a command prints when a listener cannot bind (issue 15 point 8), e.g.
 * `cannot listen on 0.0.0.0:5378 for lab: address in use (pick another with --lab-port
 * or turn it off with --lab-port off)`: what failed, why in words, and the flag to change.
 */
import type { ListenFailure } from "../app/listen-failure.js";

/** The flags that set one listener's port and address in a command. */
export interface ListenerFlags {
  readonly port: string;
  readonly host: string;
  /** The listener can be turned off with `<port> off` (serve). */
  readonly canTurnOff?: boolean;
}

/** Each `server <dialect>` command's own flags; lab names its address flag --address. */
export const SERVER_FLAGS: ListenerFlags = { port: "--port", host: "--host" };

/** `switchboard serve`: one port flag per listener; the chat listeners share --host (web and http have their own). */
export function serveFlags(listener: string): ListenerFlags {
  return { port: `--${listener}-port`, host: listener === "http" || listener === "web" ? `--${listener}-host` : "--host", canTurnOff: true };
}

export function listenFailureLine(f: ListenFailure, flags: ListenerFlags): string {
  const host = f.at.host.includes(":") ? `[${f.at.host}]` : f.at.host;
  const otherPort = `pick another with ${flags.port}` + (flags.canTurnOff ? ` or turn it off with ${flags.port} off` : "");
  const why: Record<string, string> = {
    EADDRINUSE: `address in use (${otherPort})`,
    EACCES: `permission denied${f.at.port > 0 && f.at.port < 1024 ? ": ports below 1024 need root or CAP_NET_BIND_SERVICE" : ""} (${otherPort})`,
    EADDRNOTAVAIL: `${f.at.host} is not an address of this host (pick another with ${flags.host})`,
  };
  const cause = f.cause instanceof Error ? f.cause.message : String(f.cause);
  return `cannot listen on ${host}:${f.at.port} for ${f.listener}: ${(f.code !== undefined && why[f.code]) || cause}`;
}
