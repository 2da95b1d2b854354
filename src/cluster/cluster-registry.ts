/**
 * The cluster's NameRegistry (docs/cluster.md#names): who holds which name, for every
 * node at once, in a JetStream KV bucket (keys.namesBucket; key = nameKey(folded), value
 * = name-claim-codec.ts).
 *
 * - A claim is `kv.create`: the bucket accepts exactly one of two claims of a free name,
 *   whichever nodes they come from; the loser's "wrong last sequence" is its `false`.
 * - find, size and members answer from this node's replica (names-replica.ts), kept by
 *   the bucket's watch (bucket-watch.ts, which starts over when it is stuck) and by other
 *   nodes' join and leave events (sawJoin, sawLeave).
 * - A release deletes the claim naming its revision (`previousSeq`), fire-and-forget:
 *   it can never delete a later claim of the name, another node's or this one's.
 * - Node heartbeats (node-heartbeats.ts) find dead nodes; the survivors delete their
 *   names here (`buryNode`).
 * - After a reconnect the watch starts over, and what it finds is re-asserted: this
 *   node's claims deleted meanwhile are made again, and a member whose name another node
 *   claimed meanwhile is told so and disconnected (`name_lost`): the claim in the bucket
 *   keeps the name, so no name ever has two holders in the bucket.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Answer } from "../core/answer.js";
import type { Member } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import { BucketWatch, type BucketFollower } from "./bucket-watch.js";
import type { ClusterNames, NameClaim } from "./cluster-names.js";
import { isValidToken, keyName, nameKey, type ClusterKeys } from "./keys.js";
import { isWrongLastSequence, untilCreated, withTimeout } from "./kv-calls.js";
import { decodeClaim, encodeClaim } from "./name-claim-codec.js";
import { NamesReplica, type LocalClaim, type ReplicaEffects } from "./names-replica.js";
import { followReconnects } from "./nats-reconnects.js";
import { DEFAULT_HEARTBEAT_TIMINGS, NodeHeartbeats, watchWithTimings, type HeartbeatTimings, type NodeStatus } from "./node-heartbeats.js";

export interface ClusterNameRegistryOptions {
  readonly keys: ClusterKeys;
  /** This node's name: a token (keys.ts), unique in the cluster. */
  readonly node: string;
  /** Replicas of the names and nodes buckets (1, 3 or 5); default 1. */
  readonly replicas?: number | undefined;
  readonly log?: Logger | undefined;
  /** Heartbeat timings; `requestTimeoutMs` also bounds every claim, delete and the close. */
  readonly heartbeat?: Partial<HeartbeatTimings> | undefined;
  /**
   * Told the display names of a dead node's users, once this node finds it dead: nobody
   * is left to say they left, so this node tells its own members (the router's `departed`).
   */
  readonly departed?: ((names: readonly string[]) => void) | undefined;
}

/** Deletes of a dead node's names sent at once, so a node with many users does not flood NATS. */
const BURY_BATCH = 128;
/** Tries of a claim made again while the name keeps changing under it. */
const RECLAIM_TRIES = 3;

export class ClusterNameRegistry implements ClusterNames, BucketFollower, ReplicaEffects {
  private readonly replica: NamesReplica;
  private readonly watch: BucketWatch;
  private readonly timings: HeartbeatTimings;
  private heartbeats: NodeHeartbeats | undefined;
  private stopFollowing: (() => void) | undefined;
  private connected = true;
  private closing = false;
  private shutdown: Promise<void> | undefined;
  /** Claims in flight, by folded name. */
  private readonly claiming = new Map<string, number>();
  /** Claims of this node the watch showed while a claim of the name was in flight: deleted unless that claim takes them. */
  private readonly unowned = new Map<string, number>();
  /** Deletes of this node's claims in flight, by folded name (a claim of the name waits for them). */
  private readonly deleting = new Map<string, Promise<void>>();
  /** This node's claims still to delete (a delete that failed): folded -> revision, retried. */
  private readonly toDelete = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** Local claims being made again. */
  private readonly reclaiming = new Set<LocalClaim>();

