/**
 * The cluster's Router (docs/cluster.md#routing): events reach members here at once, as
 * the local router delivers them, and members of other nodes over NATS core subjects.
 *
 * - A broadcast is delivered to this node's members, then published once on the events
 *   subject; every other node delivers it to its own members (joins and leaves only to
 *   those that show them), after telling its registry replica of the join or leave.
 * - A unicast to a member here is delivered now, synchronously; one to a member of
 *   another node joins that node's batch of direct messages (direct-batches.ts) and is
 *   answered once that node has queued it, or rejects when NATS could not carry it.
 * - This node answers the batches sent to its direct subject: each message to the member
 *   here holding its name, one answer byte per message.
 *
 * NATS calls the subscription callbacks from its parser: nothing may throw out of them.
 */
import type { NatsConnection, Msg, Subscription } from "@nats-io/transport-node";
import type { HubEvent } from "../core/events.js";
import { foldName } from "../core/names.js";
import type { Member, Router, RouterHost } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import type { ClusterNames } from "./cluster-names.js";
import { DEFAULT_DIRECT_BATCH_OPTIONS, DirectBatches, DirectUnreachableError, type DirectBatchOptions } from "./direct-batches.js";
import { decodeBroadcast, decodeDirectBatch, encodeBroadcast, NOT_QUEUED, QUEUED, type Broadcast } from "./event-codec.js";
import type { ClusterKeys } from "./keys.js";

export interface ClusterRouterOptions extends DirectBatchOptions {
  logger?: Logger;
  /** False while the NATS connection is down (nats-connection.ts); default: always up. */
  connected?: () => boolean;
}

const NONE: Member[] = [];
const EMPTY = new Uint8Array(0);

export class ClusterRouter implements Router {
  private host: RouterHost;
  private readonly batches: DirectBatches;
  private readonly log: Logger | undefined;
  private readonly drainTimeoutMs: number;
  private subscriptions: Subscription[] = [];
  private closed = false;
  private readonly connected: () => boolean;

  constructor(
    private readonly nc: NatsConnection,
    private readonly keys: ClusterKeys,
    private readonly names: ClusterNames,
    options: ClusterRouterOptions = {},
  ) {
    this.log = options.logger;
    this.connected = options.connected ?? (() => true);
    this.batches = new DirectBatches(nc, (node) => keys.directSubject(node), options);
    this.drainTimeoutMs = options.timeoutMs ?? DEFAULT_DIRECT_BATCH_OPTIONS.timeoutMs;
    // Until a hub attaches, members that fail are only logged.
    this.host = {
      undelivered: (member) => this.log?.warn({ member: member.name }, "cluster: a member did not take an event (no hub attached)"),
      threw: (member, err) => this.log?.error({ err, member: member.name }, "cluster: a member's deliver threw (no hub attached)"),
    };
  }

  attach(host: RouterHost): void {
    this.host = host;
  }

  /**
   * A broadcast reaches the other nodes only while NATS carries it: what the client
   * buffers while reconnecting is dropped on reconnect, so the hub refuses lobby
   * messages meanwhile (docs/cluster.md#failures) rather than reach only this node.
   */
  reachable(): boolean {
    return !this.closed && this.connected();
  }

  /**
   * Take other nodes' events and this node's direct messages. Subscribes at once; resolves
   * once the server has the subscriptions (other nodes' requests then find this node).
   */
  async start(): Promise<void> {
    if (this.subscriptions.length > 0 || this.closed) throw new Error("cluster router: start() once, before close()");
    this.subscriptions = [
      this.nc.subscribe(this.keys.eventsSubject, { callback: (err, msg) => this.eventsOnMessage(err, msg) }),
      this.nc.subscribe(this.keys.directSubject(this.names.node), { callback: (err, msg) => this.directOnMessage(err, msg) }),
    ];
    await withTimeout(this.nc.flush(), this.drainTimeoutMs, "subscribing to the events and direct subjects");
  }

  /**
   * Stop taking events and direct messages (those already received are handled), send
   * the direct messages gathered so far, and refuse new ones to other nodes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batches.close();
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((sub) => this.drain(sub)));
  }

  /** Direct messages to other nodes not answered yet (a leak check). */
  get waiting(): number {
    return this.batches.waiting;
  }

  broadcast(event: HubEvent, except: Member | undefined, audience: Iterable<Member> = this.names.localMembers()): Member[] {
    let failed = NONE;
    for (const member of audience) {
      if (member === except || member.node !== undefined) continue;
      if (!this.deliverHere(member, event)) {
        if (failed === NONE) failed = [];
        failed.push(member);
      }
    }
    if (event.kind !== "direct") this.publish(event, except);
    return failed;
  }

  unicast(member: Member, event: HubEvent): boolean | Promise<boolean> {
    // A member here: now, on the caller's stack (a split delivery is marked around it).
    if (member.node === undefined) return this.deliverHere(member, event);
    if (event.kind !== "direct") {
      return Promise.reject(new DirectUnreachableError(member.node, `only direct messages go to one member of another node, not "${event.kind}"`));
    }
    return this.batches.send(member.node, foldName(member.name), event.from, event.text);
  }

  /** `event` to a member here: false when it did not take it or threw (reported to the host). */
  private deliverHere(member: Member, event: HubEvent): boolean {
    // The session boundary, as in the local router: a throw ends the recipient, not the sender.
    try {
      return member.deliver(event);
    } catch (err) {
      this.host.threw(member, err);
      return false;
    }
  }

