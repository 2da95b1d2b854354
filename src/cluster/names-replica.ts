/**
 * This node's copy of the names bucket (docs/cluster.md#names): who holds which name,
 * answered synchronously (find, size, members), kept up to date by the bucket's watch,
 * by other nodes' join and leave events (cluster-names.ts), and by this node's own
 * claims and releases. No I/O here: what the bucket must be told is handed to
 * `ReplicaEffects`, which the registry carries out (cluster-registry.ts).
 *
 * Revisions: every change of a key has a higher revision than the one before, so the
 * replica keeps the newest revision it applied for each key (`revisions` for names held,
 * `tombstones` for names it saw freed) and ignores anything older. That is what lets a
 * watch update and a join event about the same claim come in either order.
 *
 * Members of this node are the real Member objects (`LocalClaim`); other nodes' users
 * are RemoteMembers. A local member whose claim the bucket lost to another node keeps
 * its entry until it leaves (the hub's leave bookkeeping finds it), and the other node's
 * holder takes its place then.
 */
import type { Member } from "../core/ports.js";
import type { ClaimHolder } from "./name-claim-codec.js";
import { RemoteMember } from "./remote-member.js";

/** A name held by a member of this node. */
export interface LocalClaim {
  readonly folded: string;
  readonly member: Member;
  /** The bucket revision of this member's claim. */
  revision: number;
  /** False while the bucket is known not to hold the claim (deleted by another node) and it has not been made again. */
  confirmed: boolean;
  /** Another node's claim of the name is in the bucket: the member was told to go (name_lost). */
  lost: boolean;
  /** While lost: who holds the name in the bucket now, listed once the member has left. */
  successor: RemoteMember | undefined;
}

export interface ReplicaEffects {
  /** The bucket holds a claim of this node's (at `revision`) that no member here holds. */
  orphan(folded: string, revision: number): void;
  /** The bucket no longer holds this member's claim, and holds nobody else's: make it again. */
  reclaim(claim: LocalClaim): void;
  /** Another node's claim of this member's name is in the bucket now: the member must go. */
  lost(claim: LocalClaim): void;
}

/**
 * How many freed names keep their revision. A tombstone only has to outlive the late
 * updates about its name (a watch update or a join event still on its way), which take
 * milliseconds; the oldest is forgotten first, so memory stays bounded however many
 * distinct names come and go.
 */
export const MAX_TOMBSTONES = 10_000;

/**
 * How long another node's user, deleted from the bucket with no leave event from its node
 * yet, is remembered as possibly departed unannounced: longer than a dead node takes to
 * be found dead (node-heartbeats.ts: about 11 s), so that its finders can still tell
 * their members it left.
 */
export const UNANNOUNCED_KEEP_MS = 30_000;

export class NamesReplica {
  /** folded -> holder, in join order: what find, size and members answer. */
  private readonly holders = new Map<string, Member>();
  /** folded -> the newest revision applied, for every name in `holders`. */
  private readonly revisions = new Map<string, number>();
  /** folded -> the revision of its deletion, for names seen freed (oldest first). */
  private readonly tombstones = new Map<string, number>();
  /** This node's claims, in join order. */
  private readonly locals = new Map<string, LocalClaim>();
  /** folded -> member for `locals`, so localMembers() is a plain Map iterator (the router walks it per event). */
  private readonly localHolders = new Map<string, Member>();
  private readonly byMember = new Map<Member, LocalClaim>();
  /**
   * Other nodes' users the bucket deleted with no leave event from their node (yet),
   * oldest first: if their node turns out dead, nobody else will say they left
   * (departuresOf). A leave event that comes late takes them off.
   */
  private readonly unannounced = new Map<string, { readonly node: string; readonly name: string; readonly at: number }>();
  /** Other nodes' members already said to have departed (departuresOf), so none is said twice. */
  private readonly announced = new WeakSet<Member>();

  constructor(
    readonly node: string,
    private readonly effects: ReplicaEffects,
  ) {}

  // ---- reads ------------------------------------------------------------------------

  find(folded: string): Member | undefined {
    return this.holders.get(folded);
  }

  get size(): number {
    return this.holders.size;
  }

  members(): IterableIterator<Member> {
    return this.holders.values();
  }

  /** Members of this node holding names. */
  get localCount(): number {
    return this.locals.size;
  }

  localMembers(): IterableIterator<Member> {
    return this.localHolders.values();
  }

  findLocal(folded: string): Member | undefined {
    return this.localHolders.get(folded);
  }

  localClaim(folded: string): LocalClaim | undefined {
    return this.locals.get(folded);
  }

  localClaims(): IterableIterator<LocalClaim> {
    return this.locals.values();
  }

