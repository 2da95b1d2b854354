/**
 * One page of an account's mail from the mail stream (docs/cluster.md#accounts-and-mail):
 * the messages on its subject past a stream sequence, oldest first, at most a page.
 *
 * The first few messages are plain gets, one after the other (each the stream leader's
 * answer; an empty mailbox, the common case at login, costs one). When the page wants
 * more, the rest comes through a short-lived consumer filtered to the subject: one
 * request for the whole batch, with `no_wait`, so that the server sends what it has and
 * says when that was all. A page of 256 takes about 8 ms so, against about 80 ms as 256
 * gets (measured on one local server).
 *
 * Why not always a consumer: on nats-server 2.9 the server may place a new consumer on
 * a server of the stream that is down, and then never answers its creation (about one
 * in three while one server of three is down, docs/cluster.md#accounts-and-mail). So a consumer
 * gets a short deadline, and when it is not made the page goes on with gets, as do the
 * pages of the next half minute.
 */
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NextMsgRequest, type SeqMsgRequest } from "@nats-io/jetstream";
import { createInbox, nanos, nuid, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { QueuedMail } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import { decodeMail } from "./account-mail-codec.js";

/** Messages a page reads by gets before it turns to a consumer for the rest. */
const GETS_FIRST = 8;
/** How long pages keep to gets once a consumer could not be made (ms). */
const GETS_ONLY_MS = 30_000;

export interface PageSource {
  readonly nc: NatsConnection;
  /** For gets, and for removing the consumers: its requests wait up to `timeoutMs`. */
  readonly jsm: JetStreamManager;
  /** For making a consumer: a short deadline (see the top of this file). */
  readonly consumerJsm: JetStreamManager;
  readonly stream: string;
  /** Longest wait for one request, and for a consumer's batch (ms). */
  readonly timeoutMs: number;
  readonly log: Logger | undefined;
}

export class MailPages {
  /** Until when (Date.now()) pages read by gets only. */
  private getsOnlyUntil = 0;

  constructor(private readonly source: PageSource) {}

  async read(subject: string, after: number, limit: number): Promise<QueuedMail[]> {
    const { jsm, stream } = this.source;
    const page: QueuedMail[] = [];
    let from = after + 1;
    while (page.length < limit) {
      if (page.length === GETS_FIRST && Date.now() >= this.getsOnlyUntil) {
        const rest = await this.throughConsumer(subject, from, limit - page.length);
        if (rest !== undefined) {
          for (const m of rest) this.add(page, streamSequence(m.reply), m.data);
          return page;
        }
      }
      const next: SeqMsgRequest & NextMsgRequest = { seq: from, next_by_subj: subject };
      const message = await jsm.streams.getMessage(stream, next);
      if (message === null) break;
      this.add(page, message.seq, message.data);
      from = message.seq + 1;
    }
    return page;
  }

  /** Up to `wanted` messages of `subject` from stream sequence `from` on; undefined when no consumer could be made. */
  private async throughConsumer(subject: string, from: number, wanted: number): Promise<Msg[] | undefined> {
    const { jsm, consumerJsm, stream, log } = this.source;
    const name = `mail_page_${nuid.next()}`;
    const removeConsumer = (): void => {
      jsm.consumers.delete(stream, name).catch((err: unknown) => log?.debug({ err, stream, consumer: name }, "removing a mail page's consumer failed"));
    };
    let pending: number;
    try {
      const consumer = await consumerJsm.consumers.add(stream, {
        name,
        filter_subject: subject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: from,
        ack_policy: AckPolicy.None,
        mem_storage: true,
        num_replicas: 1,
        // Removed below; should that fail (connection lost, server down), the server drops it itself.
        inactive_threshold: nanos(Math.max(10_000, 2 * this.source.timeoutMs)),
      });
      pending = consumer.num_pending;
    } catch (err) {
      this.getsOnlyUntil = Date.now() + GETS_ONLY_MS;
      log?.warn({ err, stream }, "a consumer for a mail page was not made in time (a NATS server down?): pages read by gets for a while");
      removeConsumer();
      return undefined;
    }
    try {
      return pending > 0 ? await pull(this.source, name, Math.min(wanted, pending)) : [];
    } finally {
      removeConsumer();
    }
  }

  /**
   * Add the message to the page, unless it is not one we wrote: then it is logged and
   * left out (it goes with the next removal past it), rather than blocking the mailbox.
   */
  private add(page: QueuedMail[], seq: number, data: Uint8Array): void {
    try {
      page.push(decodeMail(seq, data));
    } catch (err) {
      this.source.log?.error({ err, stream: this.source.stream, seq }, "unreadable message in the mail stream; left out");
    }
  }
}

/** Up to `batch` messages of the consumer, as one pull request that does not wait for more. */
function pull(source: PageSource, consumer: string, batch: number): Promise<Msg[]> {
  const { nc, jsm, stream, timeoutMs } = source;
  const prefix = jsm.getOptions().apiPrefix ?? "$JS.API";
  return new Promise((resolve, reject) => {
    const got: Msg[] = [];
    const inbox = createInbox();
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub.unsubscribe();
      if (err) reject(err);
      else resolve(got);
    };
    const sub = nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err) return finish(err);
        const code = msg.headers?.code ?? 0;
        if (code === 0) {
          got.push(msg);
          if (got.length >= batch) finish();
        } else if (code === 404 || code === 408) finish(); // no (more) messages: the batch is all there was
        else if (code !== 100) finish(new Error(`mail page: ${code} ${msg.headers?.description ?? ""}`.trim()));
      },
    });
    const timer = setTimeout(() => finish(new Error(`mail page: no answer within ${timeoutMs} ms`)), timeoutMs);
    nc.publish(`${prefix}.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify({ batch, no_wait: true }), { reply: inbox });
  });
}

/**
 * The stream sequence of a message a consumer delivered, from its reply subject:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>...` (9 tokens), or with a domain
 * and account hash after `ACK` (12 tokens).
 */
function streamSequence(reply: string | undefined): number {
  const tokens = (reply ?? "").split(".");
  const at = tokens.length === 9 ? 5 : 7;
  const seq = Number(tokens[at]);
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK" || tokens.length < 9 || !Number.isSafeInteger(seq) || seq <= 0) {
    throw new Error(`mail page: a message without a stream sequence (reply "${reply}")`);
  }
  return seq;
}