  /** This node's public event, for the other nodes (fire-and-forget). */
  private publish(event: Exclude<HubEvent, { kind: "direct" }>, by: Member | undefined): void {
    if (this.closed) return;
    const node = this.names.node;
    let envelope: Broadcast;
    if (event.kind === "join") {
      const folded = foldName(event.name);
      // The joiner's claim revision lets a receiver's replica order this against its watch
      // (0 when the registry has none: older than anything a replica holds).
      const revision = (by && this.names.claimRevision(by)) ?? 0;
      envelope = { origin: node, event, claim: { folded, name: event.name, dialect: by?.dialect ?? "", node, revision } };
    } else if (event.kind === "leave") {
      envelope = { origin: node, event, folded: foldName(event.name) };
    } else {
      envelope = { origin: node, event };
    }
    try {
      this.nc.publish(this.keys.eventsSubject, encodeBroadcast(envelope));
    } catch (err) {
      // The connection is closed or draining: the other nodes miss this one (docs/cluster.md#failures).
      this.log?.warn({ err, kind: event.kind }, "cluster: could not publish an event to the other nodes");
    }
  }

  /** Another node's public event: to the members here (and its join or leave to the registry replica first). */
  private eventsOnMessage(err: Error | null, msg: Msg): void {
    if (err) {
      this.log?.error({ err }, "cluster: the events subscription failed");
      return;
    }
    let b: Broadcast;
    try {
      b = decodeBroadcast(msg.data);
    } catch (decodeErr) {
      this.log?.warn({ err: decodeErr, bytes: msg.data.length }, "cluster: dropped an event envelope that does not decode");
      return;
    }
    if (b.origin === this.names.node) return; // our own, delivered here when it was sent
    try {
      this.deliverFromElsewhere(b);
    } catch (deliverErr) {
      this.log?.error({ err: deliverErr, origin: b.origin, kind: b.event.kind }, "cluster: failed to hand on another node's event");
    }
  }

  /**
   * Users of a node found dead (cluster-registry.ts): nobody is left to broadcast their
   * leaves, so the members here that show presence are told as if their node had.
   */
  departed(names: readonly string[]): void {
    for (const name of names) this.deliverToMembersHere({ kind: "leave", name });
  }

  private deliverFromElsewhere(b: Broadcast): void {
    const event = b.event;
    // Before the members hear of it: one shown "X has connected" who asks for the list finds X.
    try {
      if (b.claim !== undefined) this.names.sawJoin(b.claim);
      else if (b.folded !== undefined) this.names.sawLeave(b.folded, b.origin);
    } catch (err) {
      this.log?.error({ err, origin: b.origin, kind: event.kind }, "cluster: the registry refused another node's join or leave");
    }
    this.deliverToMembersHere(event);
  }

  /** Another node's event to the members here: joins and leaves only to those that show presence. */
  private deliverToMembersHere(event: HubEvent): void {
    const presence = event.kind === "join" || event.kind === "leave";
    let failed = NONE;
    for (const member of this.names.localMembers()) {
      if (member.node !== undefined || (presence && member.wantsPresence === false)) continue;
      if (!this.deliverHere(member, event)) {
        if (failed === NONE) failed = [];
        failed.push(member);
      }
    }
    // After the loop: dropping a member changes the registry being walked.
    for (const member of failed) this.host.undelivered(member);
  }

  /** A batch of direct messages for members here: deliver each, answer one byte per message. */
  private directOnMessage(err: Error | null, msg: Msg): void {
    if (err) {
      this.log?.error({ err }, "cluster: the direct-message subscription failed");
      return;
    }
    try {
      this.answerBatch(msg);
    } catch (answerErr) {
      // The sender's sends then reject (an answer of the wrong length, or its timeout).
      this.log?.error({ err: answerErr }, "cluster: failed to answer a batch of direct messages");
      respond(msg, EMPTY, this.log);
    }
  }

  private answerBatch(msg: Msg): void {
    const entries = decodeDirectBatch(msg.data);
    const answers = Buffer.allocUnsafe(entries.length);
    let failed = NONE;
    for (let i = 0; i < entries.length; i++) {
      const { to, from, text } = entries[i]!;
      const member = this.names.findLocal(to);
      // A member that did not take one message of the batch is being dropped: none of the rest.
      if (member === undefined || member.node !== undefined || (failed !== NONE && failed.includes(member))) {
        answers[i] = NOT_QUEUED;
        continue;
      }
      if (this.deliverHere(member, { kind: "direct", from, text })) {
        answers[i] = QUEUED;
      } else {
        answers[i] = NOT_QUEUED;
        if (failed === NONE) failed = [];
        failed.push(member);
      }
    }
    respond(msg, answers, this.log);
    // The sender's node does not drop a member of ours: we do (DirectMessages.delivered).
    for (const member of failed) this.host.undelivered(member);
  }

  private async drain(sub: Subscription): Promise<void> {
    if (this.nc.isClosed() || sub.isClosed()) return;
    try {
      await withTimeout(sub.drain(), this.drainTimeoutMs, "draining a subscription");
    } catch (err) {
      if (!this.nc.isClosed()) sub.unsubscribe();
      this.log?.warn({ err, subject: sub.getSubject() }, "cluster: a router subscription did not drain; unsubscribed");
    }
  }
}

/** Answer a request; a plain publish (no reply subject) has nobody to answer. */
function respond(msg: Msg, data: Uint8Array, log: Logger | undefined): void {
  try {
    msg.respond(data);
  } catch (err) {
    // The connection closed meanwhile: the sender's sends reject on their timeout.
    log?.warn({ err }, "cluster: could not answer a batch of direct messages");
  }
}

/** `promise`, or a rejection after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cluster router: ${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
