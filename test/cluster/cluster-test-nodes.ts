/**
 * What the cluster registry's tests share: NATS connections that come back after a
 * restart or a cut, heartbeat timings short enough for a fast test, a member that
 * records why it was told to go, and a direct look into the names bucket.
 */
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { HeartbeatTimings } from "../../src/cluster/node-heartbeats.js";
import { nameKey, type ClusterKeys } from "../../src/cluster/keys.js";
import { decodeClaim, type ClaimHolder } from "../../src/cluster/name-claim-codec.js";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import type { Member } from "../../src/core/ports.js";

/** Heartbeats every 100 ms, dead after 800 ms of silence, NATS calls bounded at 1.5 s, watches checked every second. */
export const FAST: HeartbeatTimings = { intervalMs: 100, deadAfterMs: 800, checkEveryMs: 100, requestTimeoutMs: 1_500, watchCheckMs: 1_000 };

/** A connection that keeps trying to come back (as the server's own does), quickly. */
export function connectNode(url: string): Promise<NatsConnection> {
  return connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100, ignoreClusterUpdates: true });
}

/** A member that takes every event and keeps the reasons it was told to go. */
export class RecordingMember implements Member {
  readonly dialect = "test";
  readonly reasons: DisconnectReason[] = [];
  constructor(readonly name: string) {}
  deliver(_event: HubEvent): boolean {
    return true;
  }
  disconnect(reason: DisconnectReason): void {
    this.reasons.push(reason);
  }
}

/** Who the names bucket says holds `folded` (undefined: nobody), read straight from NATS. */
export async function holderInBucket(nc: NatsConnection, keys: ClusterKeys, folded: string): Promise<ClaimHolder | undefined> {
  const kv = await new Kvm(nc).open(keys.namesBucket);
  const entry = await kv.get(nameKey(folded));
  return entry === null || entry.operation !== "PUT" ? undefined : decodeClaim(entry.value);
}
