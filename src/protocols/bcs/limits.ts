/** bcs's own limits (seed 000: file transfers, acknowledged deliveries), with their defaults. */
import type { UploadLimits } from "../../files/upload-quota.js";

export interface BcsLimits extends UploadLimits {
  /** Largest file a bcs client may upload. */
  maxFileBytes: number;
  /** Time a bcs deliver/fnotify may stay unacknowledged. */
  ackTimeoutMs: number;
  /** Bytes one bcs user may upload per hour; 0: no limit. */
  uploadBytesPerHour: number;
  /** Uploads one bcs user may start per minute; 0: no limit. */
  uploadsPerMinute: number;
}

export const DEFAULT_BCS_LIMITS: Readonly<BcsLimits> = Object.freeze({
  maxFileBytes: 64 * 1024 * 1024,
  ackTimeoutMs: 30_000,
  // 16 files of the largest default size an hour; at most one new file every 3 s.
  uploadBytesPerHour: 1024 * 1024 * 1024,
  uploadsPerMinute: 20,
});
