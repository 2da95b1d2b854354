/**
 * One upload into the cluster's object store (docs/cluster.md#files): the chunks the
 * client sends are queued on a ReadableStream that `ObjectStore.put` reads as it
 * publishes, so the file is never whole in memory, and the writer is told to wait while
 * more than a high-water mark of bytes is queued. The object gets a fresh id, never the
 * file's name: a put overwrites, so the name is taken only by `commit`, through the
 * names bucket (object-file-store.ts).
 */
import type { CommitResult, Upload } from "../core/file-store.js";
import type { Logger } from "../log/ops-log.js";

/** What an upload asks of its store. */
export interface UploadTarget {
  /** Begin storing the bytes read from `body` as object `id`; resolves to the bytes stored. */
  put(id: string, body: ReadableStream<Uint8Array>): Promise<number>;
  /** Give the stored object its name: "ok", or "exists" (the object is then deleted). */
  keep(id: string, size: number): Promise<CommitResult>;
  /** Delete whatever is stored of object `id` once `stored` has settled, in the background. */
  drop(id: string, stored: Promise<unknown>): void;
}

class UploadAborted extends Error {
  constructor() {
    super("upload aborted");
  }
}

export class ObjectUpload implements Upload {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly drains: (() => void)[] = [];
  private state: "writing" | "committing" | "aborted" = "writing";
  /** The put failed before commit: what is written from now on is dropped, and commit rejects. */
  private failed: unknown;
  private readonly stored: Promise<number>;

  constructor(
    private readonly id: string,
    private readonly target: UploadTarget,
    highWaterBytes: number,
    private readonly log?: Logger,
  ) {
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        // Called when the put has taken chunks and the queue is under the mark again.
        pull: () => this.drained(),
      },
      { highWaterMark: highWaterBytes, size: (chunk) => chunk.byteLength },
    );
    this.stored = target.put(id, body);
    // A put that fails while the client is still sending: let the writer go on (its bytes
    // are dropped) so that it reaches commit, which reports the failure.
    this.stored.catch((err: unknown) => {
      if (this.state !== "writing") return;
      this.failed = err;
      this.controller.error(err); // frees the queued chunks
      this.drained();
    });
  }

  write(chunk: Buffer): boolean {
    if (this.state !== "writing" || this.failed !== undefined) return true;
    this.controller.enqueue(chunk);
    return (this.controller.desiredSize ?? 0) > 0;
  }

  onDrain(callback: () => void): void {
    this.drains.push(callback);
    // Already under the mark (or failed): no pull may come to call it.
    if (this.failed !== undefined || (this.controller.desiredSize ?? 0) > 0) queueMicrotask(() => this.drained());
  }

  async commit(): Promise<CommitResult> {
    if (this.state !== "writing") throw new Error(`commit of an upload already ${this.state === "aborted" ? "aborted" : "committed"}`);
    this.state = "committing";
    if (this.failed === undefined) this.controller.close();
    let size: number;
    try {
      size = await this.stored;
    } catch (err) {
      // The put purged its chunks itself; what may remain is its last record (docs/cluster.md#files).
      this.target.drop(this.id, this.stored);
      throw err;
    }
    return this.target.keep(this.id, size);
  }

  abort(): void {
    if (this.state !== "writing") return;
    this.state = "aborted";
    this.drains.length = 0;
    // The put's next read fails, and it purges the chunks it published.
    if (this.failed === undefined) this.controller.error(new UploadAborted());
    this.target.drop(this.id, this.stored);
  }

  private drained(): void {
    if (this.failed === undefined && (this.controller.desiredSize ?? 0) <= 0) return;
    for (const callback of this.drains.splice(0)) {
      try {
        callback();
      } catch (err) {
        // Thrown here it would fail the put, which is not what went wrong.
        this.log?.error({ err }, "an upload's drain callback threw");
      }
    }
  }
}
