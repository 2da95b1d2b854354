/**
 * The names replica's rules (src/cluster/names-replica.ts), without NATS: updates of one
 * name arriving in any order, from the watch and from join and leave events, and what
 * the replica asks the registry to do about this node's claims.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TOMBSTONES, NamesReplica, UNANNOUNCED_KEEP_MS, type LocalClaim } from "../../src/cluster/names-replica.js";
import { QuietMember } from "../helpers/quiet-member.js";

function replica(): { names: NamesReplica; asked: string[] } {
  const asked: string[] = [];
  const names = new NamesReplica("A", {
    orphan: (folded, revision) => void asked.push(`orphan ${folded}@${revision}`),
    reclaim: (claim: LocalClaim) => void asked.push(`reclaim ${claim.folded}`),
    lost: (claim: LocalClaim) => void asked.push(`lost ${claim.folded} to ${claim.successor?.node}`),
  });
  return { names, asked };
}

const onB = (name: string) => ({ name, dialect: "lab", node: "B" });
const listed = (names: NamesReplica): string[] => [...names.members()].map((m) => `${m.name}@${m.node ?? "here"}`);

describe("the names replica: users of a node found dead", () => {
  it("gives each of the dead node's users once: those still held, and those the bucket deleted with no leave from their node", () => {
    const { names } = replica();
    names.applyClaim("xena", onB("Xena"), 5);
    names.applyClaim("yuri", onB("Yuri"), 6);
    names.applyClaim("zoe", onB("Zoe"), 7);
    names.applyClaim("carl", { name: "Carl", dialect: "lab", node: "C" }, 8);
    names.applyDeletion("yuri", 9); // another survivor freed it first: no leave event will come
    names.applyDeletion("zoe", 10); // a user who left normally: the leave event follows the deletion
    names.applyLeave("zoe", "B");
    assert.deepEqual(names.departuresOf("B").sort(), ["Xena", "Yuri"]);
    assert.deepEqual(names.departuresOf("B"), [], "each is given once");
    names.applyDeletion("xena", 11); // the bucket catches up: not given again
    assert.deepEqual(names.departuresOf("B"), []);
    assert.deepEqual(names.departuresOf("C"), ["Carl"]);
  });

  it("forgets deletions of a node that lived on", () => {
    const { names } = replica();
    names.applyClaim("xena", onB("Xena"), 5);
    names.applyDeletion("xena", 6);
    assert.equal(names.tableSizes()["unannounced"], 1);
    assert.deepEqual(names.departuresOf("B", Date.now() + UNANNOUNCED_KEEP_MS + 1), []);
    assert.equal(names.tableSizes()["unannounced"], 0);
  });
});

describe("the names replica", () => {
  it("takes a join event and the watch's update of the same claim in either order, once", () => {
    const { names } = replica();
    names.applyClaim("xena", onB("Xena"), 5); // the join event
    names.applyClaim("yuri", onB("Yuri"), 6);
    names.applyClaim("xena", onB("Xena"), 5); // the watch, later
    assert.deepEqual(listed(names), ["Xena@B", "Yuri@B"]);
    assert.equal(names.size, 2);
  });

  it("does not let an update older than a leave bring the name back", () => {
    const { names } = replica();
    names.applyClaim("xena", onB("Xena"), 5);
    names.applyLeave("xena", "B");
    names.applyClaim("xena", onB("Xena"), 5); // the watch's update of the claim, late
    assert.equal(names.find("xena"), undefined);
    names.applyDeletion("xena", 7);
    names.applyClaim("xena", onB("Xena"), 6); // older than the deletion
    assert.equal(names.find("xena"), undefined);
    names.applyClaim("xena", { name: "XENA", dialect: "udp", node: "C" }, 8);
    assert.equal(names.find("xena")?.node, "C");
  });

  it("ignores a leave from a node that no longer holds the name", () => {
    const { names } = replica();
    names.applyClaim("xena", { name: "Xena", dialect: "lab", node: "C" }, 9);
    names.applyLeave("xena", "B");
    assert.equal(names.find("xena")?.node, "C");
  });

  it("keeps this node's members as they are, and asks to delete a claim of this node no member holds", () => {
    const { names, asked } = replica();
    const ann = new QuietMember("Ann");
    assert.equal(names.admit("ann", ann, 3), true);
    names.applyClaim("ann", { name: "Ann", dialect: "test", node: "A" }, 3); // the watch's update of our own claim
    assert.equal(names.find("ann"), ann);
    assert.equal(names.claimRevision(ann), 3);
    assert.deepEqual([...names.localMembers()], [ann]);
    names.applyClaim("old", { name: "Old", dialect: "lab", node: "A" }, 4); // left by an earlier run of this node
    assert.deepEqual(asked, ["orphan old@4"]);
    assert.equal(names.find("old"), undefined);
  });

  it("asks to claim again a name of this node's that another node deleted, and keeps its member meanwhile", () => {
    const { names, asked } = replica();
    const ann = new QuietMember("Ann");
    names.admit("ann", ann, 3);
    names.applyDeletion("ann", 4);
    assert.deepEqual(asked, ["reclaim ann"]);
    assert.equal(names.find("ann"), ann);
    names.applyDeletion("ann", 4); // the same news again: asked once
    assert.deepEqual(asked, ["reclaim ann"]);
    names.reclaimed(names.localClaim("ann")!, 5);
    assert.equal(names.claimRevision(ann), 5);
  });

  it("tells a member whose name another node claimed to go, lists it until it leaves, then the other node's holder", () => {
    const { names, asked } = replica();
    const ann = new QuietMember("Ann");
    const bea = new QuietMember("Bea");
    names.admit("ann", ann, 3);
    names.admit("bea", bea, 4);
    names.applyClaim("ann", onB("ANN"), 6);
    names.applyClaim("ann", onB("ANN"), 6);
    assert.deepEqual(asked, ["lost ann to B"]);
    assert.equal(names.find("ann"), ann, "the hub's leave finds it");
    assert.equal(names.claimRevision(ann), undefined, "no claim in the bucket any more");
    const released = names.release("ann", ann)!;
    assert.equal(released.lost, true, "the registry deletes nothing for it");
    assert.deepEqual(listed(names), ["Bea@here", "ANN@B"]);
  });

  it("refuses a claim that landed before a change of the name it already knows of", () => {
    const { names } = replica();
    names.applyClaim("cid", onB("Cid"), 5);
    names.applyDeletion("cid", 8);
    assert.equal(names.admit("cid", new QuietMember("Cid"), 7), false, "deleted at 8: the claim at 7 is gone");
    assert.equal(names.admit("cid", new QuietMember("Cid"), 9), true);
  });

  it("drops other nodes' names a full snapshot did not mention, and claims again this node's", () => {
    const { names, asked } = replica();
    names.applyClaim("gone", onB("Gone"), 2);
    names.applyClaim("late", onB("Late"), 12); // after the snapshot began
    names.admit("ann", new QuietMember("Ann"), 3);
    names.reconcile(() => false, 10);
    assert.deepEqual(listed(names), ["Late@B", "Ann@here"]);
    assert.deepEqual(asked, ["reclaim ann"]);
  });

  it("forgets every revision when the bucket was made anew", () => {
    const { names, asked } = replica();
    names.applyClaim("bob", onB("Bob"), 40);
    names.applyDeletion("cid", 41);
    names.admit("ann", new QuietMember("Ann"), 42);
    names.reset();
    names.applyClaim("cid", onB("Cid"), 1); // revisions start over
    names.reconcile((folded) => folded === "cid", 1);
    assert.deepEqual(listed(names), ["Ann@here", "Cid@B"]);
    assert.deepEqual(asked, ["reclaim ann"]);
  });

  it("keeps at most MAX_TOMBSTONES freed names", () => {
    const { names } = replica();
    for (let i = 0; i < MAX_TOMBSTONES + 10; i++) names.applyDeletion(`n${i}`, i + 1);
    assert.equal(names.tableSizes()["tombstones"], MAX_TOMBSTONES);
  });
});
