/**
 * A ClusterNames for the router's tests (the real one, over the names bucket, is
 * src/cluster/cluster-registry.ts): this node's members in a LocalNameRegistry, other
 * nodes' in a Map filled only by the joins and leaves the router hands it. It keeps a
 * log of those calls, so a test can see that the registry heard of a join before any
 * member did.
 */
import type { ClusterNames, NameClaim } from "../../src/cluster/cluster-names.js";
import { LocalNameRegistry } from "../../src/core/local-registry.js";
import type { HubEvent } from "../../src/core/events.js";
import type { Member } from "../../src/core/ports.js";

/** A member of another node as a replica lists it: the hub never calls its deliver or disconnect. */
class RemoteMember implements Member {
  constructor(
    readonly name: string,
    readonly dialect: string,
    readonly node: string,
    readonly revision: number,
  ) {}
  deliver(_event: HubEvent): boolean {
    throw new Error(`deliver called on ${this.name} of node ${this.node}: only its own node may`);
  }
  disconnect(): void {
    throw new Error(`disconnect called on ${this.name} of node ${this.node}: only its own node may`);
  }
}

export class TestClusterNames implements ClusterNames {
  private readonly local = new LocalNameRegistry();
  private readonly remote = new Map<string, RemoteMember>();
  private readonly revisions = new WeakMap<Member, number>();
  private nextRevision = 1;
  /** "sawJoin <folded> <node> <revision>" and "sawLeave <folded> <node>", in the order heard. */
  readonly heard: string[] = [];

  constructor(readonly node: string) {}

  claim(folded: string, member: Member): boolean {
    if (this.remote.has(folded) || !this.local.claim(folded, member)) return false;
    this.revisions.set(member, this.nextRevision++);
    return true;
  }

  release(folded: string, member: Member): void {
    this.local.release(folded, member);
  }

  find(folded: string): Member | undefined {
    return this.local.find(folded) ?? this.remote.get(folded);
  }

  get size(): number {
    return this.local.size + this.remote.size;
  }

  *members(): IterableIterator<Member> {
    yield* this.local.members();
    yield* this.remote.values();
  }

  localMembers(): IterableIterator<Member> {
    return this.local.members();
  }

  findLocal(folded: string): Member | undefined {
    return this.local.find(folded);
  }

  claimRevision(member: Member): number | undefined {
    return this.revisions.get(member);
  }

  sawJoin(claim: NameClaim): void {
    this.heard.push(`sawJoin ${claim.folded} ${claim.node} ${claim.revision}`);
    const held = this.remote.get(claim.folded);
    if (held !== undefined && held.revision >= claim.revision) return;
    this.remote.set(claim.folded, new RemoteMember(claim.name, claim.dialect, claim.node, claim.revision));
  }

  sawLeave(folded: string, node: string): void {
    this.heard.push(`sawLeave ${folded} ${node}`);
    if (this.remote.get(folded)?.node === node) this.remote.delete(folded);
  }
}
