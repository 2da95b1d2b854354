/**
 * One download from the cluster's object store (docs/cluster.md#files), read chunk by
 * chunk at the reader's pace: the next chunk is asked for only when the one before it
 * has been handed over and the reader is not paused, so at most two chunks of a file
 * are in memory whatever the reader's speed.
 *
 * Why not `ObjectStore.get`: it reads through a push consumer that enqueues every chunk
 * as fast as the server sends them, whether or not anyone reads (a 64 MiB object left
 * unread grew the process by 94 MiB); a slow client would hold its whole file in memory.
 * Here each chunk is one direct get of the next message on the object's chunk subject:
 * no consumer to create or to clean up, nothing held on the server by a paused or
 * abandoned download. The SHA-256 the put recorded is checked at the end.
 */
import { createHash, type Hash } from "node:crypto";
import type { Download, DownloadSink } from "../core/file-store.js";

/** A stored chunk: its bytes and its sequence in the stream. */
export interface StoredChunk {
  readonly seq: number;
  readonly data: Uint8Array;
}

/** What the download reads: the first chunk of its object at or after `seq`, null when there is none (yet). */
export type ChunkReader = (seq: number) => Promise<StoredChunk | null>;

/** What the object's record says of its bytes. */
export interface StoredObject {
  readonly size: number;
  readonly chunks: number;
  /** SHA-256 of the whole object. */
  readonly sha256: Buffer;
}

/**
 * A chunk not found although the record says it is there: a replica answering a direct
 * get may lag behind the leader for a moment (docs/cluster.md#files). Asked again after
 * these pauses, then given up on.
 */
const MISSING_RETRY_MS = [50, 200, 500, 1000];

export class ObjectDownload implements Download {
  private sink: DownloadSink | undefined;
  private readonly hash: Hash = createHash("sha256");
  /** A chunk read but not yet handed over (the reader paused meanwhile). */
  private ready: Buffer | undefined;
  private reading = false;
  private paused = false;
  private closed = false;
  private nextSeq = 1;
  private chunksRead = 0;
  private bytesRead = 0;
  private misses = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly object: StoredObject,
    private readonly read: ChunkReader,
  ) {}

  get size(): number {
    return this.object.size;
  }

  start(sink: DownloadSink): void {
    if (this.sink !== undefined || this.closed) return;
    this.sink = sink;
    // Never on the caller's stack: it is still setting up around this call.
    queueMicrotask(() => this.advance());
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    queueMicrotask(() => this.advance());
  }

  close(): void {
    this.closed = true;
    this.ready = undefined;
    clearTimeout(this.retryTimer);
  }

  /** Hand over what is ready, ask for the next chunk, or end: whatever is due now. */
  private advance(): void {
    if (this.closed || this.sink === undefined) return;
    if (this.ready !== undefined) {
      if (this.paused) return;
      const chunk = this.ready;
      this.ready = undefined;
      this.sink.chunk(chunk);
      if (this.closed) return;
    }
    if (this.chunksRead < this.object.chunks) {
      if (!this.reading && !this.paused && this.ready === undefined) this.readNext();
      return;
    }
    if (!this.reading && this.ready === undefined) this.finish();
  }

  private readNext(): void {
    this.reading = true;
    this.read(this.nextSeq).then(
      (chunk) => {
        this.reading = false;
        if (this.closed) return;
        if (chunk === null) return this.missing();
        this.misses = 0;
        this.nextSeq = chunk.seq + 1;
        this.chunksRead++;
        this.bytesRead += chunk.data.byteLength;
        this.hash.update(chunk.data);
        // A view of the message's bytes, not a copy.
        this.ready = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
        this.advance();
      },
      (err: unknown) => {
        this.reading = false;
        this.fail(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private missing(): void {
    const wait = MISSING_RETRY_MS[this.misses++];
    if (wait === undefined) {
      return this.fail(new Error(`chunk ${this.chunksRead + 1} of ${this.object.chunks} of the object is missing`));
    }
    this.retryTimer = setTimeout(() => this.advance(), wait);
  }

  private finish(): void {
    if (this.bytesRead !== this.object.size) {
      return this.fail(new Error(`the object's chunks hold ${this.bytesRead} bytes, its record says ${this.object.size}`));
    }
    if (!this.hash.digest().equals(this.object.sha256)) return this.fail(new Error("the object's bytes do not match its SHA-256"));
    const sink = this.sink!;
    this.closed = true;
    sink.end();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    const sink = this.sink!;
    this.close();
    sink.error(err);
  }
}
