/**
 * The graceful shutdown (SIGTERM, SIGINT), in this order, all within one deadline:
 *
 * 1. Every listener stops accepting (readiness fails from here on); the HTTP admin port
 *    stays up, to say so.
 * 2. Messages already queued for offline accounts are made durable, so that their
 *    senders get their answer before the goodbye.
 * 3. The hub refuses new logins and asks every member to go with `server_shutdown`:
 *    each dialect says goodbye in its own words (docs/<dialect>.md "Shutdown") and its
 *    connection closes once that is written. Bots go silently. Connections not logged
 *    in are closed without a word in step 5.
 * 4. Wait until every connection has gone, but no longer than the deadline minus a
 *    reserve for step 5, and not at all once `hurry` resolves (a second signal).
 * 5. Close every part: whatever is still open is cut (its goodbye lost), the chat logs
 *    are flushed, and last the store is closed, so every acknowledged message is on
 *    disk. If closing the parts outlasts the deadline, the store is closed anyway.
 */
import type { Hub } from "../core/hub.js";
import type { Logger } from "../log/ops-log.js";
import type { Store } from "../store/store.js";
import type { Started } from "./context.js";

export interface DrainReport {
  /** Users told goodbye, by dialect (bots are counted under `bot`, told nothing). */
  readonly told: Readonly<Record<string, number>>;
  /** Connections still open when the wait ended, closed without waiting any longer. */
  readonly cut: number;
  /** How the wait for goodbyes ended. */
  readonly ended: "flushed" | "deadline" | "hurried";
  /** The store closed cleanly (or there was none): every acknowledged message is on disk. */
  readonly storeClosed: boolean;
  readonly ms: number;
}

export interface DrainTargets {
  readonly hub: Hub;
  /** The started parts, in start order; taken (emptied) by the drain. */
  readonly parts: Started[];
  readonly store: Store | undefined;
  readonly log: Logger;
}

/** At most this much of the deadline is kept for closing the parts and the store. */
const MAX_CLOSE_RESERVE_MS = 1000;

const NEVER = new Promise<void>(() => undefined);

export async function drainParts(targets: DrainTargets, deadlineMs: number, hurry: Promise<void> = NEVER): Promise<DrainReport> {
  const { hub, store, log } = targets;
  const parts = targets.parts.splice(0);
  const began = Date.now();
  const end = began + deadlineMs;
  const left = (): number => Math.max(0, end - Date.now());
  const reserve = Math.min(MAX_CLOSE_RESERVE_MS, deadlineMs / 5);

  const allGone = Promise.all(parts.map((p) => p.stopAccepting?.()));
  let ended = await raceDeadline(new Promise<void>((resolve) => hub.whenQueuedDurable(() => resolve())), left() - reserve, hurry);
  const told = hub.dismissAll("server_shutdown");
  if (ended === "flushed") ended = await raceDeadline(allGone, left() - reserve, hurry);
  const cut = parts.reduce((n, p) => n + (p.connections?.() ?? 0), 0);
  if (cut > 0) log.warn({ cut, reason: ended }, "shutdown: closing connections that did not finish in time");

  const closing = (async () => {
    for (const p of parts.reverse()) {
      try {
        await p.close(ended !== "flushed");
      } catch (err) {
        log.error({ err }, "shutdown: closing a listener failed");
      }
    }
  })();
  if ((await raceDeadline(closing, left(), NEVER)) === "deadline") log.warn("shutdown: closing the listeners outlasted the deadline; closing the store now");
  let storeClosed = true;
  try {
    await store?.close(); // synchronous underneath: it completes even when the rest did not
  } catch (err) {
    storeClosed = false;
    log.error({ err }, "shutdown: closing the store failed");
  }
  return { told, cut, ended, storeClosed, ms: Date.now() - began };
}

/** "flushed" when `work` settles first, "deadline" after `ms`, "hurried" when `hurry` resolves. */
async function raceDeadline(work: Promise<unknown>, ms: number, hurry: Promise<void>): Promise<DrainReport["ended"]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      work.then(
        () => "flushed" as const,
        () => "flushed" as const,
      ),
      deadline,
      hurry.then(() => "hurried" as const),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
