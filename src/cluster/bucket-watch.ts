/**
 * A KV bucket followed by a watch into a local replica, for every part that keeps one
 * (the names and the node heartbeats: docs/cluster.md#names; the accounts:
 * docs/cluster.md#accounts-and-mail): first a snapshot (the latest entry of every key,
 * deletions included), then every change, in revision order.
 *
 * When the snapshot is complete is not something the watch says, so it is measured: the
 * bucket's last revision is read before the watch starts, and the snapshot is in once an
 * entry at or past that revision has come (the watch gives keys in revision order, and
 * the entry at that revision is the last of its key, or a later one replaced it).
 *
 * Whatever goes wrong, the way back is one: start over (a new watch, a new snapshot).
 * - After a reconnect (the owner calls `resync`): what NATS pushed to this node before it
 *   saw the connection gone is lost, and the client would see the gap only at the next
 *   change (or after 30 s without its heartbeats).
 * - When the watch is stuck (the watchdog, every `checkEveryMs`). The watch is a consumer
 *   on one NATS server; when that server stops, the client notices only after missed
 *   heartbeats (30 s) and makes a new consumer, which nats-server 2.9 may place on the
 *   server that is down: in tests a replica missed new entries for 40 to 90 s after one
 *   server of three stopped. So the bucket's last revision is read at every check; when
 *   one that was there at the previous check has not come through, and nothing at all
 *   came since (a watch that is slow but moving is left alone), the watch starts over.
 *   A replica then lags at most about two checks behind the bucket, plus the starts that
 *   fail while NATS places the new watch on the stopped server again
 *   (docs/cluster.md#names).
 * - When the watch ends or fails by itself, or a start fails: again, at most one start
 *   per `retryMs`.
 * - When NATS no longer has the bucket (a server that lost its store), found at a start
 *   or a check: it is made again (`ensure`), and the follower told (`madeAnew`).
 * Starting over costs one snapshot, and happens only on those occasions.
 */
import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "../log/ops-log.js";
import { ClusterTimeoutError, isStreamNotFound, withTimeout } from "./kv-calls.js";

export interface BucketFollower {
  /**
   * NATS lost the bucket and it was made anew: its revisions start over, below those the
   * replica holds. Forget them; the snapshot that follows is the whole bucket.
   */
  madeAnew?(): void;
  /** One entry of the bucket, from the snapshot or a later change. */
  entry(entry: KvWatchEntry): void;
  /**
   * The snapshot is complete: `seen` holds every key it gave (a key not in it is not in
   * the bucket at all), `lastRevision` is the bucket's last revision when it began.
   */
  caughtUp(seen: ReadonlySet<string>, lastRevision: number): void;
}

export interface BucketWatchOptions {
  /** The bucket's name, for log lines. */
  readonly what: string;
  /** Bound of each call, and of the snapshot's arrival. */
  readonly timeoutMs: number;
  /** At most one start per this long, after a failed start or a watch that ended by itself. */
  readonly retryMs: number;
  /** How often the watch is checked against the bucket's last revision. */
  readonly checkEveryMs: number;
  readonly log: Logger | undefined;
  /** Make the bucket (again) as its owner opened it. */
  readonly ensure: () => Promise<unknown>;
}

type Watch = Awaited<ReturnType<KV["watch"]>>;

export class BucketWatch {
  private watch: Watch | undefined;
  /** Each start counts one up: a loop or a late answer of an earlier start sees it is stale. */
  private generation = 0;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** The highest revision any watch brought: a bucket whose last revision is below it was made anew. */
  private highest = 0;
  /** The current watch's snapshot is in: from then on the watchdog checks it. */
  private following = false;
  /** The highest revision the current watch brought (at least the last revision at its start, once its snapshot is in). */
  private delivered = 0;
  /** At the previous check: the bucket's last revision, and `delivered`. */
  private lastAtCheck = 0;
  private deliveredAtCheck = 0;
  private checking = false;
  /** A check failed (NATS unreachable): logged once, not at every check. */
  private checkFailing = false;

  constructor(
    private readonly kv: KV,
    private readonly follower: BucketFollower,
    private readonly options: BucketWatchOptions,
  ) {}

