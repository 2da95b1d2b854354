/**
 * The JetStream stream that keeps a cluster's offline mail (docs/cluster.md#accounts-and-mail):
 * one subject per account, and the mailbox limit as the stream's per-subject limit with
 * "discard new per subject", so that JetStream itself refuses a message past the limit,
 * atomically across every node.
 *
 * Why lowering the limit is guarded: JetStream meets a lowered per-subject limit by
 * deleting the oldest messages of every subject above it (seen on nats-server 2.9), which
 * would lose mail that was acknowledged as kept. So the stream's limit goes down only as
 * far as the fullest mailbox allows; the mailbox holds the rest of the way itself
 * (cluster-mailbox.ts) until removals let the stream follow.
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { Logger } from "../log/ops-log.js";
import type { ClusterKeys } from "./keys.js";

/** The stream's per-subject limit for a mailbox limit; JetStream's -1 is no limit (our 0). */
function perSubject(limit: number): number {
  return limit > 0 ? limit : -1;
}

export class MailStream {
  readonly name: string;
  /** Every account's subject: keys.mailSubject's, with a wildcard for the name. */
  readonly subjects: string;
  /** The stream's per-subject limit as this node last read or set it (-1: none). */
  private applied = -1;

  constructor(
    private readonly jsm: JetStreamManager,
    keys: ClusterKeys,
    private readonly log: Logger | undefined,
  ) {
    this.name = keys.mailStream;
    this.subjects = `${keys.namespace}.mail.*`;
  }

  /** The stream's per-subject limit as this node knows it: 0 for none. */
  get perSubjectLimit(): number {
    return Math.max(0, this.applied);
  }

  /**
   * Make the stream unless it exists (another node may make it at the same moment), with
   * `replicas` copies, then bring its limit to `limit` as `setLimit` does.
   */
  async ensure(limit: number, replicas: number): Promise<void> {
    let config = await this.config();
    if (config === undefined) {
      try {
        this.applied = (await this.jsm.streams.add(this.wanted(limit, replicas))).config.max_msgs_per_subject;
        return;
      } catch (err) {
        config = await this.config(); // made by another node meanwhile, or not at all
        if (config === undefined) throw err;
      }
    }
    if (config.num_replicas !== replicas) config = (await this.jsm.streams.update(this.name, { num_replicas: replicas })).config;
    await this.setLimit(limit, config);
  }

  /**
   * Bring the stream's per-subject limit to `limit` (0: none), but never below what the
   * fullest mailbox holds (see the top of this file). Resolves to the limit in force.
   */
  async setLimit(limit: number, known?: StreamConfig): Promise<number> {
    const config = known ?? (await this.streamConfig());
    const now = config.max_msgs_per_subject > 0 ? config.max_msgs_per_subject : -1;
    this.applied = now;
    let target = perSubject(limit);
    if (target > 0 && (now < 0 || target < now)) {
      const fullest = await this.fullest();
      if (fullest > target) {
        this.log?.warn(
          { stream: this.name, limit, fullest },
          "some mailbox holds more than the new mailbox limit: the stream's limit stays above it until that mail is delivered",
        );
        target = now < 0 ? fullest : Math.min(now, fullest);
      }
    }
    if (target === now) return now;
    await this.jsm.streams.update(this.name, { max_msgs_per_subject: target, discard_new_per_subject: target > 0 });
    this.applied = target;
    return target;
  }

  /** How many messages the fullest mailbox holds. */
  private async fullest(): Promise<number> {
    const { state } = await this.jsm.streams.info(this.name, { subjects_filter: this.subjects });
    let most = 0;
    for (const count of Object.values(state.subjects ?? {})) most = Math.max(most, count);
    return most;
  }

  /** How many messages the mailbox of `subject` holds. */
  async count(subject: string): Promise<number> {
    const { state } = await this.jsm.streams.info(this.name, { subjects_filter: subject });
    return state.subjects?.[subject] ?? 0;
  }

  private async streamConfig(): Promise<StreamConfig> {
    return (await this.jsm.streams.info(this.name)).config;
  }

  private async config(): Promise<StreamConfig | undefined> {
    try {
      return await this.streamConfig();
    } catch (err) {
      if (isStreamNotFound(err)) return undefined;
      throw err;
    }
  }

  private wanted(limit: number, replicas: number): Partial<StreamConfig> & { name: string } {
    const max = perSubject(limit);
    return {
      name: this.name,
      subjects: [this.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: replicas,
      max_msgs_per_subject: max,
      discard: DiscardPolicy.New,
      discard_new_per_subject: max > 0,
      // Reads go to the stream's leader, which has every acknowledged message.
      allow_direct: false,
    };
  }
}

/** Remove every message kept for the account `folded`; nothing to do when the stream was never made. */
export async function purgeMailOf(jsm: JetStreamManager, keys: ClusterKeys, folded: string): Promise<void> {
  try {
    await jsm.streams.purge(keys.mailStream, { filter: keys.mailSubject(folded) });
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}
