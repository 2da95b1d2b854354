/**
 * Which cluster nodes are alive (docs/cluster.md#names): each node writes its heartbeat
 * (the time and its number of users, JSON: it is rare) to the nodes bucket every
 * `intervalMs`, and every node watches that bucket. A node not heard from for
 * `deadAfterMs` is dead: the survivors free what it held (`bury`: its names) and then
 * delete its heartbeat, each delete naming the revision it saw, so that a name claimed
 * again meanwhile, or a node that came back, is left alone, and several survivors doing
 * it at once is harmless. Names first, heartbeat last: a survivor that dies half-way
 * leaves the heartbeat, and the others finish the job.
 *
 * "Heard from" is measured on this node's clock, when the heartbeat arrives, never by
 * the time written in it: clocks of different machines do not agree. For the same reason
 * nobody's silence counts while this node is the one cut off: after a reconnect, and
 * while its own heartbeat does not come back through its watch (the watch is what is
 * broken then), every other node gets a fresh `deadAfterMs`.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log/ops-log.js";
import { BucketWatch, type BucketFollower } from "./bucket-watch.js";
import type { ClusterKeys } from "./keys.js";
import { isWrongLastSequence, untilCreated, withTimeout } from "./kv-calls.js";
import { followReconnects } from "./nats-reconnects.js";

export interface HeartbeatTimings {
  /** How often this node writes its heartbeat. */
  readonly intervalMs: number;
  /** A node not heard from for this long is dead. */
  readonly deadAfterMs: number;
  /** How often the others' silence is checked. */
  readonly checkEveryMs: number;
  /** Bound of each call to NATS (writes, deletes, the watch's start). */
  readonly requestTimeoutMs: number;
  /** How often the watches of the names and nodes buckets are checked against their buckets (bucket-watch.ts). */
  readonly watchCheckMs: number;
}

/** A SIGKILLed node's names are free within deadAfterMs + checkEveryMs + a delete of its last heartbeat: about 11 s. */
export const DEFAULT_HEARTBEAT_TIMINGS: HeartbeatTimings = Object.freeze({
  intervalMs: 2_000,
  deadAfterMs: 10_000,
  checkEveryMs: 1_000,
  requestTimeoutMs: 3_000,
  watchCheckMs: 5_000,
});

/** A node seen alive, for metrics and the status page. */
export interface NodeStatus {
  readonly node: string;
  /** Users logged in on it, as its last heartbeat said (this node: now). */
  readonly users: number;
  /** When its last heartbeat arrived here (ms since the epoch, this node's clock). */
  readonly lastSeen: number;
}

/** A watch of the names or the nodes bucket, paced by the heartbeat timings. */
export function watchWithTimings(kv: KV, follower: BucketFollower, what: string, timings: HeartbeatTimings, log: Logger | undefined, ensure: () => Promise<KV>): BucketWatch {
  return new BucketWatch(kv, follower, { what, timeoutMs: timings.requestTimeoutMs, retryMs: timings.intervalMs, checkEveryMs: timings.watchCheckMs, log, ensure });
}

export interface NodeHeartbeatsOptions {
  readonly keys: ClusterKeys;
  /** This node's name (a token: keys.ts). */
  readonly node: string;
  /** Replicas of the nodes bucket (1, 3 or 5); default 1. */
  readonly replicas?: number | undefined;
  readonly log?: Logger | undefined;
  readonly timings?: Partial<HeartbeatTimings> | undefined;
  /** Users logged in on this node now, for its heartbeat. */
  users(): number;
  /**
   * Free what a dead node held, before its heartbeat is removed. A rejection leaves the
   * node dead and unburied: the next check tries again.
   */
  bury(node: string): Promise<void>;
}

/** The JSON of a heartbeat. */
interface Heartbeat {
  /** When it was written, on its node's clock: shown, never compared. */
  readonly at: number;
  readonly users: number;
}

interface Tracked {
  /** When its last heartbeat arrived, or when this node started counting its silence. */
  lastSeen: number;
  users: number;
  /** Its heartbeat's revision in the bucket; undefined when the bucket holds none (deleted, or a node only seen holding names). */
  revision: number | undefined;
  burying: boolean;
}

