/**
 * The FileStore over one directory. Every stored name is a single safe path component
 * (file-names.ts); uploads go to a temporary file that is linked into place only when
 * complete and synced, so a crash never leaves a partial file under a real name.
 *
 * Everything but the commit and the opening of a download answers at once: the checks,
 * the quota, and the temporary file, which is opened synchronously (one rare, fast
 * syscall) so that the body chunks that follow a `sendfile` can be written straight away.
 */
import { randomBytes } from "node:crypto";
import { close, createWriteStream, existsSync, fsync, openSync, type ReadStream } from "node:fs";
import { link, mkdir, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { CommitResult, Download, DownloadRefusal, DownloadSink, FileStore, Upload, UploadRefusal } from "../core/file-store.js";
import { fileNameProblem } from "../core/file-names.js";
import { NO_UPLOAD_QUOTA, type UploadQuota } from "./upload-quota.js";

/** Temporary uploads start with this; stored names cannot start with a dot. */
const TEMP_PREFIX = ".upload-";

/** Read at each upload, so that a new value (SIGHUP) applies from the next one. */
export interface FileLimits {
  readonly maxFileBytes: number;
}

const TOO_LARGE: UploadRefusal = { refused: "too_large" };
const EXISTS: UploadRefusal = { refused: "exists" };
const OVER_QUOTA_NOW: UploadRefusal = { refused: "over_quota_now" };
const OVER_QUOTA_EVER: UploadRefusal = { refused: "over_quota_ever" };
const NOT_FOUND: DownloadRefusal = { refused: "not_found" };

export class LocalFileStore implements FileStore {
  constructor(
    readonly dir: string,
    private readonly limits: FileLimits,
    /** Upload allowances per user (--upload-bytes-per-hour, --uploads-per-minute); default none. */
    private readonly quota: UploadQuota = NO_UPLOAD_QUOTA,
  ) {}

  /** Create the directory and remove temporaries a crash left behind. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(TEMP_PREFIX)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  beginUpload(user: string, name: string, size: number): Upload | UploadRefusal {
    const problem = fileNameProblem(name);
    if (problem !== undefined) return { refused: "bad_name", problem };
    if (size > this.limits.maxFileBytes) return TOO_LARGE;
    if (existsSync(join(this.dir, name))) return EXISTS;
    // Charged last, so that an upload refused for another reason costs no allowance.
    const quota = this.quota.charge(user, size);
    if (quota !== "ok") return quota === "never" ? OVER_QUOTA_EVER : OVER_QUOTA_NOW;
    return new LocalUpload(join(this.dir, TEMP_PREFIX + randomBytes(8).toString("hex")), join(this.dir, name));
  }

  openDownload(name: string): DownloadRefusal | Promise<Download | DownloadRefusal> {
    const problem = fileNameProblem(name);
    if (problem !== undefined) return { refused: "bad_name", problem };
    return this.open(join(this.dir, name));
  }

  /** Not found unless it is a regular file that can be opened. */
  private async open(path: string): Promise<Download | DownloadRefusal> {
    let handle;
    try {
      handle = await open(path, "r");
    } catch {
      return NOT_FOUND;
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      return NOT_FOUND;
    }
    return new LocalDownload(stat.size, handle.createReadStream({ autoClose: true }));
  }
}

class LocalUpload implements Upload {
  private readonly fd: number;
  private readonly stream;
  private failed: Error | undefined;
  private closed = false;

  constructor(
    private readonly tempPath: string,
    private readonly finalPath: string,
  ) {
    // `wx` never follows or replaces anything already there.
    this.fd = openSync(tempPath, "wx");
    this.stream = createWriteStream("", { fd: this.fd, autoClose: false });
    this.stream.on("error", (err) => (this.failed = err));
  }

  write(chunk: Buffer): boolean {
    return this.stream.write(chunk);
  }

  onDrain(callback: () => void): void {
    this.stream.once("drain", callback);
  }

  commit(): Promise<CommitResult> {
    return new Promise<CommitResult>((resolve, reject) => {
      this.stream.end(() => {
        if (this.failed) {
          this.release();
          this.dropTemp();
          return reject(this.failed);
        }
        fsync(this.fd, (syncErr) => {
          this.release();
          if (syncErr) {
            this.dropTemp();
            return reject(syncErr);
          }
          // link, unlike rename, never replaces an existing file: a race loses cleanly.
          link(this.tempPath, this.finalPath)
            .then(
              () => resolve("ok"),
              (err: NodeJS.ErrnoException) => (err.code === "EEXIST" ? resolve("exists") : reject(err)),
            )
            .finally(() => this.dropTemp());
        });
      });
    });
  }

  abort(): void {
    // destroy() closes the stream's fd itself (even with autoClose false): closing it
    // here too would close whatever file the kernel has meanwhile given that number
    // (e.g. a download's FileHandle, whose own close then fails with EBADF, uncaught).
    if (!this.closed) {
      this.closed = true;
      this.stream.destroy();
    }
    this.dropTemp();
  }

  private release(): void {
    if (!this.closed) close(this.fd, () => undefined);
    this.closed = true;
  }

  private dropTemp(): void {
    unlink(this.tempPath).catch(() => undefined);
  }
}

class LocalDownload implements Download {
  private closed = false;

  constructor(
    readonly size: number,
    private readonly stream: ReadStream,
  ) {}

  start(sink: DownloadSink): void {
    // Nothing is read before the first listener: the file stays unread until started.
    this.stream.on("data", (chunk) => {
      if (!this.closed) sink.chunk(chunk as Buffer);
    });
    this.stream.on("end", () => {
      if (!this.closed) sink.end();
    });
    this.stream.on("error", (err) => {
      if (!this.closed) sink.error(err);
    });
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    if (!this.closed) this.stream.resume();
  }

  close(): void {
    this.closed = true;
    this.stream.destroy();
  }
}
