/**
 * One client's message rate (README "Floods and abuse"): a TCP connection's --msg-rate,
 * a registered udp address's --udp-rate. A token bucket that counts its own refusals
 * in the dialect's `rateLimited.msg_rate`, and how many came in a row (udp answers only
 * the first of a run). What a refusal costs the client (its input held back, an error
 * answered) is its transport's and dialect's to decide.
 */
import type { TransportLimits } from "./limits.js";
import { TokenBucket, type RateLimit } from "../core/rate-limit.js";
import type { DialectStats } from "../core/stats.js";

/** An extension of the bucket rather than a wrapper: one object per client, not two. */
export class MessageRate extends TokenBucket {
  /** Messages refused since the last one taken. */
  refusedInARow = 0;

  constructor(
    limit: RateLimit,
    now: number,
    private readonly stats: DialectStats,
  ) {
    super(limit, now);
  }

  /** One message now: true when a token was there; false, and counted, when over the rate. */
  admit(now: number): boolean {
    if (this.take(now)) {
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow++;
    this.stats.rateLimited.msg_rate++;
    return false;
  }
}

/**
 * The TCP message rate read through the live limits (src/app/switchboard.ts setLimits), so a
 * new --msg-rate reaches connections already open; one view per limits object.
 */
const rateViews = new WeakMap<Readonly<TransportLimits>, RateLimit>();

export function liveMessageRate(limits: Readonly<TransportLimits>): RateLimit {
  let view = rateViews.get(limits);
  if (view === undefined) {
    view = {
      get perSecond() {
        return limits.msgRate;
      },
      get burst() {
        return Math.max(1, limits.msgBurst);
      },
    };
    rateViews.set(limits, view);
  }
  return view;
}
