/**
 * One page of an account's mail from the mail stream (docs/cluster.md#accounts-and-mail):
 * the messages on its subject past a stream sequence, oldest first, at most a page.
 *
 * The first message is a plain get (the stream leader's answer: one round trip, and the
 * only one for an empty mailbox, the common case at login). The rest, when the page
 * wants more, comes through a short-lived consumer filtered to the subject: one request
 * for the whole batch, with `no_wait`, so that the server sends what it has and says
 * when that was all instead of making us wait for more. A page of 256 takes about 8 ms
 * so, against about 80 ms as 256 gets one after the other (measured on one local server).
 */
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NextMsgRequest, type SeqMsgRequest } from "@nats-io/jetstream";
import { createInbox, nanos, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { QueuedMail } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import { decodeMail } from "./account-mail-codec.js";

export interface PageSource {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** Longest wait for one request, and for the batch (ms). */
  readonly timeoutMs: number;
  readonly log: Logger | undefined;
}

export async function readMailPage(source: PageSource, subject: string, after: number, limit: number): Promise<QueuedMail[]> {
  if (limit <= 0) return [];
  const { jsm, stream } = source;
  const next: SeqMsgRequest & NextMsgRequest = { seq: after + 1, next_by_subj: subject };
  const first = await jsm.streams.getMessage(stream, next);
  if (first === null) return [];
  const page: QueuedMail[] = [];
  readable(source, page, first.seq, first.data);
  if (limit === 1) return page;
  const consumer = await jsm.consumers.add(stream, {
    filter_subject: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: first.seq + 1,
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    // Deleted below; should that fail (connection lost), the server drops it soon itself.
    inactive_threshold: nanos(Math.max(10_000, 2 * source.timeoutMs)),
  });
  try {
    const wanted = Math.min(limit - 1, consumer.num_pending);
    if (wanted > 0) for (const m of await pull(source, consumer.name, wanted)) readable(source, page, streamSequence(m.reply), m.data);
  } finally {
    jsm.consumers.delete(stream, consumer.name).catch((err: unknown) => source.log?.debug({ err, stream }, "deleting a mail page's consumer failed"));
  }
  return page;
}

/**
 * Add the message to the page, unless it is not one we wrote: then it is logged and
 * left out (it goes with the next removal past it), rather than blocking the mailbox.
 */
function readable(source: PageSource, page: QueuedMail[], seq: number, data: Uint8Array): void {
  try {
    page.push(decodeMail(seq, data));
  } catch (err) {
    source.log?.error({ err, stream: source.stream, seq }, "unreadable message in the mail stream; left out");
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
