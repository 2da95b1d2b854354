/**
 * /sendfile: the file goes from disk to the socket chunk by chunk, paced by the socket
 * (a full socket pauses the file), so a file is never held in memory whole.
 */
import { open } from "node:fs/promises";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";

/** flen is a u32 on the wire. */
const MAX_WIRE_FILE_BYTES = 0xffffffff;

export interface OpenedUpload {
  readonly size: number;
  /** Undefined for an empty file (a zero-length stream cannot be described by start/end). */
  readonly stream: Readable | undefined;
}

/** Open a regular file and fix its size: the size goes into the header before any content. */
export async function openUpload(path: string): Promise<OpenedUpload> {
  const handle = await open(path, "r");
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error("not a regular file");
    if (st.size > MAX_WIRE_FILE_BYTES) throw new Error("larger than 4 GiB, which a bcs frame cannot carry");
    if (st.size === 0) {
      await handle.close();
      return { size: 0, stream: undefined };
    }
    // `end` caps the read at the announced size even if the file grows meanwhile.
    return { size: st.size, stream: handle.createReadStream({ start: 0, end: st.size - 1 }) };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Write exactly `size` content bytes after the header, telling `sent` of each chunk
 * handed to the socket. Rejects if the file ends early (it shrank): the announced length
 * is already on the wire, so the caller cannot recover the stream and must close the
 * connection.
 */
export function writeBody(upload: OpenedUpload, socket: Socket, sent: (bytes: number) => void): Promise<void> {
  const stream = upload.stream;
  if (stream === undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let written = 0;
    const onDrain = (): void => void stream.resume();
    stream.on("data", (chunk: Buffer) => {
      written += chunk.length;
      sent(chunk.length);
      if (!socket.write(chunk)) {
        stream.pause();
        socket.once("drain", onDrain);
      }
    });
    stream.on("end", () => {
      if (written === upload.size) resolve();
      else reject(new Error(`the file shrank to ${written} of ${upload.size} bytes while being sent`));
    });
    stream.on("error", reject);
    stream.on("close", () => {
      socket.off("drain", onDrain);
      // Destroyed from outside (the session ended): settle so nothing waits forever.
      if (written !== upload.size) reject(new Error("upload stopped"));
    });
  });
}