  /**
   * Open (or create) the names bucket, load the replica with its current content, and
   * start this node's heartbeats. Resolves once the replica holds the bucket's content.
   */
  static async open(nc: NatsConnection, options: ClusterNameRegistryOptions): Promise<ClusterNameRegistry> {
    if (!isValidToken(options.node)) throw new Error(`cluster node name "${options.node}" must be 1-64 of A-Z a-z 0-9 _ -`);
    const timings = { ...DEFAULT_HEARTBEAT_TIMINGS, ...options.heartbeat };
    const js = jetstream(nc, { timeout: timings.requestTimeoutMs });
    const openBucket = (): Promise<KV> => untilCreated(() => new Kvm(js).create(options.keys.namesBucket, { history: 1, replicas: options.replicas ?? 1 }));
    const kv = await withTimeout(openBucket(), timings.requestTimeoutMs, `opening the ${options.keys.namesBucket} bucket`);
    const registry = new ClusterNameRegistry(kv, options, timings, openBucket);
    try {
      await registry.watch.start();
      registry.heartbeats = await NodeHeartbeats.open(nc, {
        keys: options.keys,
        node: options.node,
        replicas: options.replicas,
        log: options.log,
        timings,
        users: () => registry.replica.localCount,
        bury: (node) => registry.buryNode(node),
      });
      for (const node of registry.replica.remoteNodes()) registry.heartbeats.notice(node);
      registry.stopFollowing = followReconnects(nc, registry, options.log);
    } catch (err) {
      registry.closing = true;
      registry.watch.stop();
      throw err;
    }
    return registry;
  }

  private constructor(
    private readonly kv: KV,
    private readonly options: ClusterNameRegistryOptions,
    timings: HeartbeatTimings,
    openBucket: () => Promise<KV>,
  ) {
    this.timings = timings;
    this.replica = new NamesReplica(options.node, this);
    this.watch = watchWithTimings(kv, this, options.keys.namesBucket, timings, options.log, openBucket);
  }

  get node(): string {
    return this.options.node;
  }

  /** Every node seen alive, this one included (for metrics and the status page). */
  nodes(): NodeStatus[] {
    return this.heartbeats?.nodes() ?? [];
  }

  // ---- NameRegistry -----------------------------------------------------------------

  claim(folded: string, member: Member): Answer<boolean> {
    if (this.closing) return Promise.reject(new Error("the cluster's name registry is closed"));
    // Held by a member here: this node knows, no need to ask.
    if (this.replica.localClaim(folded) !== undefined) return false;
    return this.claimInBucket(folded, member);
  }

  release(folded: string, member: Member): void {
    const claim = this.replica.release(folded, member);
    // A lost claim is not in the bucket any more: another node's is, and stays.
    if (claim !== undefined && !claim.lost) this.deleteOwn(folded, claim.revision);
  }

  find(folded: string): Member | undefined {
    return this.replica.find(folded);
  }

  get size(): number {
    return this.replica.size;
  }

  members(): IterableIterator<Member> {
    return this.replica.members();
  }

  // ---- ClusterNames -----------------------------------------------------------------

  localMembers(): IterableIterator<Member> {
    return this.replica.localMembers();
  }

  findLocal(folded: string): Member | undefined {
    return this.replica.findLocal(folded);
  }

  claimRevision(member: Member): number | undefined {
    return this.replica.claimRevision(member);
  }

  sawJoin(claim: NameClaim): void {
    if (claim.node === this.node) return;
    this.replica.applyClaim(claim.folded, claim, claim.revision);
    this.heartbeats?.notice(claim.node);
  }

  sawLeave(folded: string, node: string): void {
    this.replica.applyLeave(folded, node);
  }

  /** Sizes of the replica's tables, for a leak check. */
  tableSizes(): Record<string, number> {
    return { ...this.replica.tableSizes(), deleting: this.deleting.size, toDelete: this.toDelete.size };
  }

  /**
   * Delete this node's names (awaited, each bounded by the request timeout) and its
   * heartbeat, and stop every watch and timer. Members still here are not told: the
   * server dismisses them before it closes the registry.
   */
  close(): Promise<void> {
    this.shutdown ??= this.shutDown();
    return this.shutdown;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    this.stopFollowing?.();
    this.watch.stop();
    clearTimeout(this.retryTimer);
    for (const claim of this.replica.releaseAll()) if (!claim.lost) this.toDelete.set(claim.folded, claim.revision);
    const deletes = [...this.deleting.values()];
    for (const [folded, revision] of this.toDelete) if (!this.deleting.has(folded)) deletes.push(this.deleteOwn(folded, revision));
    await Promise.all(deletes);
    await this.heartbeats?.close();
  }

  // ---- claims -----------------------------------------------------------------------

