/**
 * /getfile: a `recvfile` body is written as it arrives to a temporary file next to the
 * destination, and put in place only when complete, so an interrupted download never
 * leaves a partial file under the real name. An existing file is never replaced: when
 * the name is taken, the download is saved as `name (1).ext`, `name (2).ext`, ...
 */
import { randomBytes } from "node:crypto";
import { constants, createWriteStream, type WriteStream } from "node:fs";
import { copyFile, link, stat, unlink } from "node:fs/promises";
import { basename, dirname, extname, join, sep } from "node:path";

/** How many numbered names are tried before giving up. */
const MAX_NUMBERED = 999;
import { finished } from "node:stream/promises";

/**
 * Where `/getfile name [dest]` writes: `dest`, or `dest/name` when dest is a directory,
 * or `./name` by default. Rejects early (before asking the server) if the directory
 * that would hold the file does not exist.
 */
export async function resolveDestination(name: string, dest: string | undefined): Promise<string> {
  let target = dest ?? `./${name}`;
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) target = join(target, name);
  const dir = await stat(dirname(target)).catch(() => undefined);
  if (!dir?.isDirectory()) throw new Error(`no directory ${dirname(target)}`);
  return target;
}

export class Download {
  private readonly tempPath: string;
  private readonly file: WriteStream;
  private failure: Error | undefined;
  received = 0;

  constructor(
    readonly dest: string,
    readonly size: number,
  ) {
    // Hidden and unique; `wx` never follows or replaces anything already there.
    this.tempPath = join(dirname(dest), `.${basename(dest)}.${randomBytes(6).toString("hex")}.part`);
    // A larger buffer than the 16 KiB default: fewer pauses of the socket per file.
    this.file = createWriteStream(this.tempPath, { flags: "wx", highWaterMark: 1024 * 1024 });
    this.file.on("error", (err) => (this.failure ??= err));
  }

  /**
   * Write a chunk of the body. False means the disk is behind: stop reading the socket
   * and call `onDrain`. After a write error the rest of the body is only counted (it
   * still has to be read off the wire) and the error is reported by `finish`.
   */
  write(chunk: Buffer): boolean {
    this.received += chunk.length;
    if (this.failure !== undefined) return true;
    return this.file.write(chunk);
  }

  /** Called once the file can take more, or has failed (then nothing more is written). */
  onDrain(callback: () => void): void {
    const once = (): void => {
      this.file.off("drain", once);
      this.file.off("close", once);
      callback();
    };
    this.file.on("drain", once);
    this.file.on("close", once);
  }

  /** After the last body byte: close the temporary file and move it into place; returns where it went. */
  async finish(): Promise<string> {
    this.file.end();
    try {
      await finished(this.file);
    } catch (err) {
      this.failure ??= err as Error;
    }
    if (this.failure !== undefined) {
      await unlink(this.tempPath).catch(() => undefined);
      throw this.failure;
    }
    try {
      return await placeWithoutReplacing(this.tempPath, this.dest);
    } finally {
      await unlink(this.tempPath).catch(() => undefined);
    }
  }

  /** The session ended mid-download: drop the partial file. */
  abort(): void {
    this.file.destroy();
    // Unlink only once the stream is closed: it may not even have created the file yet.
    void finished(this.file)
      .catch(() => undefined)
      .then(() => unlink(this.tempPath))
      .catch(() => undefined);
  }
}

/**
 * Give the finished temporary file the name `dest`, or the first free numbered name.
 * A hard link fails if the name exists, so no check-then-write race can replace a file
 * created meanwhile; where hard links are not supported, an exclusive copy does the same.
 */
async function placeWithoutReplacing(temp: string, dest: string): Promise<string> {
  for (let n = 0; n <= MAX_NUMBERED; n++) {
    const candidate = n === 0 ? dest : numbered(dest, n);
    try {
      await link(temp, candidate);
      return candidate;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw err;
    }
    try {
      await copyFile(temp, candidate, constants.COPYFILE_EXCL);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new Error(`${dest} and ${MAX_NUMBERED} numbered names beside it exist already`);
}

/** `notes.txt` -> `notes (2).txt`; `archive` -> `archive (2)`. */
export function numbered(path: string, n: number): string {
  const name = basename(path);
  const ext = extname(name); // "" for `.hidden` and `archive`
  // Not join(): it would turn `./notes.txt` into `notes (1).txt`.
  return `${dirname(path)}${sep}${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}
