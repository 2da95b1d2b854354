/**
 * ObjectFileStore (src/cluster/object-file-store.ts) against a real nats-server: the
 * FileStore contract, then what only a store shared by nodes shows: a file uploaded
 * through one node read through another, races of one name across nodes, nothing left
 * in the object store by an abort, a failed put or a lost race, and bounded failures
 * when NATS goes away. Each store gets a fresh namespace, so tests never see each
 * other's files.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, it, type TestContext } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { clusterKeys, type ClusterKeys } from "../../src/cluster/keys.js";
import { ObjectFileStore, type ObjectFileStoreOptions } from "../../src/cluster/object-file-store.js";
import { objectLayout } from "../../src/cluster/object-layout.js";
import { isRefusal, type Download, type FileStore, type Upload } from "../../src/core/file-store.js";
import { LocalFileStore } from "../../src/files/local-file-store.js";
import { UploadQuota } from "../../src/files/upload-quota.js";
import { fileStoreContract } from "../files/file-store.contract.js";
import { NATS_SKIP, startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from "../helpers/nats-server.js";
import { tempDir } from "../helpers/server.js";

const MiB = 1024 * 1024;
/** What a bcs session hands the store: the socket's reads (net.Socket reads up to 64 KiB). */
const BCS_CHUNK = 64 * 1024;
const NO_LIMITS = { maxFileBytes: 128 * MiB };

let namespaces = 0;
/** A namespace no other test uses. */
const freshKeys = (): ClusterKeys => clusterKeys(`t${++namespaces}`);

/** Resolves within `ms` or fails: nothing here may hang a run. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const openStore = (nc: NatsConnection, keys: ClusterKeys, more: Partial<ObjectFileStoreOptions> = {}): Promise<ObjectFileStore> =>
  ObjectFileStore.open(nc, { keys, limits: NO_LIMITS, ...more });

async function begin(store: FileStore, user: string, name: string, size: number): Promise<Upload> {
  const answer = await store.beginUpload(user, name, size);
  assert.ok(!isRefusal(answer), `upload of ${name} refused: ${JSON.stringify(answer)}`);
  return answer;
}

async function openDownload(store: FileStore, name: string): Promise<Download> {
  const answer = await within(10_000, "openDownload", Promise.resolve(store.openDownload(name)));
  assert.ok(!isRefusal(answer), `download of ${name} refused: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Write `size` bytes made by `next` in `chunkBytes` chunks, waiting whenever the upload
 * says so: the bytes' SHA-256, and how often the writer waited.
 */
async function writeStream(
  upload: Upload,
  size: number,
  chunkBytes: number,
  next: (n: number) => Buffer = randomBytes,
  progress?: (bytes: number, chunk: number) => void,
): Promise<{ sha256: string; waits: number }> {
  const hash = createHash("sha256");
  let waits = 0;
  for (let at = 0; at < size; at += chunkBytes) {
    const chunk = next(Math.min(chunkBytes, size - at));
    hash.update(chunk);
    progress?.(at + chunk.length, chunk.length);
    if (!upload.write(chunk)) {
      waits++;
      await within(10_000, "drain", new Promise<void>((resolve) => upload.onDrain(resolve)));
    }
  }
  return { sha256: hash.digest("hex"), waits };
}

/** Write `data` whole, as a bcs session would. */
const writeAll = (upload: Upload, data: Buffer): Promise<unknown> => {
  let at = 0;
  return writeStream(upload, data.length, BCS_CHUNK, (n) => data.subarray(at, (at += n)));
};

/** Read a download to its end, hashing on the fly, pausing for a moment every `pauseEvery` chunks. */
async function readStream(
  download: Download,
  pauseEvery = 0,
  ms = 20_000,
  progress?: (bytes: number, chunk: number) => void,
): Promise<{ sha256: string; bytes: number; chunks: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  let chunks = 0;
  let paused = false;
  let cameWhilePaused = 0;
  await within(
    ms,
    "download",
    new Promise<void>((resolve, reject) => {
      download.start({
        chunk: (data) => {
          if (paused) cameWhilePaused++;
          hash.update(data);
          bytes += data.length;
          progress?.(bytes, data.length);
          if (pauseEvery > 0 && ++chunks % pauseEvery === 0) {
            paused = true;
            download.pause();
            setTimeout(() => {
              paused = false;
              download.resume();
            }, 2);
          }
        },
        end: resolve,
        error: reject,
      });
    }),
  );
  assert.equal(cameWhilePaused, 0, "chunks came while the download was paused");
  return { sha256: hash.digest("hex"), bytes, chunks };
}

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/**
 * What the object store's stream holds, by subject (message counts), and what it should
 * hold: the record and chunks of each object a name points to, nothing else.
 */
