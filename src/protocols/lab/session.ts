/**
 * One lab connection: request lines <-> hub calls, and hub messages -> DELIVERY lines.
 * Every reply is written through the connection's queued, coalescing writer (TR4: no
 * blocking "send everything" call anywhere).
 *
 * Floods: the lab protocol has no "slow down" reply, so a client over the message rate
 * or over its address's refused logins is read more slowly instead (no overRate: the
 * transport holds the line until the rate allows it; the hub answers a HELLO-FROM late).
 *
 * A hub answer may be pending (a networked registry or router, a login waiting for its
 * address's allowance). A login's pauses input until it comes; a SEND's holds its reply's
 * place while the next requests are read (ordered-replies.ts), so replies keep request
 * order either way.
 */
import { isPending } from "../../core/answer.js";
import type { DisconnectReason, JoinResult, SendResult } from "../../core/errors.js";
import type { HubEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import { SERVER_NAME } from "../../core/names.js";
import type { Member } from "../../core/ports.js";
import { answerCodes } from "../../core/stats.js";
import type { Conn, StreamSession } from "../../transport/session.js";
import { isSplitDelivery } from "../../transport/split-delivery.js";
import type { CodecError } from "../../transport/stream-codec.js";
import { OrderedReplies } from "../ordered-replies.js";
import { afterPending } from "../pending-answer.js";
import { singleLine } from "../render-text.js";
import { REPLY, deliveryLine, helloLine, listOkLine, type FixedReply } from "./codec.js";
import type { LabRequest } from "./frames.js";
import { JOIN_REFUSALS, SEND_REPLIES } from "./wire-errors.js";

export interface LabContext {
  readonly hub: Hub;
}

/**
 * Error replies by code, for the metrics: the lab's wire has five, and its reply word is
 * the code (`BAD-RQST-BODY` -> `bad_rqst_body`).
 */
const errorCode = answerCodes<FixedReply>([REPLY], () => "other");

/** Lobby messages go to many lab users: each is rendered once. */
const rendered = new WeakMap<HubEvent, string>();

/**
 * The goodbye at shutdown (docs/lab.md "Shutdown"): the lab protocol has one line the
 * server may send unasked, DELIVERY; `server` is reserved, so no user can be its sender.
 * The lab client prints it as `From server: The server is going down`.
 */
const GOODBYE = deliveryLine(SERVER_NAME, "The server is going down");
/** The same line when a cluster node must let the user go: its name went to another node's user (docs/cluster.md#names). */
const NAME_LOST = deliveryLine(SERVER_NAME, "Your name was taken by another node while this one was cut off");

export class LabSession implements StreamSession<LabRequest>, Member {
  readonly dialect = "lab";
  /** The lab protocol has no line for joins or leaves (docs/wire.md#rendering-across-dialects). */
  readonly wantsPresence = false;
  name = "";
  private loggedIn = false;
  /** Replies in request order, while a SEND's answer is still to come (pipelined SENDs). */
  private readonly replies: OrderedReplies;

  constructor(
    private readonly conn: Conn,
    private readonly ctx: LabContext,
  ) {
    this.replies = new OrderedReplies(conn);
  }

  // ---- Member (hub side) ------------------------------------------------------------

  deliver(event: HubEvent): boolean {
    switch (event.kind) {
      case "direct": {
        const line = deliveryLine(event.from, singleLine(event.text));
        // The delaybot's first answer comes in two parts (transport/split-delivery.ts).
        return isSplitDelivery() ? this.conn.sendSplit(line) : this.conn.send(line);
      }
      case "lobby": {
        let line = rendered.get(event);
        if (line === undefined) {
          line = deliveryLine(event.from, singleLine(event.text));
          rendered.set(event, line);
        }
        return this.conn.send(line);
      }
      default:
        return true; // the lab protocol has no presence or file notices (docs/wire.md#rendering-across-dialects)
    }
  }

  disconnect(reason: DisconnectReason): void {
    if (reason === "slow_consumer") return this.conn.destroy(reason);
    if (reason === "server_shutdown") this.conn.send(GOODBYE);
    else if (reason === "name_lost") this.conn.send(NAME_LOST);
    this.conn.close(reason);
  }

  // ---- requests ---------------------------------------------------------------------

  onFrame(request: LabRequest): void {
    if (!this.loggedIn) return this.beforeLogin(request);
    switch (request.kind) {
      case "hello":
        return this.fail(REPLY.badRqstHdr); // PR6: already logged in
      case "list":
        return this.replies.reply(listOkLine(this.ctx.hub.names())); // PR8, PR9
      case "send":
        return this.send(request.to, request.text);
      case "bad-header":
        return this.fail(REPLY.badRqstHdr); // PR16
      case "bad-body":
        return this.fail(REPLY.badRqstBody); // PR17
    }
  }

  /**
   * PR10-PR14: SEND-OK only once the DELIVERY is in the target's queue. An answer still to
   * come (a cluster's router) does not hold back the next request: its reply waits its
   * turn among the others (ordered-replies.ts).
   */
  private send(to: string, text: string): void {
    const result = this.ctx.hub.direct(this, to, text);
    if (!isPending(result)) return this.sent(result, undefined);
    const slot = this.replies.hold();
    result.then(
      this.conn.guarded((answer: SendResult) => this.sent(answer, slot)),
      // Not handed over (a router or mailbox that could not be reached): never a SEND-OK.
      this.conn.guarded(() => this.answer(slot, REPLY.badDestUser)),
    );
  }

  /** The answer to a SEND, for its held reply `slot` (undefined: answered at once). */
  private sent(result: SendResult, slot: number | undefined): void {
    if (result === "queued") return this.whenKept(slot ?? this.replies.hold());
    this.answer(slot, SEND_REPLIES[result]);
  }

  /** For an offline cs262 account: SEND-OK once the message is durable; later replies wait for it. */
  private whenKept(slot: number): void {
    this.ctx.hub.whenQueuedDurable(this.conn.guarded((err?: Error) => this.answer(slot, err ? REPLY.badDestUser : REPLY.sendOk)));
  }

  /** A SEND's reply, now or in its held `slot`; an error reply is counted by its reply word. */
  private answer(slot: number | undefined, reply: FixedReply): void {
    if (reply !== REPLY.sendOk) this.ctx.hub.stats.dialect(this.dialect).errorAnswered(errorCode(reply));
    if (slot === undefined) this.replies.reply(reply);
    else this.replies.fill(slot, reply);
  }

  private beforeLogin(request: LabRequest): void {
    if (request.kind === "bad-body") return this.refuse(REPLY.badRqstBody);
    if (request.kind !== "hello") return this.refuse(REPLY.badRqstHdr); // PR7
    this.name = request.name; // set first: the hub may route to us during the join
    // Past the address's refused logins the hub answers later (the lab has no words for it).
    const from = { address: this.conn.remoteAddress, overAllowance: "wait" } as const;
    const result = this.ctx.hub.join(this, request.name, { from }); // PR2
    if (isPending(result)) afterPending(this.conn, result, (answer) => this.joined(answer));
    else this.joined(result);
  }

  private joined(result: JoinResult): void {
    if (result !== "ok") {
      this.name = "";
      return this.refuse(JOIN_REFUSALS[result]); // PR4, PR5, PR15
    }
    this.loggedIn = true;
    this.conn.loggedIn();
    this.conn.reply(helloLine(this.name)); // PR3
  }

  private refuse(reply: FixedReply): void {
    this.fail(reply);
    this.conn.close("rejected");
  }

  /** An error reply, counted by its reply word. */
  private fail(reply: FixedReply): void {
    this.replies.reply(reply);
    this.ctx.hub.stats.dialect(this.dialect).errorAnswered(errorCode(reply));
  }

  onBody(): void {
    // Lines announce no bodies.
  }

  onBodyEnd(): void {}

  onDecodeError(_error: CodecError): void {
    // The line codec has no errors: bad lines decode as bad-header or bad-body requests.
  }

  onClose(): void {
    // TR3: the name is free as soon as the connection is gone (and a pending login is abandoned).
    this.ctx.hub.leave(this);
  }
}
