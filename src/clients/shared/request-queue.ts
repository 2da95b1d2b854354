/**
 * Typed requests, sent one at a time and in order (the bcs and cs262 clients): a request
 * waits until the one before it has been answered. How many wait is reported for flow
 * control of piped input; once input has ended and nothing waits or is outstanding, the
 * session is done.
 */
export interface QueueOwner<R> {
  /** Requests may be sent now (e.g. registered, and not over). */
  canSend(): boolean;
  /** A request is outstanding (sent, or being prepared, and not yet answered). */
  busy(): boolean;
  /** Send `request` (or handle it at once, e.g. a quit). */
  start(request: R): void;
  /** Requests waiting behind the outstanding one. */
  backlog(waiting: number): void;
  /** Input has ended and every request has been answered. */
  allAnswered(): void;
}

export class RequestQueue<R> {
  private readonly waiting: R[] = [];
  private inputEnded = false;

  constructor(private readonly owner: QueueOwner<R>) {}

  add(request: R): void {
    this.waiting.push(request);
    this.pump();
  }

  /** End of input: finish what was typed, then the session is done. */
  endOfInput(): void {
    this.inputEnded = true;
    this.pump();
  }

  /** Send what waits, as far as the owner lets it; call again whenever that may have changed (an answer came). */
  pump(): void {
    const o = this.owner;
    while (o.canSend() && !o.busy() && this.waiting.length > 0) o.start(this.waiting.shift()!);
    if (!o.canSend()) return;
    o.backlog(this.waiting.length);
    if (!o.busy() && this.waiting.length === 0 && this.inputEnded) o.allAnswered();
  }
}
