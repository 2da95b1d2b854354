/**
 * Group commit: every write asked for in one event-loop turn runs in one transaction,
 * committed (one fsync) on the next turn, and all of them learn the outcome together.
 * Queuing a hundred offline messages in one turn costs one sync, not a hundred, and
 * the callers share one promise (none per message).
 *
 * Writes must not throw for expected outcomes (use INSERT OR IGNORE and the like): a
 * throw rolls back the whole batch, and every write in it is rejected.
 */
import type { Database } from "better-sqlite3";

type Write = () => void;

interface Batch {
  readonly writes: Write[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody awaits must not become an unhandled rejection (which ends the
  // process); every awaiting caller still sees it.
  done.catch(() => undefined);
  return { writes: [], done, resolve, reject };
}

export class GroupCommit {
  private batch: Batch | undefined;
  private readonly runAll: (writes: Write[]) => void;

  constructor(db: Database) {
    this.runAll = db.transaction((writes: Write[]) => {
      for (const w of writes) w();
    });
  }

  /** Run `write` in this turn's transaction; resolves once that transaction is committed. */
  add(write: Write): Promise<void> {
    let batch = this.batch;
    if (batch === undefined) {
      batch = this.batch = newBatch();
      setImmediate(() => this.commit());
    }
    batch.writes.push(write);
    return batch.done;
  }

  /** Commit what is pending now: before a read that must see it, and on close. */
  commit(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    try {
      this.runAll(batch.writes);
    } catch (err) {
      batch.reject(err);
      return;
    }
    batch.resolve();
  }
}