  /** Start (or start over): resolves once the snapshot is in, rejects when it did not come in time. */
  async start(): Promise<void> {
    const generation = this.begin();
    this.watchdog ??= setInterval(() => void this.check(), this.options.checkEveryMs).unref();
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
    if (lastRevision < this.highest) {
      this.options.log?.warn({ bucket: what, lastRevision, seen: this.highest }, "cluster: a bucket was lost and made anew; its replica starts over");
      this.follower.madeAnew?.();
    }
    this.highest = lastRevision;
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
    const snapshotComplete = (): void => {
      inSnapshot = false;
      this.delivered = Math.max(this.delivered, lastRevision);
      this.following = true;
      this.follower.caughtUp(seen, lastRevision);
      caughtUp();
    };
    if (!inSnapshot) snapshotComplete();
    this.follow(watch, generation, (entry) => {
      if (!inSnapshot) return;
      seen.add(entry.key);
      if (entry.revision >= lastRevision) snapshotComplete();
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

  /**
   * Start over, and keep trying until it works or `stop` is called; failures are logged.
   * At most one start per `retryMs`: a start that waited out a timeout (a new watch that
   * NATS placed on a server that is down never answers) has waited already, and the next
   * one (placed anew) goes at once.
   */
  resync(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.stopped) return;
    const startedAt = Date.now();
    this.start().catch((err: unknown) => {
      this.options.log?.warn({ err, bucket: this.options.what }, "cluster: could not follow a bucket; trying again");
      this.retryLater(this.options.retryMs - (Date.now() - startedAt));
    });
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retry);
    clearInterval(this.watchdog);
    this.watch?.stop();
    this.watch = undefined;
  }

  private begin(): number {
    this.watch?.stop();
    this.watch = undefined;
    this.following = false;
    this.delivered = 0;
    this.lastAtCheck = 0;
    this.deliveredAtCheck = 0;
    return ++this.generation;
  }

  private isStale(generation: number): boolean {
    return this.stopped || generation !== this.generation;
  }

  private follow(watch: Watch, generation: number, afterEach: (entry: KvWatchEntry) => void): void {
    (async () => {
      for await (const entry of watch) {
        if (this.isStale(generation)) break;
        if (entry.revision > this.delivered) this.delivered = entry.revision;
        if (entry.revision > this.highest) this.highest = entry.revision;
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

  /** The watchdog: start over when the watch is stuck, or the bucket is gone or behind it. */
  private async check(): Promise<void> {
    if (this.checking || !this.following || this.stopped) return;
    const generation = this.generation;
    const { log, timeoutMs, what } = this.options;
    this.checking = true;
    try {
      const status = await withTimeout(this.kv.status(), timeoutMs, `status of the ${what} bucket`);
      if (this.isStale(generation) || !this.following) return;
      if (this.checkFailing) log?.info({ bucket: what }, "cluster: a bucket's watch is checked again");
      this.checkFailing = false;
      const last = status.streamInfo.state.last_seq;
      const stuck = this.delivered < this.lastAtCheck && this.delivered === this.deliveredAtCheck;
      if (stuck || last < this.delivered) {
        log?.warn(
          { bucket: what, delivered: this.delivered, expected: stuck ? this.lastAtCheck : last },
          stuck ? "cluster: the watch of a bucket fell behind; starting over" : "cluster: a bucket is behind its watch (made anew?); starting over",
        );
        return this.resync();
      }
      this.lastAtCheck = last;
      this.deliveredAtCheck = this.delivered;
    } catch (err) {
      if (this.isStale(generation)) return;
      if (isStreamNotFound(err)) {
        log?.warn({ bucket: what }, "cluster: NATS no longer has a bucket; following it again");
        return this.resync();
      }
      // While NATS is away every check fails: once in the log is enough (the reconnect resyncs).
      if (!this.checkFailing) log?.warn({ err, bucket: what }, "cluster: could not check a bucket's watch against the bucket");
      this.checkFailing = true;
    } finally {
      this.checking = false;
    }
  }

  private retryLater(ms = this.options.retryMs): void {
    if (this.stopped || this.retry !== undefined) return;
    this.retry = setTimeout(
      () => {
        this.retry = undefined;
        this.resync();
      },
      Math.max(0, ms),
    );
    this.retry.unref();
  }
}
