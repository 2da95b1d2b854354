/**
 * How much one user may upload (bcs): bytes per hour (--upload-bytes-per-hour) and
 * uploads started per minute (--uploads-per-minute), each a token bucket per user name
 * (folded: `Bob` and `bob` are one user), so leaving and coming back does not reset it.
 * An upload is charged when it is accepted, in full, whether or not it completes: bytes
 * announced and then abandoned still cost the server the writing.
 */
import { foldName } from "../core/names.js";
import { BucketTable } from "../core/rate-limit.js";

export type QuotaAnswer =
  /** Charged: go ahead. */
  | "ok"
  /** Over the allowance now; it refills with time. */
  | "later"
  /** Larger than a whole hour's allowance: never accepted. */
  | "never";

export interface UploadLimits {
  readonly uploadBytesPerHour: number;
  readonly uploadsPerMinute: number;
}

export class UploadQuota {
  private readonly bytes: BucketTable;
  private readonly starts: BucketTable;

  constructor(limits: UploadLimits) {
    this.bytes = new BucketTable(bytesRate(limits));
    this.starts = new BucketTable(startsRate(limits));
  }

  /** New allowances (SIGHUP): users keep what they have used. */
  retune(limits: UploadLimits): void {
    this.bytes.retune(bytesRate(limits));
    this.starts.retune(startsRate(limits));
  }

  /** Users with an allowance in use (not yet refilled), in the larger of the two tables. */
  get users(): number {
    return Math.max(this.bytes.size, this.starts.size);
  }

  /** Forget users whose allowances have refilled (the switchboard's sweep timer). */
  sweep(now = Date.now()): void {
    this.bytes.sweep(now);
    this.starts.sweep(now);
  }

  /** May `user` start an upload of `size` bytes now? Charges both allowances when it may. */
  charge(user: string, size: number, now = Date.now()): QuotaAnswer {
    const key = foldName(user);
    const bytesWait = this.bytes.waitMs(key, now, size);
    if (bytesWait === Infinity) return "never";
    if (bytesWait > 0 || this.starts.waitMs(key, now) > 0) return "later";
    this.bytes.take(key, now, size);
    this.starts.take(key, now);
    return "ok";
  }
}

const bytesRate = ({ uploadBytesPerHour: b }: UploadLimits) => ({ perSecond: b > 0 ? b / 3600 : 0, burst: b });
const startsRate = ({ uploadsPerMinute: n }: UploadLimits) => ({ perSecond: n > 0 ? n / 60 : 0, burst: n });

/** No allowance: for tests and parts that run without one. */
export const NO_UPLOAD_QUOTA = new UploadQuota({ uploadBytesPerHour: 0, uploadsPerMinute: 0 });
