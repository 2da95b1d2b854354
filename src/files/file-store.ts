/**
 * Uploaded files under one directory. Every stored name is a single safe path
 * component (docs/wire.md#files); uploads go to a temporary file that is linked into place only
 * when complete and synced, so a crash never leaves a partial file under a real name.
 */
import { randomBytes } from "node:crypto";
import { close, createWriteStream, existsSync, fsync, openSync, type ReadStream } from "node:fs";
import { link, mkdir, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";

/** Temporary uploads start with this; stored names cannot start with a dot. */
const TEMP_PREFIX = ".upload-";
const MAX_NAME_BYTES = 255;

/** Why a stored name is refused, or undefined when it is safe. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return "empty file name";
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) return "file name longer than 255 bytes";
  if (name.startsWith(".")) return "file name starts with a dot";
  if (name.includes("..")) return "file name contains ..";
  // Separators of any platform, NUL and other control characters never reach the disk.
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return "file name contains a separator or control character";
  return undefined;
}

export type FinishResult = "ok" | "exists";

export interface Upload {
  /** Write a chunk; false means wait for `onDrain` before writing more. */
  write(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  /** Sync and link the file into place under its real name. */
  finish(): Promise<FinishResult>;
  /** Drop the partial file. */
  abort(): void;
}

export interface OpenedFile {
  readonly size: number;
  readonly stream: ReadStream;
}

export class FileStore {
  constructor(readonly dir: string) {}

  /** Create the directory and remove temporaries a crash left behind. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(TEMP_PREFIX)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  exists(name: string): boolean {
    return existsSync(join(this.dir, name));
  }

  /** Start an upload of a name already checked with fileNameProblem. */
  beginUpload(name: string): Upload {
    const tempPath = join(this.dir, TEMP_PREFIX + randomBytes(8).toString("hex"));
    const finalPath = join(this.dir, name);
    // Opened synchronously (one rare, fast syscall) so that body chunks can be written
    // at once; `wx` never follows or replaces anything already there.
    const fd = openSync(tempPath, "wx");
    const stream = createWriteStream("", { fd, autoClose: false });
    let failed: Error | undefined;
    let closed = false;
    stream.on("error", (err) => (failed = err));
    const release = (): void => {
      if (!closed) close(fd, () => undefined);
      closed = true;
    };
    return {
      write: (chunk) => stream.write(chunk),
      onDrain: (callback) => stream.once("drain", callback),
      finish: () =>
        new Promise<FinishResult>((resolve, reject) => {
          stream.end(() => {
            if (failed) {
              release();
              unlink(tempPath).catch(() => undefined);
              return reject(failed);
            }
            fsync(fd, (syncErr) => {
              release();
              if (syncErr) {
                unlink(tempPath).catch(() => undefined);
                return reject(syncErr);
              }
              // link, unlike rename, never replaces an existing file: a race loses cleanly.
              link(tempPath, finalPath)
                .then(
                  () => resolve("ok"),
                  (err: NodeJS.ErrnoException) => (err.code === "EEXIST" ? resolve("exists") : reject(err)),
                )
                .finally(() => unlink(tempPath).catch(() => undefined));
            });
          });
        }),
      abort: () => {
        // destroy() closes the stream's fd itself (even with autoClose false): closing it
        // here too would close whatever file the kernel has meanwhile given that number
        // (e.g. a download's FileHandle, whose own close then fails with EBADF, uncaught).
        if (!closed) {
          closed = true;
          stream.destroy();
        }
        unlink(tempPath).catch(() => undefined);
      },
    };
  }

  /** Open a stored file for download; undefined when there is no such regular file. */
  async openForRead(name: string): Promise<OpenedFile | undefined> {
    let handle;
    try {
      handle = await open(join(this.dir, name), "r");
    } catch {
      return undefined;
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      return undefined;
    }
    return { size: stat.size, stream: handle.createReadStream({ autoClose: true }) };
  }
}
