/**
 * Deadlines (README "Unresponsive clients"): when a client has missed one, and the one
 * timer per listener that checks. No timer per connection or message: a client's
 * clocks are plain timestamps, compared when the watchdog comes round.
 */
import type { DisconnectReason } from "../core/errors.js";

/** The TCP deadlines a connection may miss before its session's own. */
export interface StreamDeadlines {
  readonly loginTimeoutMs: number;
  readonly stallTimeoutMs: number;
}

/**
 * The deadline a TCP connection has missed at `now`, if any: no login within the login
 * timeout of `connectedAt` (`loggedIn` false), or a frame incomplete since
 * `stalledSince` (0: none, or the server itself is holding the input back, so the wait
 * is not the client's) for longer than the stall timeout.
 */
export function missedStreamDeadline(limits: StreamDeadlines, now: number, loggedIn: boolean, connectedAt: number, stalledSince: number): DisconnectReason | undefined {
  if (!loggedIn && now - connectedAt > limits.loginTimeoutMs) return "login_timeout";
  if (stalledSince !== 0 && now - stalledSince > limits.stallTimeoutMs) return "stalled_frame";
  return undefined;
}

/** A udp address heard from last at `lastHeard` is idle (docs/udp.md): logged out. */
export function isIdle(now: number, lastHeard: number, idleTimeoutMs: number): boolean {
  return now - lastHeard >= idleTimeoutMs;
}

/**
 * How often a watchdog runs so that a deadline of `shortestMs` is enforced within a
 * quarter of itself after it passes: at most once a second, at least every 10 ms.
 */
export function watchdogPeriod(shortestMs: number): number {
  return Math.min(1000, Math.max(10, shortestMs / 4));
}

/** Run `check(now)` every watchdogPeriod(shortestMs). The timer does not keep the process alive; clearInterval it to stop. */
export function startWatchdog(shortestMs: number, check: (now: number) => void): NodeJS.Timeout {
  const timer = setInterval(() => check(Date.now()), watchdogPeriod(shortestMs));
  timer.unref();
  return timer;
}