  private async claimInBucket(folded: string, member: Member): Promise<boolean> {
    // One bound for the whole claim, the wait below included.
    const deadline = Date.now() + this.timings.requestTimeoutMs;
    // A release of the name from here still in flight lands first (it never rejects, and is bounded).
    await this.deleting.get(folded);
    this.claiming.set(folded, (this.claiming.get(folded) ?? 0) + 1);
    let revision: number | undefined;
    let failure: unknown;
    try {
      revision = await withTimeout(
        this.kv.create(nameKey(folded), encodeClaim({ name: member.name, dialect: member.dialect, node: this.node })),
        Math.max(1, deadline - Date.now()),
        `claim of "${folded}"`,
      );
    } catch (err) {
      if (!isWrongLastSequence(err)) failure = err; // held: the answer is false
    }
    this.claimSettled(folded, revision);
    const left = this.claiming.get(folded)! - 1;
    if (left === 0) this.claiming.delete(folded);
    else this.claiming.set(folded, left);
    if (failure !== undefined) throw failure;
    if (revision === undefined) return false;
    if (!this.closing && this.replica.admit(folded, member, revision)) return true;
    // Closing, or deleted or replaced already (or a member here holds it): not ours to keep.
    this.deleteOwn(folded, revision);
    return false;
  }

  /**
   * A claim of `folded` ended (still counted in `claiming`), taking `revision` (or
   * nothing). A claim of this node the watch showed meanwhile that no claim took is
   * deleted, once no other claim of the name is in flight: a claim that timed out here
   * may still have landed.
   */
  private claimSettled(folded: string, revision: number | undefined): void {
    const seen = this.unowned.get(folded);
    if (seen === undefined) return;
    if (seen === revision) this.unowned.delete(folded);
    else if ((this.claiming.get(folded) ?? 0) <= 1) {
      this.unowned.delete(folded);
      this.deleteOwn(folded, seen);
    }
  }

  // ---- what the replica asks for (ReplicaEffects) -----------------------------------

  orphan(folded: string, revision: number): void {
    if (this.claiming.has(folded)) this.unowned.set(folded, revision);
    else this.deleteOwn(folded, revision);
  }

  reclaim(claim: LocalClaim): void {
    if (this.closing || !this.connected) return; // the reconcile after the reconnect asks again
    this.claimAgain(claim).catch((err: unknown) => {
      this.options.log?.warn({ err, name: claim.member.name }, "cluster: could not claim a user's name again; trying again");
      this.retryLater();
    });
  }

  lost(claim: LocalClaim): void {
    this.options.log?.warn(
      { name: claim.member.name, dialect: claim.member.dialect, holder: claim.successor?.node },
      "cluster: another node claimed this user's name while this one was cut off; disconnecting the user (name_lost)",
    );
    // Not from inside the replica's update: the session may leave (and release) at once.
    queueMicrotask(() => {
      try {
        claim.member.disconnect("name_lost");
      } catch (err) {
        this.options.log?.error({ err, name: claim.member.name }, "cluster: disconnecting a user whose name was lost failed");
      }
    });
  }

  /** Make `claim` again: it was deleted from the bucket while its member is still here. */
  private async claimAgain(claim: LocalClaim): Promise<void> {
    if (this.reclaiming.has(claim)) return;
    this.reclaiming.add(claim);
    try {
      const key = nameKey(claim.folded);
      const value = encodeClaim({ name: claim.member.name, dialect: claim.member.dialect, node: this.node });
      const gone = (): boolean => this.replica.localClaim(claim.folded) !== claim || claim.lost;
      for (let attempt = 1; attempt <= RECLAIM_TRIES; attempt++) {
        if (gone()) return;
        try {
          const revision = await withTimeout(this.kv.create(key, value), this.timings.requestTimeoutMs, `claim of "${claim.folded}" again`);
          if (gone()) {
            this.deleteOwn(claim.folded, revision);
            return;
          }
          this.replica.reclaimed(claim, revision);
          this.options.log?.info({ name: claim.member.name }, "cluster: claimed a user's name again (the bucket had lost its claim)");
          return;
        } catch (err) {
          if (!isWrongLastSequence(err)) throw err;
        }
        // Held: by whom? The watch will tell too; asking settles it now.
        const current = await withTimeout(this.kv.get(key), this.timings.requestTimeoutMs, `reading the claim of "${claim.folded}"`);
        if (gone()) return;
        const holder = current?.operation === "PUT" ? decodeClaim(current.value) : undefined;
        if (current !== null && holder !== undefined) {
          // Ours (an earlier try whose answer was lost) is adopted; another node's keeps the name.
          if (holder.node === this.node) return this.replica.reclaimed(claim, current.revision);
          this.replica.applyClaim(claim.folded, holder, current.revision);
          return;
        }
      }
      throw new Error(`the claim of "${claim.folded}" kept changing`);
    } finally {
      this.reclaiming.delete(claim);
    }
  }