  claimRevision(member: Member): number | undefined {
    const claim = this.byMember.get(member);
    return claim === undefined || claim.lost ? undefined : claim.revision;
  }

  /** The names `node` holds here, with their revisions (also those waiting behind a lost local member). */
  namesOf(node: string): [folded: string, revision: number][] {
    const out: [string, number][] = [];
    for (const [folded, holder] of this.holders) {
      if (holder.node === node) out.push([folded, this.revisions.get(folded)!]);
    }
    for (const claim of this.locals.values()) {
      if (claim.successor?.node === node) out.push([claim.folded, this.revisions.get(claim.folded)!]);
    }
    return out;
  }

  /**
   * The display names of `node`'s users, now that it is found dead: those still held here
   * and those the bucket deleted with no leave event from it, each given once, ever.
   */
  departuresOf(node: string, now = Date.now()): string[] {
    this.forgetUnannounced(now);
    const names: string[] = [];
    for (const holder of this.holders.values()) {
      if (holder.node !== node || this.announced.has(holder)) continue;
      this.announced.add(holder);
      names.push(holder.name);
    }
    for (const [folded, gone] of this.unannounced) {
      if (gone.node !== node) continue;
      this.unannounced.delete(folded);
      names.push(gone.name);
    }
    return names;
  }

  /** The other nodes holding names here. */
  remoteNodes(): Set<string> {
    const nodes = new Set<string>();
    for (const holder of this.holders.values()) if (holder.node !== undefined) nodes.add(holder.node);
    return nodes;
  }

  /** Sizes of the tables, for a leak check. */
  tableSizes(): Record<string, number> {
    return { holders: this.holders.size, tombstones: this.tombstones.size, locals: this.locals.size, unannounced: this.unannounced.size };
  }

  // ---- what the bucket says ---------------------------------------------------------

  /** The bucket (or a join event) says `holder` claimed `folded` at `revision`. Returns false when that was old news. */
  applyClaim(folded: string, holder: ClaimHolder, revision: number): boolean {
    if (!this.isNewer(folded, revision)) return false;
    this.tombstones.delete(folded);
    this.revisions.set(folded, revision);
    const local = this.locals.get(folded);
    if (local !== undefined) {
      if (holder.node === this.node) {
        // Ours: a claim made again whose answer has not come yet (or was lost).
        if (!local.lost) {
          local.revision = revision;
          local.confirmed = true;
        }
        return true;
      }
      local.successor = new RemoteMember(holder.name, holder.dialect, holder.node);
      if (!local.lost) {
        local.lost = true;
        this.effects.lost(local);
      }
      return true;
    }
    // A new claim is a new join: it goes to the end of the join order.
    this.holders.delete(folded);
    if (holder.node === this.node) {
      this.revisions.delete(folded);
      this.effects.orphan(folded, revision);
      return true;
    }
    this.holders.set(folded, new RemoteMember(holder.name, holder.dialect, holder.node));
    return true;
  }

  /** The bucket says `folded` was deleted at `revision`. */
  applyDeletion(folded: string, revision: number): void {
    if (!this.isNewer(folded, revision)) return;
    const local = this.locals.get(folded);
    if (local !== undefined) {
      this.revisions.set(folded, revision);
      if (local.lost) local.successor = undefined;
      else if (local.confirmed) {
        // Deleted by another node: a survivor took this node for dead while it was cut off.
        local.confirmed = false;
        this.effects.reclaim(local);
      }
      return;
    }
    const holder = this.holders.get(folded);
    if (holder?.node !== undefined && !this.announced.has(holder)) this.rememberUnannounced(folded, holder.node, holder.name);
    this.holders.delete(folded);
    this.revisions.delete(folded);
    this.bury(folded, revision);
  }

  /** Another node said its user under `folded` left: drop the entry if `node` still holds it here. */
  applyLeave(folded: string, node: string): void {
    if (node === this.node) return;
    if (this.unannounced.get(folded)?.node === node) this.unannounced.delete(folded); // its node said so after all
    const local = this.locals.get(folded);
    if (local !== undefined) {
      if (local.successor?.node === node) local.successor = undefined;
      return;
    }
    const holder = this.holders.get(folded);
    if (holder === undefined || holder.node !== node) return;
    const revision = this.revisions.get(folded)!;
    this.holders.delete(folded);
    this.revisions.delete(folded);
    this.bury(folded, revision);
  }