async function objectStoreHoldings(nc: NatsConnection, keys: ClusterKeys): Promise<{ held: Record<string, number>; named: Record<string, number> }> {
  const jsm = await jetstreamManager(nc);
  const layout = objectLayout(keys.filesObjects);
  const names = await new Kvm(nc).open(keys.filesBucket);
  const objects = await new Objm(nc).open(keys.filesObjects);
  const named: Record<string, number> = {};
  for await (const key of await names.keys()) {
    const entry = await names.get(key);
    const id = entry!.string().split(" ")[1]!;
    const info = await objects.info(id);
    assert.ok(info !== null && !info.deleted, `name ${key} points to object ${id}, which is missing`);
    named[layout.recordSubject(id)] = 1;
    if (info.chunks > 0) named[layout.chunkSubject(info.nuid)] = info.chunks;
  }
  const info = await jsm.streams.info(layout.stream, { subjects_filter: ">" });
  return { held: { ...(info.state.subjects ?? {}) }, named };
}

async function assertOnlyNamedObjects(nc: NatsConnection, keys: ClusterKeys): Promise<void> {
  const { held, named } = await objectStoreHoldings(nc, keys);
  assert.deepEqual(held, named, "the object store holds more (or less) than the named files");
}

async function destroyBuckets(nc: NatsConnection, keys: ClusterKeys): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(`KV_${keys.filesBucket}`);
  await jsm.streams.delete(objectLayout(keys.filesObjects).stream);
}

