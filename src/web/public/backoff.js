/**
 * How long to wait before the next reconnection attempt: doubling from FIRST_MS up to
 * MAX_MS, each wait drawn from its upper half so that many browsers dropped by one restart
 * do not all come back in the same instant. Pure, so Node can test it too.
 */
const FIRST_MS = 1000;
const MAX_MS = 30_000;

export class Backoff {
  #attempt = 0;

  /** The wait before the next attempt, in ms; each call counts one attempt. */
  next(random = Math.random) {
    const ceiling = Math.min(MAX_MS, FIRST_MS * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 16);
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  /** A connection worked: the next loss starts from the first wait again. */
  reset() {
    this.#attempt = 0;
  }
}
