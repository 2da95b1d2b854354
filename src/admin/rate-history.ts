/**
 * Message rates over the last minutes, for the status page's chart: a ring buffer of
 * per-step counts (messages in, deliveries out), filled by one timer that reads the
 * running totals. A page that opens sees the history at once, and the chat's paths pay
 * nothing for it (they only bump the totals, which they do anyway).
 */

export interface Totals {
  /** Chat messages accepted from users so far. */
  readonly in: number;
  /** Chat messages handed to recipients so far. */
  readonly out: number;
}

export interface RateSeries {
  /** Seconds per sample. */
  readonly stepSeconds: number;
  /** Samples the history holds when full (the chart's width). */
  readonly window: number;
  /** Messages per step, oldest first; at most `length` samples (fewer just after start). */
  readonly in: number[];
  readonly out: number[];
}

export class RateHistory {
  private readonly inSamples: Float64Array;
  private readonly outSamples: Float64Array;
  /** Where the next sample goes. */
  private next = 0;
  private filled = 0;
  private last: Totals;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param read the running totals
   * @param stepMs time per sample
   * @param length samples kept (300 one-second steps: five minutes)
   */
  constructor(
    private readonly read: () => Totals,
    readonly stepMs = 1000,
    readonly length = 300,
  ) {
    this.inSamples = new Float64Array(length);
    this.outSamples = new Float64Array(length);
    this.last = read();
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.stepMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Record what happened since the last sample (called by the timer; tests may call it). */
  sample(): void {
    const now = this.read();
    // Math.max: a total never goes down, but a delivery taken back (a recipient dropped
    // during a fan-out) must not show as a negative rate.
    this.inSamples[this.next] = Math.max(0, now.in - this.last.in);
    this.outSamples[this.next] = Math.max(0, now.out - this.last.out);
    this.last = now;
    this.next = (this.next + 1) % this.length;
    if (this.filled < this.length) this.filled++;
  }

  series(): RateSeries {
    const start = (this.next - this.filled + this.length) % this.length;
    const inRates: number[] = [];
    const outRates: number[] = [];
    for (let i = 0; i < this.filled; i++) {
      const at = (start + i) % this.length;
      inRates.push(this.inSamples[at]!);
      outRates.push(this.outSamples[at]!);
    }
    return { stepSeconds: this.stepMs / 1000, window: this.length, in: inRates, out: outRates };
  }
}
