/**
 * Direct messages on their way to members of other nodes (docs/cluster.md#routing):
 * gathered per target node and sent as one request per node per event-loop turn (or
 * sooner, when a batch is full), each answered by the target node with one byte per
 * message. A send resolves true once the target's node has queued the message for its
 * member, false when that node says it did not (nobody holds the name there, or the
 * member's queue is full), and rejects when NATS could not carry the batch or its answer
 * (no responders, timeout, connection closed): the hub then answers the sender with the
 * dialect's error, never a success.
 *
 * Order: batches to one node leave in order on one connection and that node answers
 * them in order, so messages from here to one member arrive in the order sent.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log/ops-log.js";
import { checkDirectReply, encodeDirectBatch, QUEUED, type DirectEntry } from "./event-codec.js";

export interface DirectBatchOptions {
  /** How long a batch waits for its node's answer before its sends reject; default 5000 ms. */
  timeoutMs?: number;
  /** Most messages in one request; default 512. */
  maxBatchMessages?: number;
  /**
   * Most bytes of text and names in one request (counted high: 3 bytes a UTF-16 unit);
   * default 256 KiB, and at most half the server's max_payload.
   */
  maxBatchBytes?: number;
  /**
   * Most messages to one node that may wait at once (gathered or sent, not yet
   * answered); a send beyond it rejects at once. Default 8192: a node that stopped
   * answering costs this one at most that many pending sends, for at most `timeoutMs`.
   */
  maxWaitingPerNode?: number;
  logger?: Logger;
}

export const DEFAULT_DIRECT_BATCH_OPTIONS = Object.freeze({
  timeoutMs: 5000,
  maxBatchMessages: 512,
  maxBatchBytes: 256 * 1024,
  maxWaitingPerNode: 8192,
});

/** A send that could not be carried to its member's node: the hub answers its sender with an error. */
export class DirectUnreachableError extends Error {
  constructor(
    readonly node: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`direct message to node ${node}: ${message}`, options);
    this.name = "DirectUnreachableError";
  }
}

/** One gathered send and how to answer it. */
interface Waiting extends DirectEntry {
  resolve(queued: boolean): void;
  reject(err: Error): void;
}

/** What is gathered for, or on its way to, one node. */
interface NodeQueue {
  readonly node: string;
  readonly subject: string;
  batch: Waiting[];
  /** The batch's size, counted high (see maxBatchBytes). */
  bytes: number;
  /** Sends gathered or sent to this node and not yet answered. */
  waiting: number;
}

/** Failures are logged at most this often (a dead node under load fails every batch). */
const FAILURE_LOG_INTERVAL_MS = 1000;

export class DirectBatches {
  private readonly queues = new Map<string, NodeQueue>();
  /** Queues with a batch gathered this turn, flushed together by one setImmediate. */
  private readonly gathering: NodeQueue[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;
  private readonly maxWaitingPerNode: number;
  private readonly log: Logger | undefined;
  private lastFailureLog = 0;
  private failuresNotLogged = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectOf: (node: string) => string,
    options: DirectBatchOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DIRECT_BATCH_OPTIONS.timeoutMs;
    this.maxBatchMessages = options.maxBatchMessages ?? DEFAULT_DIRECT_BATCH_OPTIONS.maxBatchMessages;
    const maxPayload = nc.info?.max_payload;
    const bytes = options.maxBatchBytes ?? DEFAULT_DIRECT_BATCH_OPTIONS.maxBatchBytes;
    this.maxBatchBytes = maxPayload ? Math.min(bytes, Math.floor(maxPayload / 2)) : bytes;
    this.maxWaitingPerNode = options.maxWaitingPerNode ?? DEFAULT_DIRECT_BATCH_OPTIONS.maxWaitingPerNode;
    this.log = options.logger;
  }

  /** Sends waiting for an answer, all nodes together (for a leak check). */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.waiting;
    return n;
  }

  /** `text` from `from` to the member holding the folded name `to` on `node`. */
  send(node: string, to: string, from: string, text: string): Promise<boolean> {
    if (this.closed) return Promise.reject(new DirectUnreachableError(node, "this node's router is closed"));
    const q = this.queueOf(node);
    if (q.waiting >= this.maxWaitingPerNode) {
      return Promise.reject(new DirectUnreachableError(node, `${q.waiting} messages already wait for its answer`));
    }
    const bytes = 3 * (to.length + from.length + text.length) + 8;
    if (q.batch.length > 0 && q.bytes + bytes > this.maxBatchBytes) this.flushQueue(q);
    q.waiting++;
    q.bytes += bytes;
    return new Promise<boolean>((resolve, reject) => {
      if (q.batch.push({ to, from, text, resolve, reject }) === 1) this.gather(q);
      else if (q.batch.length >= this.maxBatchMessages) this.flushQueue(q);
    });
  }

  /** Send every gathered batch now. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    for (const q of this.gathering) this.flushQueue(q);
    this.gathering.length = 0;
  }

  /** Send what is gathered, and refuse further sends. Sends already out are answered as usual. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private queueOf(node: string): NodeQueue {
    let q = this.queues.get(node);
    if (q === undefined) {
      q = { node, subject: this.subjectOf(node), batch: [], bytes: 0, waiting: 0 };
      this.queues.set(node, q);
    }
    return q;
  }

  private gather(q: NodeQueue): void {
    this.gathering.push(q);
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.flush();
    });
  }

  private flushQueue(q: NodeQueue): void {
    const batch = q.batch;
    if (batch.length === 0) return;
    q.batch = [];
    q.bytes = 0;
    let payload: Buffer;
    try {
      payload = encodeDirectBatch(batch);
    } catch (err) {
      this.failed(q, batch, err);
      return;
    }
    let answer: Promise<{ data: Uint8Array }>;
    try {
      answer = this.nc.request(q.subject, payload, { timeout: this.timeoutMs });
    } catch (err) {
      this.failed(q, batch, err);
      return;
    }
    answer.then(
      (reply) => this.answered(q, batch, reply.data),
      (err: unknown) => this.failed(q, batch, err),
    );
  }

  private answered(q: NodeQueue, batch: Waiting[], reply: Uint8Array): void {
    this.settled(q, batch.length);
    let answers: Uint8Array;
    try {
      answers = checkDirectReply(reply, batch.length);
    } catch (err) {
      this.failed(q, batch, err, false);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(answers[i] === QUEUED);
  }

  private failed(q: NodeQueue, batch: Waiting[], err: unknown, unsettled = true): void {
    if (unsettled) this.settled(q, batch.length);
    const reason = err instanceof Error ? err.message : String(err);
    const error = new DirectUnreachableError(q.node, reason, { cause: err });
    this.logFailure(q.node, batch.length, err);
    for (const w of batch) w.reject(error);
  }

  private settled(q: NodeQueue, count: number): void {
    q.waiting -= count;
    // Nodes come and go (a node name may be a host name): keep no queue for one that is idle.
    if (q.waiting === 0 && q.batch.length === 0) this.queues.delete(q.node);
  }

  private logFailure(node: string, messages: number, err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) {
      this.failuresNotLogged++;
      return;
    }
    this.log?.warn({ err, node, messages, earlierFailuresNotLogged: this.failuresNotLogged }, "cluster: direct messages to another node failed");
    this.lastFailureLog = now;
    this.failuresNotLogged = 0;
  }
}