describe("ObjectFileStore (JetStream object store)", { skip: NATS_SKIP }, () => {
  let server: NatsServer;
  /** Node A's and node B's connections. */
  let nodeA: NatsConnection;
  let nodeB: NatsConnection;

  before(async () => {
    server = await startNatsServer();
    nodeA = await connect({ servers: server.url });
    nodeB = await connect({ servers: server.url });
  });

  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await server?.dispose();
  });

  fileStoreContract("ObjectFileStore", {
    async open(limits) {
      const keys = freshKeys();
      const store = await ObjectFileStore.open(nodeA, { keys, limits, quota: new UploadQuota(limits) });
      return {
        store,
        dispose: async () => {
          // Whatever the test did, nothing but named files is left in the object store.
          await within(20_000, "settled", store.settled());
          await assertOnlyNamedObjects(nodeA, keys);
          await destroyBuckets(nodeA, keys);
        },
      };
    },
  });

  describe("two nodes", () => {
    it("gives a 64 MiB file uploaded through node A to node B byte-exact, in bounded time and memory", async (t: TestContext) => {
      const keys = freshKeys();
      const [a, b] = await Promise.all([openStore(nodeA, keys), openStore(nodeB, keys)]);
      const size = 64 * MiB;
      const rss = new RssWatch();
      // What is held is measured after a collection every 16 MiB, on both sides.
      const everySixteenMiB = (bytes: number, chunk: number): void => {
        if (Math.floor(bytes / (16 * MiB)) !== Math.floor((bytes - chunk) / (16 * MiB))) rss.collect();
      };
      try {
        let started = performance.now();
        const upload = await begin(a, "alice", "big.bin", size);
        const written = await within(60_000, "upload", writeStream(upload, size, BCS_CHUNK, randomBytes, everySixteenMiB));
        assert.equal(await within(10_000, "commit", Promise.resolve(upload.commit())), "ok");
        const uploadSeconds = (performance.now() - started) / 1000;
        assert.ok(written.waits > 0, "64 MiB written at once never asked the writer to wait: no backpressure");
        const [uploadPeak, uploadHeld] = rss.growth();

        rss.reset();
        started = performance.now();
        const download = await openDownload(b, "big.bin");
        assert.equal(download.size, size);
        const read = await readStream(download, 64, 60_000, everySixteenMiB);
        const downloadSeconds = (performance.now() - started) / 1000;
        const [downloadPeak, downloadHeld] = rss.growth();

        assert.equal(read.bytes, size);
        assert.equal(read.sha256, written.sha256, "the bytes read through B differ from those written through A");
        const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
        t.diagnostic(
          `64 MiB in ${BCS_CHUNK / 1024} KiB writes: A -> NATS ${(64 / uploadSeconds).toFixed(0)} MiB/s (${uploadSeconds.toFixed(2)} s, ${written.waits} waits), ` +
            `NATS -> B ${(64 / downloadSeconds).toFixed(0)} MiB/s (${downloadSeconds.toFixed(2)} s, ${read.chunks} chunks); ` +
            `RSS growth: upload peak +${mib(uploadPeak)} MiB, held +${mib(uploadHeld)} MiB; download peak +${mib(downloadPeak)} MiB, held +${mib(downloadHeld)} MiB`,
        );
        // Neither side holds more than a few chunks of the file; its spent chunks are garbage.
        assert.ok(uploadHeld < 16 * MiB, `the upload held ${mib(uploadHeld)} MiB`);
        assert.ok(downloadHeld < 16 * MiB, `the download held ${mib(downloadHeld)} MiB`);
        assert.ok(uploadPeak < size / 2 && downloadPeak < size / 2, `RSS peaked ${mib(uploadPeak)} MiB up, ${mib(downloadPeak)} MiB down`);
      } finally {
        rss.stop();
        await destroyBuckets(nodeA, keys);
      }
    });

    it("keeps exactly one of two uploads of a name committed at once on A and B; the loser's object is gone", async () => {
      const keys = freshKeys();
      const [a, b] = await Promise.all([openStore(nodeA, keys), openStore(nodeB, keys)]);
      for (let round = 0; round < 5; round++) {
        const name = `race ${round}.bin`;
        const contents = [randomBytes(700 * 1024 + round), randomBytes(500 * 1024 + round)];
        const uploads = await Promise.all([begin(a, "ann", name, contents[0]!.length), begin(b, "bob", name, contents[1]!.length)]);
        await Promise.all(uploads.map((u, i) => writeAll(u, contents[i]!)));
        const results = await within(20_000, "commits", Promise.all(uploads.map((u) => u.commit())));
        assert.deepEqual([...results].sort(), ["exists", "ok"], `round ${round}: ${results.join(", ")}`);
        const winner = results.indexOf("ok");
        // Read through the node that lost: it sees the winner's file.
        const kept = await readStream(await openDownload(winner === 0 ? b : a, name));
        assert.equal(kept.sha256, sha256(contents[winner]!), `round ${round}: the kept file is not the winner's, whole`);
      }
      await Promise.all([a.settled(), b.settled()]);
      const { held, named } = await objectStoreHoldings(nodeA, keys);
      assert.equal(Object.keys(named).length, 2 * 5, "five files, a record and chunks each");
      assert.deepEqual(held, named, "a loser's object (record or chunks) is left in the object store");
      await destroyBuckets(nodeA, keys);
    });

    it("leaves no object behind an abort, even of chunks already stored", async () => {
      const keys = freshKeys();
      const store = await openStore(nodeA, keys);
      const upload = await begin(store, "alice", "dropped.bin", 8 * MiB);
      await writeStream(upload, 3 * MiB, BCS_CHUNK);
      const jsm = await jetstreamManager(nodeA);
      const stream = objectLayout(keys.filesObjects).stream;
      assert.ok((await jsm.streams.info(stream)).state.messages > 0, "nothing was stored before the abort: the test shows nothing");
      upload.abort();
      upload.abort();
      await within(10_000, "settled", store.settled());
      assert.equal((await jsm.streams.info(stream)).state.messages, 0, "the aborted upload left messages in the object store");
      assert.deepEqual(await store.openDownload("dropped.bin"), { refused: "not_found" });
      await destroyBuckets(nodeA, keys);
    });

    it("rejects the commit of an upload whose put failed, leaving nothing behind and the name free", async () => {
      const keys = freshKeys();
      const store = await openStore(nodeA, keys);
      const jsm = await jetstreamManager(nodeA);
      const stream = objectLayout(keys.filesObjects).stream;
      const upload = await begin(store, "alice", "failed.bin", 4 * MiB);
      await writeStream(upload, MiB, BCS_CHUNK);
      // From now on the stream refuses every chunk: the put fails at its next publish.
      await jsm.streams.update(stream, { max_msg_size: 1024 });
      await within(10_000, "writes after the failure", writeStream(upload, 3 * MiB, BCS_CHUNK));
      await assert.rejects(within(10_000, "commit", Promise.resolve(upload.commit())), /maximum|size|exceed/i);
      await within(10_000, "settled", store.settled());
      assert.equal((await jsm.streams.info(stream)).state.messages, 0, "the failed put left messages in the object store");
      await jsm.streams.update(stream, { max_msg_size: -1 });
      assert.deepEqual(await store.openDownload("failed.bin"), { refused: "not_found" });
      await destroyBuckets(nodeA, keys);
    });

    it("refuses names with ../ or / as LocalFileStore does, storing nothing", async () => {
      const keys = freshKeys();
      const store = await openStore(nodeA, keys);
      const dir = tempDir("sb-files-");
      const local = new LocalFileStore(dir, NO_LIMITS);
      await local.init();
      for (const name of ["../up", "../../etc/passwd", "a/b", "/abs", "dir/", "..", "a\\b", "ok/../x"]) {
        const answer = await store.beginUpload("alice", name, 1);
        assert.equal(isRefusal(answer) && answer.refused, "bad_name", name);
        assert.deepEqual(answer, await local.beginUpload("alice", name, 1), name);
        assert.deepEqual(await store.openDownload(name), await local.openDownload(name), name);
      }
      rmSync(dir, { recursive: true, force: true });
      const names = await new Kvm(nodeA).open(keys.filesBucket);
      assert.equal((await names.status()).values, 0, "a refused name reached the names bucket");
      await destroyBuckets(nodeA, keys);
    });

    it("opens one store from many nodes at once: whoever creates its buckets, every node opens them", async () => {
      // Creates racing on one stream may be answered "subjects overlap" (10065) on
      // nats-server 2.9 (seen in a CI run with two nodes); each node must then open it.
      const nodes = await Promise.all(Array.from({ length: 6 }, () => connect({ servers: server.url })));
      try {
        for (let round = 0; round < 10; round++) {
          const keys = freshKeys();
          const stores = await within(20_000, `opening round ${round}`, Promise.all(nodes.map((nc) => openStore(nc, keys))));
          assert.equal(stores.length, nodes.length);
          await destroyBuckets(nodeA, keys);
        }
      } finally {
        await Promise.all(nodes.map((nc) => nc.close()));
      }
    });

    it("creates its buckets with one replica unless told otherwise", async () => {
      const keys = freshKeys();
      await openStore(nodeA, keys);
      const jsm = await jetstreamManager(nodeA);
      assert.equal((await jsm.streams.info(`KV_${keys.filesBucket}`)).config.num_replicas, 1);
      assert.equal((await jsm.streams.info(objectLayout(keys.filesObjects).stream)).config.num_replicas, 1);
      await destroyBuckets(nodeA, keys);
    });
  });

  describe("when NATS goes away", () => {
    let lone: NatsServer;
    let nc: NatsConnection;

    before(async () => {
      lone = await startNatsServer();
      nc = await connect({ servers: lone.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    });

    after(async () => {
      await nc?.close();
      await lone?.dispose();
    });

    it("rejects a commit and fails a download within the timeout, and works again once it is back", async (t: TestContext) => {
      const keys = freshKeys();
      const store = await openStore(nc, keys, { timeoutMs: 1000 });
      const stored = randomBytes(3 * MiB);
      const first = await begin(store, "alice", "before.bin", stored.length);
      await writeAll(first, stored);
      assert.equal(await first.commit(), "ok");

      const upload = await begin(store, "alice", "cut.bin", 2 * MiB);
      await writeStream(upload, MiB, BCS_CHUNK);
      const download = await openDownload(store, "before.bin");
      const downloadFailed = new Promise<Error>((resolve, reject) => {
        download.start({
          chunk: () => {
            download.pause(); // hold the download until NATS is gone
          },
          end: () => reject(new Error("a download cut off from NATS ended as if whole")),
          error: resolve,
        });
      });
      await lone.stop();
      const since = performance.now();
      download.resume();
      await within(10_000, "the download's error", downloadFailed);
      const downloadFailedAfter = performance.now() - since;
      await writeStream(upload, MiB, BCS_CHUNK);
      await assert.rejects(within(10_000, "commit", Promise.resolve(upload.commit())));
      const commitFailedAfter = performance.now() - since;
      t.diagnostic(`with a 1 s timeout, NATS gone: the download failed after ${downloadFailedAfter.toFixed(0)} ms, the commit after ${commitFailedAfter.toFixed(0)} ms`);
      assert.ok(commitFailedAfter < 8_000, `failing took ${commitFailedAfter.toFixed(0)} ms`);

      await lone.restart();
      const again = await within(20_000, "an upload once NATS is back", (async () => {
        for (;;) {
          try {
            const u = await begin(store, "alice", "after.bin", 5);
            await writeAll(u, Buffer.from("again"));
            return await u.commit();
          } catch {
            await new Promise((r) => setTimeout(r, 200)); // still reconnecting
          }
        }
      })());
      assert.equal(again, "ok");
      assert.equal((await readStream(await openDownload(store, "before.bin"))).sha256, sha256(stored));
      await store.settled();
    });
  });

  describe("replicas on a NATS cluster", () => {
    let cluster: NatsCluster;
    let first: NatsConnection;
    let second: NatsConnection;

    before(async () => {
      cluster = await startNatsCluster(3);
      first = await connect({ servers: cluster.servers[0]!.url });
      second = await connect({ servers: cluster.servers[1]!.url });
      await untilReplicatedStreamsWork(first);
    });

    after(async () => {
      await first?.close();
      await second?.close();
      await cluster?.dispose();
    });

    it("keeps 3 copies when told, and serves through one server what was stored through another", async () => {
      const keys = freshKeys();
      const [a, b] = await Promise.all([openStore(first, keys, { replicas: 3 }), openStore(second, keys, { replicas: 3 })]);
      const jsm = await jetstreamManager(first);
      assert.equal((await jsm.streams.info(`KV_${keys.filesBucket}`)).config.num_replicas, 3);
      assert.equal((await jsm.streams.info(objectLayout(keys.filesObjects).stream)).config.num_replicas, 3);

      const upload = await begin(a, "alice", "replicated.bin", 8 * MiB);
      const written = await writeStream(upload, 8 * MiB, BCS_CHUNK);
      assert.equal(await within(10_000, "commit", Promise.resolve(upload.commit())), "ok");
      // At once through the other server: the name is looked up at the leader.
      const read = await readStream(await openDownload(b, "replicated.bin"), 8);
      assert.equal(read.sha256, written.sha256);

      const race = await Promise.all([begin(a, "ann", "one", 3), begin(b, "bob", "one", 3)]);
      await Promise.all(race.map((u, i) => writeAll(u, Buffer.from(i === 0 ? "aaa" : "bbb"))));
      assert.deepEqual((await Promise.all(race.map((u) => u.commit()))).sort(), ["exists", "ok"]);
      await Promise.all([a.settled(), b.settled()]);
      await assertOnlyNamedObjects(first, keys);
    });
  });
});

