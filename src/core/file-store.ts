/**
 * The FileStore port: where uploaded files (bcs `sendfile`) are kept and read back
 * (`getfile`). A session only translates frames to these calls. The implementation over
 * a directory is src/files/local-file-store.ts; a cluster's, over JetStream's object
 * store, is src/cluster/object-file-store.ts (docs/cluster.md#files). Both pass the same
 * contract suite (test/files/file-store.contract.ts), and neither touches a dialect.
 *
 * Files go in and out in chunks, never whole in memory, each way with backpressure.
 * Beginning an upload, committing it and opening a download may need the network, so
 * each may answer later (a Promise); a caller keeps its client's input paused while it
 * waits, so that what the client sends next is answered in order. The local store
 * answers at once what it can (every refusal, and a begun upload).
 */
import type { Answer } from "./answer.js";

/** An answer now, or later when it needs I/O first: the hub ports' Answer (answer.ts). */
export type FileAnswer<T> = Answer<T>;

export interface FileStore {
  /**
   * Begin keeping a file of `size` bytes named `name`, uploaded by `user`. Refused, in
   * this order, for a name that is not one safe path component (`bad_name`, with the
   * reason), a size over the limit, a name already kept, and the user's upload allowance
   * (charged only when the upload is begun, in full, whether or not it completes).
   */
  beginUpload(user: string, name: string, size: number): FileAnswer<Upload | UploadRefusal>;
  /** Open a kept file to read it, or say why not. A failure to reach the store rejects. */
  openDownload(name: string): FileAnswer<Download | DownloadRefusal>;
}

export type UploadRefusal =
  | { readonly refused: "bad_name"; readonly problem: string }
  | {
      readonly refused:
        | "too_large"
        | "exists"
        /** Over the user's allowance now; it refills with time. */
        | "over_quota_now"
        /** Larger than a whole period's allowance: never accepted. */
        | "over_quota_ever";
    };

export type DownloadRefusal = { readonly refused: "bad_name"; readonly problem: string } | { readonly refused: "not_found" };

/** True for a refusal, false for an Upload or a Download. */
export function isRefusal(answer: object): answer is UploadRefusal | DownloadRefusal {
  return "refused" in answer;
}

export type CommitResult =
  | "ok"
  /** Another upload of the same name was committed first: this one is dropped. */
  | "exists";

/** A file being written. Nothing of it can be read under its name before `commit`. */
export interface Upload {
  /** Write the next chunk; false: call `onDrain` and write no more until it calls back. */
  write(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  /**
   * Every byte is written: keep the file under its name, durably. Rejects (or throws)
   * when it could not be kept; nothing is left behind then.
   */
  commit(): FileAnswer<CommitResult>;
  /** Instead of `commit`: drop what was written, leaving nothing behind. Harmless a second time. */
  abort(): void;
}

/** A kept file being read, in order, paced by its reader. */
export interface Download {
  readonly size: number;
  /** Begin handing the file to `sink` (once): chunks in order, then `end`, or `error` once. */
  start(sink: DownloadSink): void;
  /** Hand over nothing until `resume` (the reader's socket is full). */
  pause(): void;
  resume(): void;
  /** Stop and let go of the file; `sink` hears nothing more. Also for a download never started. */
  close(): void;
}

export interface DownloadSink {
  chunk(data: Buffer): void;
  end(): void;
  error(err: Error): void;
}
