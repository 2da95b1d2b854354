/**
 * Split deliveries: the lab's delaybot (seed 001, src/bots/bots.ts) writes its first
 * answer in two parts with a pause between them (Conn.sendSplit), so that a client's
 * reassembly of a line cut over two TCP segments gets exercised.
 *
 * That is a way of writing bytes to a socket, so it stays out of the hub's vocabulary
 * (a HubEvent says what happened, never how to write it). The bot marks its own
 * hub.direct call instead: `deliverSplit(() => hub.direct(...))`. The in-process router
 * hands the message to its recipient inside that call, so the recipient's session,
 * rendering a direct message in its deliver, asks `isSplitDelivery()` and picks
 * sendSplit over send. A session that writes the message later (bcs, paced by acks)
 * remembers the answer with the message. A dialect without a byte stream ignores it,
 * and a delivery that reached its member outside the call (a router over a network)
 * would simply be written whole, as any other message.
 */

let splitting = false;

/** Run `send` (one hub.direct call) so that the direct message it delivers is written split. */
export function deliverSplit<T>(send: () => T): T {
  const outer = splitting;
  splitting = true;
  try {
    return send();
  } finally {
    splitting = outer;
  }
}

/** In a member's deliver of a direct message: is it to be written in two parts? */
export function isSplitDelivery(): boolean {
  return splitting;
}
