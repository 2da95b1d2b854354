/**
 * The FileStore port (src/core/file-store.ts) for nodes run as one cluster: a file's bytes
 * are an object in a JetStream object store (keys.filesObjects), its name an entry of a
 * KV bucket (keys.filesBucket) saying which object holds it (docs/cluster.md#files).
 *
 * Why two buckets: an object store `put` overwrites, and there is no creating an object
 * only if its name is free, so two uploads of one name on two nodes would both "win".
 * Each upload streams to an object of a fresh id instead, and `commit` is `kv.create`
 * of the name, which exactly one upload of a name can do; the other answers "exists"
 * and deletes its object. A name is never deleted or replaced (the port has no delete).
 *
 * Refusals come in LocalFileStore's order (bad name, too large, exists, allowance); the
 * first two at once, the others after asking the names bucket. The upload allowance is
 * this node's (UploadQuota): a user uploading through two nodes has two.
 */
import { JetStreamApiCodes, JetStreamApiError, jetstream, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { Objm, setSha256Backend, type ObjectStore } from "@nats-io/obj";
import { nuid, type NatsConnection } from "@nats-io/transport-node";
import { fileNameProblem } from "../core/file-names.js";
import type { CommitResult, Download, DownloadRefusal, FileAnswer, FileStore, Upload, UploadRefusal } from "../core/file-store.js";
import type { FileLimits } from "../files/local-file-store.js";
import { NO_UPLOAD_QUOTA, type UploadQuota } from "../files/upload-quota.js";
import type { Logger } from "../log/ops-log.js";
import type { ClusterKeys } from "./keys.js";
import { untilCreated } from "./kv-calls.js";
import { ObjectDownload } from "./object-download.js";
import { objectLayout, type ObjectLayout } from "./object-layout.js";
import { ObjectUpload, type UploadTarget } from "./object-upload.js";

export interface ObjectFileStoreOptions {
  readonly keys: ClusterKeys;
  /** Read at each upload, as LocalFileStore reads them. */
  readonly limits: FileLimits;
  /** Upload allowances per user, on this node; default none. */
  readonly quota?: UploadQuota;
  /** Copies JetStream keeps of each bucket (at most the NATS cluster's size); applies when the buckets are created. Default 1. */
  readonly replicas?: number;
  /** Bound on each request to NATS (a chunk's publish, a name's lookup); default 5 s. */
  readonly timeoutMs?: number;
  /** Bytes per stored chunk; default 256 KiB (the server's max_payload caps it). */
  readonly chunkBytes?: number;
  /** Bytes an upload queues before the writer is told to wait; default 1 MiB. */
  readonly uploadQueueBytes?: number;
  readonly log?: Logger;
}

const DEFAULT_TIMEOUT_MS = 5_000;
// Measured on loopback: 256 KiB chunks stored 64 MiB ~1.5x faster than the library's 128 KiB.
const DEFAULT_CHUNK_BYTES = 256 * 1024;
const DEFAULT_UPLOAD_QUEUE_BYTES = 1024 * 1024;

const TOO_LARGE: UploadRefusal = { refused: "too_large" };
const EXISTS: UploadRefusal = { refused: "exists" };
const OVER_QUOTA_NOW: UploadRefusal = { refused: "over_quota_now" };
const OVER_QUOTA_EVER: UploadRefusal = { refused: "over_quota_ever" };
const NOT_FOUND: DownloadRefusal = { refused: "not_found" };

/** What the names bucket says of a file: the object holding it and its size. */
interface NamedObject {
  readonly id: string;
  readonly size: number;
}

export class ObjectFileStore implements FileStore {
  /** Deletions under way (aborted uploads, lost races), for `settled`. */
  private readonly background = new Set<Promise<void>>();
  private readonly layout: ObjectLayout;

  private constructor(
    private readonly names: KV,
    private readonly objects: ObjectStore,
    private readonly jsm: JetStreamManager,
    private readonly options: ObjectFileStoreOptions,
  ) {
    this.layout = objectLayout(options.keys.filesObjects);
  }

  /** Create the two buckets (or open them when another node did) over a connected `nc`. */
  static async open(nc: NatsConnection, options: ObjectFileStoreOptions): Promise<ObjectFileStore> {
    // Every chunk in and out is hashed; the library's default SHA-256 is pure JavaScript
    // (it runs in browsers too), which held a put to a quarter of node:crypto's speed.
    setSha256Backend("native");
    const replicas = options.replicas ?? 1;
    const js = jetstream(nc, { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    const [names, objects, jsm] = await Promise.all([
      // Not direct: a lookup then goes to the leader, so a name committed through one node
      // is found at once through any other, even while a replica lags.
      untilCreated(() => new Kvm(js).create(options.keys.filesBucket, { replicas, history: 1, allow_direct: false })),
      untilCreated(() => new Objm(js).create(options.keys.filesObjects, { replicas })),
      js.jetstreamManager(),
    ]);
    return new ObjectFileStore(names, objects, jsm, options);
  }

  beginUpload(user: string, name: string, size: number): FileAnswer<Upload | UploadRefusal> {
    const problem = fileNameProblem(name);
    if (problem !== undefined) return { refused: "bad_name", problem };
    if (size > this.options.limits.maxFileBytes) return TOO_LARGE;
    return this.beginIfFree(user, name, size);
  }

  openDownload(name: string): FileAnswer<Download | DownloadRefusal> {
    const problem = fileNameProblem(name);
    if (problem !== undefined) return { refused: "bad_name", problem };
    return this.openNamed(name);
  }

  /** Resolves once the deletions begun so far are done (or failed, logged): for tests and shutdown. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  private async beginIfFree(user: string, name: string, size: number): Promise<Upload | UploadRefusal> {
    // Only a hint: two uploads may both pass here; commit settles which one keeps the name.
    if ((await this.entryOf(name)) !== undefined) return EXISTS;
    // Charged last, so that an upload refused for another reason costs no allowance.
    const quota = (this.options.quota ?? NO_UPLOAD_QUOTA).charge(user, size);
    if (quota !== "ok") return quota === "never" ? OVER_QUOTA_EVER : OVER_QUOTA_NOW;
    return new ObjectUpload(nuid.next(), this.uploadTarget(name), this.options.uploadQueueBytes ?? DEFAULT_UPLOAD_QUEUE_BYTES, this.options.log);
  }

  private uploadTarget(name: string): UploadTarget {
    return {
      put: async (id, body) => {
        const max_chunk_size = this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
        const info = await this.objects.put({ name: id, options: { max_chunk_size } }, body, { timeout: this.timeoutMs });
        return info.size;
      },
      keep: (id, size) => this.keep(name, id, size),
      drop: (id, stored) => this.inBackground(id, stored.then(noop, noop).then(() => this.deleteObject(id))),
    };
  }

  /** Name object `id` `name`, unless another upload named it first. */
  private async keep(name: string, id: string, size: number): Promise<CommitResult> {
    try {
      await this.names.create(fileKey(name), encodeEntry({ id, size }));
      return "ok";
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) {
        await this.inBackground(id, this.deleteObject(id));
        return "exists";
      }
      // A create that timed out may still have been done: the object is then named.
      const now = await this.entryOf(name).then(
        (held) => (held === undefined ? undefined : decodeEntry(held, name)),
        () => "unknown" as const,
      );
      if (now !== "unknown" && now?.id === id) return "ok";
      if (now !== "unknown") await this.inBackground(id, this.deleteObject(id));
      else this.options.log?.warn({ err, file: name, object: id }, "naming an uploaded file failed, and whether it was named is unknown: its object is kept");
      throw err;
    }
  }

  private async openNamed(name: string): Promise<Download | DownloadRefusal> {
    const held = await this.entryOf(name);
    if (held === undefined) return NOT_FOUND;
    const { id, size } = decodeEntry(held, name);
    const info = await this.objects.info(id);
    if (info === null || info.deleted) throw new Error(`file "${name}" is named, but its object ${id} is missing`);
    const subject = this.layout.chunkSubject(info.nuid);
    return new ObjectDownload({ size, chunks: info.chunks, sha256: sha256Of(info.digest) }, (seq) =>
      this.jsm.direct.getMessage(this.layout.stream, { seq, next_by_subj: subject }),
    );
  }

  /** The names bucket's entry for `name`, or undefined when the name is free. */
  private async entryOf(name: string): Promise<string | undefined> {
    const entry = await this.names.get(fileKey(name));
    return entry === null || entry.operation !== "PUT" ? undefined : entry.string();
  }

  /**
   * Delete object `id`: its chunks, then its record (the library's delete would leave a
   * record marked deleted for ever). Chunks first: a record left by a failure still says
   * which chunks were its.
   */
  private async deleteObject(id: string): Promise<void> {
    const info = await this.objects.info(id);
    if (info === null) return;
    if (info.nuid) await this.jsm.streams.purge(this.layout.stream, { filter: this.layout.chunkSubject(info.nuid) });
    await this.jsm.streams.purge(this.layout.stream, { filter: this.layout.recordSubject(id) });
  }

  /** Run `work` as a tracked deletion that never rejects (a failure is logged: the object stays, docs/cluster.md#files). */
  private inBackground(id: string, work: Promise<void>): Promise<void> {
    const done = work.catch((err: unknown) => {
      this.options.log?.warn({ err, object: id }, "deleting an unnamed file object failed: it stays in the object store");
    });
    this.background.add(done);
    void done.finally(() => this.background.delete(done));
    return done;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }
}

const noop = (): void => undefined;

/**
 * A file name as a KV key: base64url of its UTF-8 bytes. Names may hold spaces, any
 * letter and dots where keys may not, and are told apart by case, as base64url keeps
 * them (255 bytes of name make a 340-character key).
 */
export function fileKey(name: string): string {
  return Buffer.from(name, "utf8").toString("base64url");
}

/** The entry's value: `<size> <object id>`, plain UTF-8. */
function encodeEntry({ id, size }: NamedObject): string {
  return `${size} ${id}`;
}

function decodeEntry(value: string, name: string): NamedObject {
  const match = /^(\d+) (\S+)$/.exec(value);
  if (match === null) throw new Error(`file "${name}": the names bucket holds "${value}", not "<size> <object id>"`);
  return { size: Number(match[1]), id: match[2]! };
}

/** The object's recorded digest (`SHA-256=<base64url>`) as bytes. */
function sha256Of(digest: string): Buffer {
  const prefix = "SHA-256=";
  if (!digest.startsWith(prefix)) throw new Error(`unknown object digest "${digest}"`);
  const bytes = Buffer.from(digest.slice(prefix.length), "base64url");
  if (bytes.length !== 32) throw new Error(`malformed object digest "${digest}"`);
  return bytes;
}
