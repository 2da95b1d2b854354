/**
 * Calls to JetStream that end in bounded time, and what their failures mean
 * (docs/cluster.md#failures): a port method that cannot reach NATS rejects within its
 * timeout instead of waiting for a reconnect that may never come.
 */
import { errors } from "@nats-io/transport-node";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";

/** JetStream's "subjects overlap with an existing stream": also what a create racing another node's create of the same stream may get. */
const STREAM_SUBJECT_OVERLAP = 10065;

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

/**
 * Create (or open) a bucket, asking again when the first ask met another node creating it
 * at the same moment. Two such answers are seen on nats-server 2.9.10:
 * - no answer in time, while the first node's replicated stream elects its leader (2 of
 *   12 races with 3 servers);
 * - "subjects overlap with an existing stream" (10065), when the other node's identical
 *   stream appeared between this one's look and its add (a CI run, two nodes).
 * Asked again, the stream is there and is opened.
 */
export async function untilCreated<T>(create: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      const raced = err instanceof errors.TimeoutError || (err instanceof JetStreamApiError && err.code === STREAM_SUBJECT_OVERLAP);
      if (attempt >= attempts || !raced) throw err;
    }
  }
}