export class NodeHeartbeats implements BucketFollower {
  private readonly timings: HeartbeatTimings;
  private readonly tracked = new Map<string, Tracked>();
  private readonly watch: BucketWatch;
  private beatTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private stopFollowing: (() => void) | undefined;
  private connected = true;
  private closing = false;
  /** When this node's own heartbeat last came back through the watch: the watch works. */
  private ownSeen = Date.now();
  private failing = false;

  /** Open the nodes bucket, write this node's first heartbeat, and follow the others'. */
  static async open(nc: NatsConnection, options: NodeHeartbeatsOptions): Promise<NodeHeartbeats> {
    const timings = { ...DEFAULT_HEARTBEAT_TIMINGS, ...options.timings };
    const js = jetstream(nc, { timeout: timings.requestTimeoutMs });
    const openBucket = (): Promise<KV> => untilCreated(() => new Kvm(js).create(options.keys.nodesBucket, { history: 1, replicas: options.replicas ?? 1 }));
    const kv = await withTimeout(openBucket(), timings.requestTimeoutMs, `opening the ${options.keys.nodesBucket} bucket`);
    const heartbeats = new NodeHeartbeats(nc, kv, options, timings, openBucket);
    try {
      await heartbeats.start();
    } catch (err) {
      heartbeats.stop();
      throw err;
    }
    return heartbeats;
  }

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly options: NodeHeartbeatsOptions,
    timings: HeartbeatTimings,
    openBucket: () => Promise<KV>,
  ) {
    this.timings = timings;
    this.watch = watchWithTimings(kv, this, options.keys.nodesBucket, timings, options.log, openBucket);
  }

  get node(): string {
    return this.options.node;
  }

  /** Every node seen alive (its heartbeat is in the bucket), this one included. */
  nodes(): NodeStatus[] {
    const out: NodeStatus[] = [];
    let self = false;
    for (const [node, t] of this.tracked) {
      if (t.revision === undefined) continue;
      if (node === this.node) {
        self = true;
        out.push({ node, users: this.options.users(), lastSeen: t.lastSeen });
      } else out.push({ node, users: t.users, lastSeen: t.lastSeen });
    }
    if (!self) out.push({ node: this.node, users: this.options.users(), lastSeen: this.ownSeen });
    return out;
  }

  /**
   * `node` holds names: if no heartbeat of it is known, its silence is counted from now,
   * so that names of a node that died before anyone heard it are freed too.
   */
  notice(node: string): void {
    if (node === this.node || this.tracked.has(node)) return;
    this.tracked.set(node, { lastSeen: Date.now(), users: 0, revision: undefined, burying: false });
  }

  /** Stop writing and watching, and delete this node's heartbeat (bounded; a failure is logged). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.stop();
    try {
      await withTimeout(this.kv.delete(this.node), this.timings.requestTimeoutMs, "deleting this node's heartbeat");
    } catch (err) {
      this.options.log?.warn({ err, node: this.node }, "cluster: could not delete this node's heartbeat; the others will find it dead");
    }
  }

  // ---- the nodes bucket's watch (BucketFollower) ------------------------------------

  entry(entry: KvWatchEntry): void {
    const node = entry.key;
    const now = Date.now();
    if (node === this.node) {
      if (entry.operation === "PUT") this.ownSeen = now;
      // Buried while this node was cut off: it is alive, say so at once.
      else if (!this.closing) this.beat();
    }
    let t = this.tracked.get(node);
    if (entry.operation !== "PUT") {
      // Keep counting its silence: names it still holds are freed when it is due.
      if (t !== undefined) t.revision = undefined;
      return;
    }
    const users = readUsers(entry, this.options.log);
    if (t === undefined) {
      t = { lastSeen: now, users, revision: entry.revision, burying: false };
      this.tracked.set(node, t);
    } else {
      t.lastSeen = now;
      t.users = users;
      t.revision = entry.revision;
    }
  }

  caughtUp(): void {
    this.graceForAll();
  }

  // ---- timers -----------------------------------------------------------------------

  private async start(): Promise<void> {
    await withTimeout(this.put(), this.timings.requestTimeoutMs, "writing this node's first heartbeat");
    await this.watch.start();
    this.stopFollowing = followReconnects(this.nc, this, this.options.log);
    this.beatTimer = setInterval(() => this.beat(), this.timings.intervalMs);
    this.checkTimer = setInterval(() => this.check(), this.timings.checkEveryMs);
    this.beatTimer.unref();
    this.checkTimer.unref();
  }

  private stop(): void {
    this.closing = true;
    clearInterval(this.beatTimer);
    clearInterval(this.checkTimer);
    this.stopFollowing?.();
    this.watch.stop();
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
    this.graceForAll();
    this.beat();
    this.watch.resync();
  }

  closed(): void {
    this.connected = false;
    this.stop();
  }

  private put(): Promise<number> {
    const beat: Heartbeat = { at: Date.now(), users: this.options.users() };
    return this.kv.put(this.node, JSON.stringify(beat));
  }

  private beat(): void {
    if (this.closing || !this.connected) return;
    withTimeout(this.put(), this.timings.requestTimeoutMs, "writing this node's heartbeat").then(
      () => {
        if (this.failing) this.options.log?.info({ node: this.node }, "cluster: heartbeats are written again");
        this.failing = false;
      },
      (err: unknown) => {
        // Once per outage at warn: every 2 s would flood the log while NATS is away.
        if (!this.failing) this.options.log?.warn({ err, node: this.node }, "cluster: could not write this node's heartbeat");
        this.failing = true;
      },
    );
  }

  /** Every node known gets a full deadAfterMs from now: this node could not hear them until now. */
  private graceForAll(): void {
    const now = Date.now();
    this.ownSeen = now;
    for (const t of this.tracked.values()) t.lastSeen = now;
  }

  private check(): void {
    if (this.closing || !this.connected) return;
    const now = Date.now();
    const { intervalMs, deadAfterMs, checkEveryMs } = this.timings;
    if (now - this.ownSeen > 2 * intervalMs + checkEveryMs) {
      // Our own heartbeat is not coming back: the watch is what is broken, not the others.
      if (now - this.ownSeen > deadAfterMs) {
        this.options.log?.warn({ node: this.node }, "cluster: this node's own heartbeat does not come back; following the nodes bucket again");
        this.graceForAll();
        this.watch.resync();
      }
      return;
    }
    for (const [node, t] of this.tracked) {
      if (node === this.node || t.burying || now - t.lastSeen <= deadAfterMs) continue;
      this.bury(node, t, now - t.lastSeen);
    }
  }

  private bury(node: string, t: Tracked, silentMs: number): void {
    t.burying = true;
    const seenAt = t.lastSeen;
    const unchanged = (): boolean => this.tracked.get(node) === t && t.lastSeen === seenAt;
    this.options.log?.warn({ node, silentMs }, "cluster: a node is dead; freeing its names");
    this.options
      .bury(node)
      .then(async () => {
        if (t.revision !== undefined && unchanged()) {
          await withTimeout(this.kv.delete(node, { previousSeq: t.revision }), this.timings.requestTimeoutMs, `deleting ${node}'s heartbeat`).catch(
            (err: unknown) => {
              if (!isWrongLastSequence(err)) throw err; // it came back, or another survivor was first
            },
          );
        }
        if (unchanged()) this.tracked.delete(node);
      })
      .catch((err: unknown) => this.options.log?.warn({ err, node }, "cluster: could not free a dead node's names; trying again"))
      .finally(() => {
        t.burying = false;
      });
  }
}

function readUsers(entry: KvWatchEntry, log: Logger | undefined): number {
  try {
    const beat = entry.json<Partial<Heartbeat>>();
    return typeof beat.users === "number" ? beat.users : 0;
  } catch (err) {
    log?.warn({ err, node: entry.key }, "cluster: a heartbeat that is not JSON");
    return 0;
  }
}