  // ---- deletes ----------------------------------------------------------------------

  /**
   * Delete this node's claim of `folded` at `revision`, only if it is still the last
   * change of the name. Never rejects: a failure is logged and retried (after
   * `intervalMs`, and after a reconnect); "wrong last sequence" means the name changed
   * since, which is what the delete wanted.
   */
  private deleteOwn(folded: string, revision: number): Promise<void> {
    this.toDelete.set(folded, revision);
    const attempt = withTimeout(this.kv.delete(nameKey(folded), { previousSeq: revision }), this.timings.requestTimeoutMs, `release of "${folded}"`)
      .then(
        () => this.deleted(folded, revision),
        (err: unknown) => {
          if (isWrongLastSequence(err)) return this.deleted(folded, revision);
          this.options.log?.warn({ err, name: folded }, "cluster: could not release a name in NATS; trying again");
          this.retryLater();
        },
      )
      .finally(() => {
        if (this.deleting.get(folded) === attempt) this.deleting.delete(folded);
      });
    this.deleting.set(folded, attempt);
    return attempt;
  }

  private deleted(folded: string, revision: number): void {
    if (this.toDelete.get(folded) === revision) this.toDelete.delete(folded);
  }

  private retryDeletes(): void {
    for (const [folded, revision] of this.toDelete) if (!this.deleting.has(folded)) this.deleteOwn(folded, revision);
  }

  /**
   * In `intervalMs`: the deletes that failed, and the claims to make again that failed,
   * once more. While cut off nothing is tried: the reconnect's reconcile does it all.
   */
  private retryLater(): void {
    if (this.closing || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.connected || this.closing) return;
      this.retryDeletes();
      for (const claim of this.replica.localClaims()) if (!claim.lost && !claim.confirmed) this.reclaim(claim);
    }, this.timings.intervalMs);
    this.retryTimer.unref();
  }

  /** A dead node's names: deleted, each at the revision seen here (a name claimed again since is left alone). */
  private async buryNode(node: string): Promise<void> {
    const gone = this.replica.departuresOf(node);
    if (gone.length > 0) {
      try {
        this.options.departed?.(gone);
      } catch (err) {
        this.options.log?.error({ err, node }, "cluster: telling the members here of a dead node's users failed");
      }
    }
    const names = this.replica.namesOf(node);
    for (let i = 0; i < names.length; i += BURY_BATCH) {
      await Promise.all(
        names.slice(i, i + BURY_BATCH).map(([folded, revision]) =>
          withTimeout(this.kv.delete(nameKey(folded), { previousSeq: revision }), this.timings.requestTimeoutMs, `freeing "${folded}"`).catch(
            (err: unknown) => {
              if (!isWrongLastSequence(err)) throw err;
            },
          ),
        ),
      );
    }
    if (names.length > 0) this.options.log?.warn({ node, names: names.length }, "cluster: freed the names of a dead node");
  }

  // ---- the names bucket's watch (BucketFollower) ------------------------------------

  madeAnew(): void {
    this.options.log?.info("cluster: claiming this node's names again in the names bucket made anew");
    this.replica.reset();
    this.unowned.clear();
    this.toDelete.clear();
  }

  entry(entry: KvWatchEntry): void {
    const folded = keyName(entry.key);
    if (entry.operation !== "PUT") return this.replica.applyDeletion(folded, entry.revision);
    const holder = decodeClaim(entry.value);
    if (holder === undefined) {
      this.options.log?.warn({ key: entry.key, revision: entry.revision }, "cluster: a names bucket entry that is not a claim; ignored");
      return;
    }
    this.replica.applyClaim(folded, holder, entry.revision);
    if (holder.node !== this.node) this.heartbeats?.notice(holder.node);
  }

  caughtUp(seen: ReadonlySet<string>, lastRevision: number): void {
    this.replica.reconcile((folded) => seen.has(nameKey(folded)), lastRevision);
    if (this.connected) this.retryDeletes();
  }

  // ---- the connection ---------------------------------------------------------------

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
    // What changed while this node was cut off comes with the new snapshot; caughtUp
    // re-asserts this node's claims and retries its deletes.
    this.watch.resync();
  }

  closed(): void {
    this.connected = false;
    this.watch.stop();
    clearTimeout(this.retryTimer);
  }
}
