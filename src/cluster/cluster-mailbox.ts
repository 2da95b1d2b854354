/**
 * The hub's Mailbox (src/core/ports.ts) for a cluster: the mail kept for offline accounts
 * in one JetStream stream (mail-stream.ts), one subject per account, a message's id its
 * stream sequence (docs/cluster.md#accounts-and-mail).
 *
 * A message is answered "queued" only once JetStream acknowledged it, that is once it is
 * stored with every configured replica's quorum: so `whenDurable` has nothing left to
 * wait for. The limit per mailbox is the stream's, which JetStream enforces itself, so it
 * holds however many nodes accept mail for one account at once.
 */
import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Answer } from "../core/answer.js";
import { foldName } from "../core/names.js";
import type { Accounts, Mailbox, MailboxResult, QueuedMail } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import { encodeMail } from "./account-mail-codec.js";
import type { ClusterKeys } from "./keys.js";
import { MailPages } from "./mail-pages.js";
import { MailStream } from "./mail-stream.js";

/** JetStream's error code for a publish refused by "discard new per subject": the mailbox is full. */
const PER_SUBJECT_LIMIT_EXCEEDED = 10077;

/** How long a page waits for a consumer to be made before it reads by gets (mail-pages.ts). */
const CONSUMER_DEADLINE_MS = 1_000;

export interface ClusterMailboxOptions {
  readonly keys: ClusterKeys;
  /** Which names own an account: the cluster's accounts (cluster-accounts.ts), answering from their replica. */
  readonly accounts: Pick<Accounts, "isAccount">;
  /** Most messages kept per account; 0: no limit (--mailbox-limit). */
  readonly limit?: number;
  /** Copies of the stream on the NATS servers: 1, or 3 on a cluster of 3 or more. */
  readonly replicas?: number;
  /** Longest wait for one NATS request (ms): a mailbox that cannot reach NATS rejects after it. */
  readonly timeoutMs?: number;
  readonly log?: Logger;
}

export class ClusterMailbox implements Mailbox {
  private wantedLimit: number;
  /** The latest change of the stream's limit, in order; never rejects (failures are logged). */
  private limitChange: Promise<void> = Promise.resolve();

  private constructor(
    private readonly js: JetStreamClient,
    private readonly stream: MailStream,
    private readonly jsm: JetStreamManager,
    private readonly pages: MailPages,
    private readonly options: ClusterMailboxOptions,
    limit: number,
  ) {
    this.wantedLimit = limit;
  }

  /** The mailbox of `keys`' namespace, once its stream exists with `limit` and `replicas`. */
  static async open(nc: NatsConnection, options: ClusterMailboxOptions): Promise<ClusterMailbox> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const limit = options.limit ?? 0;
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    const stream = new MailStream(jsm, options.keys, options.log);
    await stream.ensure(limit, options.replicas ?? 1);
    const consumerJsm = await jetstreamManager(nc, { timeout: Math.min(CONSUMER_DEADLINE_MS, timeoutMs) });
    const pages = new MailPages({ nc, jsm, consumerJsm, stream: stream.name, timeoutMs, log: options.log });
    return new ClusterMailbox(jetstream(nc, { timeout: timeoutMs }), stream, jsm, pages, options, limit);
  }

  /** Most messages kept per account (0: no limit). Set on SIGHUP: the stream follows soon after (`whenLimitApplied`). */
  get limit(): number {
    return this.wantedLimit;
  }

  set limit(limit: number) {
    if (limit === this.wantedLimit) return;
    this.wantedLimit = limit;
    this.followLimit();
  }

  /** Resolves once the stream's limit is as close to `limit` as it may be (mail-stream.ts). */
  whenLimitApplied(): Promise<void> {
    return this.limitChange;
  }

  private followLimit(): void {
    this.limitChange = this.limitChange
      .then(async () => void (await this.stream.setLimit(this.wantedLimit)))
      .catch((err: unknown) => this.options.log?.error({ err, limit: this.wantedLimit, stream: this.stream.name }, "changing the mailbox limit failed"));
  }

  /**
   * True while the stream's limit is above ours (lowered while some mailbox held more:
   * mail-stream.ts): then this mailbox counts before it accepts. That check and the
   * publish are two steps, so two nodes at once may go past our limit, never past the stream's.
   */
  private get countsItself(): boolean {
    const streamLimit = this.stream.perSubjectLimit;
    return this.wantedLimit > 0 && (streamLimit === 0 || streamLimit > this.wantedLimit);
  }

  accept(from: string, to: string, text: string): Answer<MailboxResult> {
    if (!this.options.accounts.isAccount(to)) return "not_an_account";
    return this.keep(this.options.keys.mailSubject(foldName(to)), from, text);
  }

  private async keep(subject: string, from: string, text: string): Promise<MailboxResult> {
    if (this.countsItself && (await this.stream.count(subject)) >= this.wantedLimit) return "full";
    try {
      await this.js.publish(subject, encodeMail(from, text, Date.now()));
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === PER_SUBJECT_LIMIT_EXCEEDED) return "full";
      throw err;
    }
    return "queued";
  }

  /** Everything answered "queued" was acknowledged by JetStream, stored already. */
  whenDurable(done: (err?: Error) => void): void {
    done();
  }

  page(account: string, after: number, limit: number): Promise<readonly QueuedMail[]> {
    return this.pages.read(this.options.keys.mailSubject(foldName(account)), after, limit);
  }

  async remove(account: string, through: number): Promise<void> {
    if (through <= 0) return;
    // Purges the subject's messages below `seq`: through `through`, not past it.
    await this.jsm.streams.purge(this.stream.name, { filter: this.options.keys.mailSubject(foldName(account)), seq: through + 1 });
    if (this.countsItself) this.followLimit(); // this removal may let the stream's limit come down
  }

  /** Wait for a limit change under way (the stream stays). */
  async close(): Promise<void> {
    await this.limitChange;
  }
}
