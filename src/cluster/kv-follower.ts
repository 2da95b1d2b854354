/**
 * A KV bucket followed into a local replica (a `kv.watch`), which stays caught up when
 * a NATS server goes away (docs/cluster.md#accounts-and-mail).
 *
 * Why the watchdog: the watch is a consumer on one NATS server. When that server stops,
 * the client notices only after missed heartbeats and makes a new consumer, which nats-
 * server 2.9 may place on the server that is down, and whose heartbeats the client then
 * expects every 30 s: in tests, a node's replica missed new entries for 40 to 90 s after
 * one server of three stopped. So every `checkEveryMs` the follower reads the bucket's
 * last revision; one that was there at the previous check and has still not come
 * through means the watch is stuck, and it is made again, resuming after the last
 * revision seen. A replica then lags at most about two checks behind the bucket, plus
 * the time to make a consumer.
 */
import type { KV, KvEntry, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import type { Logger } from "../log/ops-log.js";

export interface KvFollowerOptions {
  /** What to do with each entry, in revision order (after a new watch, some again). */
  readonly apply: (entry: KvEntry) => void;
  /** Longest wait for the replica to catch up at start (ms). */
  readonly timeoutMs: number;
  /** How often to check that the watch keeps up (ms). */
  readonly checkEveryMs?: number;
  readonly log?: Logger | undefined;
  /** For the log. */
  readonly what: string;
}

export class KvFollower {
  private watch: QueuedIterator<KvWatchEntry> | undefined;
  /** The highest revision the replica has. */
  private seen = 0;
  /** The bucket's last revision at the previous check. */
  private lastAtCheck = 0;
  private checking = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private waiters: { revision: number; resolve: () => void }[] = [];

  private constructor(
    private readonly kv: KV,
    private readonly options: KvFollowerOptions,
  ) {}

  /** Follow `kv`; resolves once the replica holds the bucket as it was at the start. */
  static async start(kv: KV, options: KvFollowerOptions): Promise<KvFollower> {
    const follower = new KvFollower(kv, options);
    try {
      await follower.rewatch();
      await follower.caughtUp(await follower.lastRevision(), options.timeoutMs);
    } catch (err) {
      follower.close();
      throw err;
    }
    follower.timer = setInterval(() => void follower.check(), options.checkEveryMs ?? 5_000);
    follower.timer.unref();
    return follower;
  }

  /** The highest bucket revision the replica holds. */
  get revision(): number {
    return this.seen;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.watch?.stop();
    this.watch = undefined;
  }

  /** A new watch: every key's last value at first, or everything after the revision seen. */
  private async rewatch(): Promise<void> {
    this.watch?.stop();
    this.watch = undefined;
    const watch = await this.kv.watch(this.seen > 0 ? { resumeFromRevision: this.seen + 1 } : {});
    if (this.closed) return watch.stop();
    this.watch = watch;
    const { log, what } = this.options;
    (async () => {
      for await (const entry of watch) {
        this.options.apply(entry);
        if (entry.revision > this.seen) this.seen = entry.revision;
        this.wake();
      }
    })().then(
      () => log?.debug({ bucket: what }, "watch ended"),
      (err: unknown) => log?.error({ err, bucket: what }, "watch failed; the replica may lag until the next check"),
    );
  }

  private async lastRevision(): Promise<number> {
    return (await this.kv.status()).streamInfo.state.last_seq;
  }

  /** Resolves once the replica holds `revision`; rejects after `ms`. */
  private caughtUp(revision: number, ms: number): Promise<void> {
    if (this.seen >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.options.what}: the replica did not catch up with revision ${revision} within ${ms} ms`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.revision <= this.seen);
    this.waiters = this.waiters.filter((w) => w.revision > this.seen);
    for (const w of ready) w.resolve();
  }

  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    const { log, what } = this.options;
    try {
      const last = await this.lastRevision();
      if (this.seen < this.lastAtCheck) {
        log?.warn({ bucket: what, seen: this.seen, expected: this.lastAtCheck }, "the replica's watch fell behind: watching again");
        await this.rewatch();
      }
      this.lastAtCheck = last;
    } catch (err) {
      log?.warn({ err, bucket: what }, "could not check the replica against the bucket");
    } finally {
      this.checking = false;
    }
  }
}
