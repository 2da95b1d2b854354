/**
 * A KV bucket followed by a watch, for the parts that keep a replica of one (the names,
 * the node heartbeats: docs/cluster.md#names): first a snapshot (the latest entry of
 * every key, deletions included), then every change, in revision order.
 *
 * When the snapshot is complete is not something the watch says, so it is measured: the
 * bucket's last revision is read before the watch starts, and the snapshot is in once an
 * entry at or past that revision has come (the watch gives keys in revision order, and
 * the entry at that revision is the last of its key, or a later one replaced it).
 *
 * The watch is started over after a reconnect (`resync`): NATS does not keep what it
 * pushed to this node while it was cut off, and a gap would only show at the next
 * change. Starting over costs one snapshot per reconnect, which is rare.
 */
import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "../log/ops-log.js";
import { ClusterTimeoutError, isStreamNotFound, withTimeout } from "./kv-calls.js";

export interface BucketFollower {
  /** A (re)start is about to watch a bucket whose last revision is `lastRevision`. */
  starting?(lastRevision: number): void;
  /** One entry of the bucket, from the snapshot or a later change. */
  entry(entry: KvWatchEntry): void;
  /**
   * The snapshot is complete: `seen` holds every key it gave (a key not in it is not in
   * the bucket at all), `lastRevision` is the bucket's last revision when it began.
   */
  caughtUp(seen: ReadonlySet<string>, lastRevision: number): void;
}

export interface BucketWatchOptions {
  /** For log lines: "names", "nodes". */
  readonly what: string;
  /** Bound of each call, and of the snapshot's arrival. */
  readonly timeoutMs: number;
  /** Wait before starting over after a failed start or a watch that ended by itself. */
  readonly retryMs: number;
  readonly log: Logger | undefined;
  /**
   * Make the bucket again when NATS no longer has it (a server that lost its store):
   * the follower then finds a bucket whose last revision is below what it saw.
   */
  readonly ensure: () => Promise<unknown>;
}

type Watch = Awaited<ReturnType<KV["watch"]>>;

export class BucketWatch {
  private watch: Watch | undefined;
  /** Each start counts one up: a loop or a late answer of an earlier start sees it is stale. */
  private generation = 0;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly kv: KV,
    private readonly follower: BucketFollower,
    private readonly options: BucketWatchOptions,
  ) {}

  /** Start (or start over): resolves once the snapshot is in, rejects when it did not come in time. */
  async start(): Promise<void> {
    const generation = this.begin();
    const { timeoutMs, what } = this.options;
    const status = await withTimeout(
      this.kv.status().catch(async (err: unknown) => {
        if (!isStreamNotFound(err)) throw err;
        this.options.log?.warn({ bucket: what }, "cluster: NATS no longer has a bucket; making it again");
        await this.options.ensure();
        return this.kv.status();
      }),
      timeoutMs,
      `status of the ${what} bucket`,
    );
    if (this.isStale(generation)) return;
    const { messages, last_seq: lastRevision } = status.streamInfo.state;
    this.follower.starting?.(lastRevision);
    const starting = this.kv.watch();
    // A watch that comes after its start gave up (or after a newer start) is stopped.
    starting.then((w) => this.isStale(generation) && w.stop()).catch(() => {});
    const watch = await withTimeout(starting, timeoutMs, `watch of the ${what} bucket`);
    if (this.isStale(generation)) return;
    this.watch = watch;

    let caughtUp!: () => void;
    const snapshotIn = new Promise<void>((resolve) => (caughtUp = resolve));
    const seen = new Set<string>();
    let inSnapshot = messages > 0;
    if (!inSnapshot) {
      this.follower.caughtUp(seen, lastRevision);
      caughtUp();
    }
    this.follow(watch, generation, (entry) => {
      if (!inSnapshot) return;
      seen.add(entry.key);
      if (entry.revision < lastRevision) return;
      inSnapshot = false;
      this.follower.caughtUp(seen, lastRevision);
      caughtUp();
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClusterTimeoutError(`snapshot of the ${what} bucket`, timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([snapshotIn, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Start over, and keep trying (every retryMs) until it works or `stop` is called; failures are logged. */
  resync(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.stopped) return;
    this.start().catch((err: unknown) => {
      this.options.log?.warn({ err, bucket: this.options.what }, "cluster: could not follow a bucket; trying again");
      this.retryLater();
    });
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retry);
    this.watch?.stop();
    this.watch = undefined;
  }

  private begin(): number {
    this.watch?.stop();
    this.watch = undefined;
    return ++this.generation;
  }

  private isStale(generation: number): boolean {
    return this.stopped || generation !== this.generation;
  }

  private follow(watch: Watch, generation: number, afterEach: (entry: KvWatchEntry) => void): void {
    (async () => {
      for await (const entry of watch) {
        if (this.isStale(generation)) break;
        try {
          this.follower.entry(entry);
        } catch (err) {
          this.options.log?.error({ err, bucket: this.options.what, key: entry.key }, "cluster: an entry of a bucket could not be applied");
        }
        afterEach(entry);
      }
      if (!this.isStale(generation)) {
        this.options.log?.warn({ bucket: this.options.what }, "cluster: the watch of a bucket ended by itself; starting over");
        this.retryLater();
      }
    })().catch((err: unknown) => {
      if (this.isStale(generation)) return;
      this.options.log?.warn({ err, bucket: this.options.what }, "cluster: the watch of a bucket failed; starting over");
      this.retryLater();
    });
  }

  private retryLater(): void {
    if (this.stopped || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.resync();
    }, this.options.retryMs);
    this.retry.unref();
  }
}
