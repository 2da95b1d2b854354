/**
 * What the cluster's router asks of the cluster's name registry (the registry is
 * cluster-registry.ts, the router cluster-router.ts): which members are on this node,
 * and what other nodes' presence events say about the registry's replica.
 *
 * Why the router tells the registry about joins and leaves: a node learns of another
 * node's claim twice, from the names bucket's watch and from the join event the claimant
 * broadcasts, over two paths that may arrive in either order. A user shown "X has
 * connected" who then asks for the list must find X in it, so the event updates the
 * replica first; the replica keeps revisions so that a late watch update of an older
 * revision never undoes a newer change.
 */
import type { Member, NameRegistry } from "../core/ports.js";

/** One claim as the names bucket holds it. */
export interface NameClaim {
  readonly folded: string;
  /** The display name, as its user chose it. */
  readonly name: string;
  readonly dialect: string;
  /** The node the user is logged in on. */
  readonly node: string;
  /** The names bucket's revision of the claim. */
  readonly revision: number;
}

export interface ClusterNames extends NameRegistry {
  /** This node's name. */
  readonly node: string;
  /** The members logged in on this node, in join order. */
  localMembers(): IterableIterator<Member>;
  /** The member on this node holding `folded`, if any. */
  findLocal(folded: string): Member | undefined;
  /** The bucket revision of `member`'s claim, while it holds its name on this node. */
  claimRevision(member: Member): number | undefined;
  /** Another node broadcast that `claim` joined: put it in the replica unless a newer revision is there. */
  sawJoin(claim: NameClaim): void;
  /** Another node broadcast that its user under `folded` left: drop it from the replica if `node` still holds it there. */
  sawLeave(folded: string, node: string): void;
}