/**
 * A freshly started NATS cluster has a metadata leader before every server answers the
 * JetStream API promptly (one run's first request timed out): make and remove a
 * 3-replica stream until that works, within 30 s.
 */
async function untilReplicatedStreamsWork(nc: NatsConnection): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2_000 });
      await jsm.streams.add({ name: "warmup", subjects: ["warmup.>"], num_replicas: 3 });
      await jsm.streams.delete("warmup");
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * The process's resident memory while a file goes through: the peak above where it was
 * when (re)started, sampled every 10 ms, and the peak of what is still held, sampled
 * right after a full garbage collection at each `collect()` (a writer's or reader's
 * spent chunks are garbage the collector may leave for tens of MiB, which the plain
 * peak counts and retention does not).
 */
class RssWatch {
  private base = 0;
  private peak = 0;
  private retained = 0;
  private readonly timer = setInterval(() => this.sample(), 10);

  constructor() {
    this.reset();
  }

  reset(): void {
    collectGarbage();
    this.base = process.memoryUsage().rss;
    this.peak = this.base;
    this.retained = this.base;
  }

  collect(): void {
    collectGarbage();
    this.retained = Math.max(this.retained, process.memoryUsage().rss);
  }

  /** [peak growth, retained growth] in bytes. */
  growth(): [number, number] {
    this.sample();
    this.collect();
    return [this.peak - this.base, this.retained - this.base];
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
}

/** A full collection, through V8's gc() (exposed at run time: the test runner's flags are not ours to set). */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();