  /**
   * A snapshot of the whole bucket is in (after a start or a reconnect): names it did
   * not mention at all are not in the bucket. Other nodes' entries among them go; this
   * node's claims among them are made again (NATS lost them, or they never landed).
   * Entries newer than the snapshot are left alone: they came after it.
   */
  reconcile(present: (folded: string) => boolean, lastRevision: number): void {
    for (const [folded, holder] of this.holders) {
      if (holder.node === undefined || present(folded) || this.revisions.get(folded)! > lastRevision) continue;
      this.holders.delete(folded);
      this.revisions.delete(folded);
    }
    for (const local of this.locals.values()) {
      if (local.lost) continue;
      const absent = !present(local.folded) && local.revision <= lastRevision;
      if (absent) local.confirmed = false;
      if (!local.confirmed) this.effects.reclaim(local);
    }
  }

  /**
   * The bucket was lost and made anew (its revisions start over, below ours): forget every
   * other node's entry and every revision; this node's claims are made again at reconcile.
   */
  reset(): void {
    for (const [folded, holder] of [...this.holders]) if (holder.node !== undefined) this.holders.delete(folded);
    this.revisions.clear();
    this.tombstones.clear();
    for (const local of this.locals.values()) {
      local.revision = 0;
      local.successor = undefined;
      this.revisions.set(local.folded, 0);
    }
  }

  // ---- this node's members ----------------------------------------------------------

  /**
   * `member`'s claim of `folded` landed in the bucket at `revision`: it holds the name
   * now, unless the replica already knows of a newer change of the name (the claim was
   * deleted or replaced since), or a member here holds it. Returns whether it holds it.
   */
  admit(folded: string, member: Member, revision: number): boolean {
    if (this.locals.has(folded)) return false;
    const newest = this.revisions.get(folded) ?? this.tombstones.get(folded) ?? 0;
    if (newest > revision) return false;
    this.tombstones.delete(folded);
    this.holders.delete(folded); // another node's earlier holder, whose deletion the watch has not brought yet
    this.holders.set(folded, member);
    this.revisions.set(folded, revision);
    const claim: LocalClaim = { folded, member, revision, confirmed: true, lost: false, successor: undefined };
    this.locals.set(folded, claim);
    this.localHolders.set(folded, member);
    this.byMember.set(member, claim);
    return true;
  }

  /** A claim of this member's made again landed at `revision`. */
  reclaimed(claim: LocalClaim, revision: number): void {
    claim.revision = revision;
    claim.confirmed = true;
    if (revision > (this.revisions.get(claim.folded) ?? 0)) this.revisions.set(claim.folded, revision);
  }

  /**
   * `member` gives up `folded`: returns its claim when it held it (the caller deletes it
   * from the bucket unless it was lost), undefined otherwise.
   */
  release(folded: string, member: Member): LocalClaim | undefined {
    const claim = this.locals.get(folded);
    if (claim === undefined || claim.member !== member) return undefined;
    this.locals.delete(folded);
    this.localHolders.delete(folded);
    if (this.byMember.get(member) === claim) this.byMember.delete(member);
    this.holders.delete(folded);
    const revision = Math.max(this.revisions.get(folded) ?? 0, claim.revision);
    if (claim.lost && claim.successor !== undefined) {
      this.holders.set(folded, claim.successor);
      return claim;
    }
    this.revisions.delete(folded);
    this.bury(folded, revision);
    return claim;
  }

  /** Every local claim, dropped at once (the registry closes). */
  releaseAll(): LocalClaim[] {
    const claims = [...this.locals.values()];
    for (const claim of claims) this.release(claim.folded, claim.member);
    return claims;
  }

  // ---- revisions --------------------------------------------------------------------

  private isNewer(folded: string, revision: number): boolean {
    const known = this.revisions.get(folded) ?? this.tombstones.get(folded);
    return known === undefined || revision > known;
  }

  private rememberUnannounced(folded: string, node: string, name: string, now = Date.now()): void {
    this.forgetUnannounced(now);
    this.unannounced.delete(folded);
    this.unannounced.set(folded, { node, name, at: now });
    if (this.unannounced.size > MAX_TOMBSTONES) this.unannounced.delete(this.unannounced.keys().next().value!);
  }

  /** Entries older than UNANNOUNCED_KEEP_MS: their node lived on (it said they left, or will never need to). */
  private forgetUnannounced(now: number): void {
    for (const [folded, gone] of this.unannounced) {
      if (now - gone.at <= UNANNOUNCED_KEEP_MS) break; // oldest first
      this.unannounced.delete(folded);
    }
  }

  private bury(folded: string, revision: number): void {
    this.tombstones.delete(folded);
    this.tombstones.set(folded, revision);
    if (this.tombstones.size > MAX_TOMBSTONES) this.tombstones.delete(this.tombstones.keys().next().value!);
  }
}
