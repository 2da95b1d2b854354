/**
 * Calls to JetStream that end in bounded time, and what their failures mean
 * (docs/cluster.md#failures): a port method that cannot reach NATS rejects within its
 * timeout instead of waiting for a reconnect that may never come.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";

export class ClusterTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer from NATS within ${ms} ms`);
    this.name = "ClusterTimeoutError";
  }
}

/**
 * `call` or a ClusterTimeoutError after `ms`. The call itself goes on (NATS has no
 * cancel), so its own late rejection is swallowed here: never an unhandled rejection.
 */
export function withTimeout<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClusterTimeoutError(what, ms)), ms);
  });
  call.catch(() => {});
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

/**
 * True when a write was refused because the key changed since the revision it named
 * (`kv.create` of a key that holds a value, `kv.delete` with a `previousSeq` that is no
 * longer the last): an answer about the bucket's content, not a failure to reach it.
 */
export function isWrongLastSequence(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** True when the bucket's stream is not in NATS (deleted, or a server that lost its store). */
export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}
