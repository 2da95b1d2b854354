/**
 * The FileStore contract (src/core/file-store.ts): one suite, written against the port
 * only, run against every implementation by a small runner (local-file-store.test.ts
 * today; the object store of issue 17 next). A runner gives a factory for a fresh, empty
 * store with the limits asked for.
 *
 * Every answer of the port may be a value or a promise, so the suite awaits each one.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, describe, it } from "node:test";
import { isRefusal, type Download, type FileStore, type Upload } from "../../src/core/file-store.js";

/** What a store is made with; the object is kept, and a change applies from the next upload. */
export interface FileStoreLimits {
  maxFileBytes: number;
  /** 0: no allowance (off). */
  uploadBytesPerHour: number;
  /** 0: no allowance (off). */
  uploadsPerMinute: number;
}

export interface FileStoreTarget {
  /** A fresh store holding no file; `dispose` lets go of it (and of what it kept). */
  open(limits: FileStoreLimits): Promise<{ store: FileStore; dispose(): Promise<void> }>;
}

const NO_QUOTA: FileStoreLimits = { maxFileBytes: 64 * 1024 * 1024, uploadBytesPerHour: 0, uploadsPerMinute: 0 };

/** Resolves within `ms` or fails: nothing here may hang a run. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Begin an upload that must be accepted. */
async function begin(store: FileStore, user: string, name: string, size: number): Promise<Upload> {
  const answer = await store.beginUpload(user, name, size);
  assert.ok(!isRefusal(answer), `upload of ${name} refused: ${JSON.stringify(answer)}`);
  return answer;
}

/** Write `data` in chunks of `chunkBytes`, waiting whenever the upload says so; returns how often it did. */
async function writeAll(upload: Upload, data: Buffer, chunkBytes: number): Promise<number> {
  let waits = 0;
  for (let at = 0; at < data.length; at += chunkBytes) {
    if (!upload.write(data.subarray(at, at + chunkBytes))) {
      waits++;
      await within(10_000, "drain", new Promise<void>((resolve) => upload.onDrain(resolve)));
    }
  }
  return waits;
}

/** Upload `data` whole and commit it: the commit's result. */
async function store(files: FileStore, name: string, data: Buffer, user = "alice"): Promise<string> {
  const upload = await begin(files, user, name, data.length);
  await writeAll(upload, data, 16 * 1024);
  return within(10_000, "commit", Promise.resolve(upload.commit()));
}

/** Open a download that must exist. */
async function open(files: FileStore, name: string): Promise<Download> {
  const answer = await within(10_000, "openDownload", Promise.resolve(files.openDownload(name)));
  assert.ok(!isRefusal(answer), `download of ${name} refused: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Read a download to its end as a slow reader would: after every `pauseEvery`-th chunk
 * it pauses, checks that nothing comes while paused, and resumes.
 */
async function readAll(download: Download, pauseEvery = 0): Promise<{ data: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  let paused = false;
  let cameWhilePaused = 0;
  await within(
    20_000,
    "download",
    new Promise<void>((resolve, reject) => {
      download.start({
        chunk: (data) => {
          if (paused) cameWhilePaused++;
          parts.push(Buffer.from(data));
          if (pauseEvery > 0 && parts.length % pauseEvery === 0) {
            paused = true;
            download.pause();
            setTimeout(() => {
              paused = false;
              download.resume();
            }, 5);
          }
        },
        end: () => resolve(),
        error: reject,
      });
    }),
  );
  // A chunk already read when pause came may still arrive; more than one means pause did nothing.
  assert.ok(cameWhilePaused <= Math.ceil(parts.length / Math.max(pauseEvery, 1)), `${cameWhilePaused} chunks came while paused`);
  return { data: Buffer.concat(parts), chunks: parts.length };
}

const refusal = async (answer: unknown): Promise<unknown> => {
  const settled = await answer;
  assert.ok(typeof settled === "object" && settled !== null && isRefusal(settled), `expected a refusal, got ${String(settled)}`);
  return settled;
};

/** Names that are not one safe path component (docs/wire.md#files). */
const BAD_NAMES = ["", ".", "..", ".hidden", "../up", "a/b", "a\\b", "dir/", "a..b", "nul\u0000byte", "new\nline", "del\u007f", "x".repeat(256)];

export function fileStoreContract(name: string, target: FileStoreTarget): void {
  describe(`FileStore contract: ${name}`, () => {
    const disposers: (() => Promise<void>)[] = [];
    const fresh = async (limits: FileStoreLimits = NO_QUOTA): Promise<FileStore> => {
      const { store: s, dispose } = await target.open(limits);
      disposers.push(dispose);
      return s;
    };
    afterEach(async () => {
      for (const dispose of disposers.splice(0)) await dispose();
    });

    describe("upload then download", () => {
      it("gives back the bytes byte-exact, in chunks, with their size, through backpressure both ways", async () => {
        const files = await fresh();
        const data = randomBytes(6 * 1024 * 1024 + 123);
        const upload = await begin(files, "alice", "big.bin", data.length);
        const waits = await writeAll(upload, data, 64 * 1024);
        assert.ok(waits > 0, "6 MiB written at once never asked the writer to wait: no backpressure");
        assert.equal(await upload.commit(), "ok");
        const download = await open(files, "big.bin");
        assert.equal(download.size, data.length);
        const read = await readAll(download, 3);
        assert.ok(read.chunks > 1, "a 6 MiB file comes in more than one chunk");
        assert.ok(read.data.equals(data), "the downloaded bytes differ from the uploaded ones");
      });

      it("keeps every byte value and an empty file", async () => {
        const files = await fresh();
        const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        assert.equal(await store(files, "bytes.bin", all), "ok");
        assert.equal(await store(files, "empty", Buffer.alloc(0)), "ok");
        assert.ok((await readAll(await open(files, "bytes.bin"))).data.equals(all));
        const empty = await open(files, "empty");
        assert.equal(empty.size, 0);
        assert.equal((await readAll(empty)).data.length, 0);
      });

      it("takes names of any safe characters, and tells names apart by case", async () => {
        const files = await fresh();
        for (const n of ["ok name.txt", "résumé.pdf", "Notes", "notes", "a".repeat(255)]) assert.equal(await store(files, n, Buffer.from(n)), "ok", n);
        assert.equal((await readAll(await open(files, "Notes"))).data.toString(), "Notes");
        assert.equal((await readAll(await open(files, "notes"))).data.toString(), "notes");
        assert.equal((await readAll(await open(files, "résumé.pdf"))).data.toString(), "résumé.pdf");
      });

      it("serves one file to several readers at once", async () => {
        const files = await fresh();
        const data = randomBytes(300 * 1024);
        await store(files, "shared", data);
        const reads = await Promise.all([1, 2, 3].map(async () => (await readAll(await open(files, "shared"))).data));
        for (const r of reads) assert.ok(r.equals(data));
      });
    });

    describe("nothing half-done is kept", () => {
      it("shows nothing of an upload before it is committed", async () => {
        const files = await fresh();
        const upload = await begin(files, "alice", "pending", 5);
        await writeAll(upload, Buffer.from("hello"), 5);
        assert.deepEqual(await files.openDownload("pending"), { refused: "not_found" });
        assert.equal(await upload.commit(), "ok");
        assert.equal((await readAll(await open(files, "pending"))).data.toString(), "hello");
      });

      it("leaves nothing after an abort: the name is free, and a second abort is harmless", async () => {
        const files = await fresh();
        const upload = await begin(files, "alice", "dropped", 1024);
        await writeAll(upload, randomBytes(512), 128);
        upload.abort();
        upload.abort();
        assert.deepEqual(await files.openDownload("dropped"), { refused: "not_found" });
        assert.equal(await store(files, "dropped", Buffer.from("second try")), "ok", "the aborted upload did not keep the name");
        assert.equal((await readAll(await open(files, "dropped"))).data.toString(), "second try");
      });

      it("lets a download be closed before or while it is read, then calls nothing more", async () => {
        const files = await fresh();
        await store(files, "closed", randomBytes(2 * 1024 * 1024));
        (await open(files, "closed")).close();
        const download = await open(files, "closed");
        let after = 0;
        let closed = false;
        await new Promise<void>((resolve) => {
          download.start({
            chunk: () => {
              if (closed) after++;
              else {
                closed = true;
                download.close();
                setTimeout(resolve, 50);
              }
            },
            end: () => (closed ? after++ : resolve()),
            error: () => after++,
          });
        });
        assert.equal(after, 0, "the sink heard from a closed download");
      });
    });

    describe("names", () => {
      it("refuses an upload of a name that is not one safe path component, saying why, and charges nothing", async () => {
        const files = await fresh({ ...NO_QUOTA, uploadsPerMinute: 1, uploadBytesPerHour: 3600 });
        for (const bad of BAD_NAMES) {
          const answer = (await refusal(files.beginUpload("alice", bad, 1))) as { refused: string; problem?: string };
          assert.equal(answer.refused, "bad_name", JSON.stringify(bad));
          assert.ok(typeof answer.problem === "string" && answer.problem.length > 0, `no reason given for ${JSON.stringify(bad)}`);
        }
        assert.equal(await store(files, "good", Buffer.from("x")), "ok", "the refusals used up the one upload of the minute");
      });

      it("refuses a download of such a name the same way", async () => {
        const files = await fresh();
        for (const bad of BAD_NAMES) {
          const answer = (await refusal(files.openDownload(bad))) as { refused: string; problem?: string };
          assert.equal(answer.refused, "bad_name", JSON.stringify(bad));
          assert.ok(typeof answer.problem === "string" && answer.problem.length > 0);
        }
      });

      it("answers a download of a file never stored with not_found", async () => {
        const files = await fresh();
        assert.deepEqual(await files.openDownload("missing.txt"), { refused: "not_found" });
      });
    });

    describe("sizes and quotas", () => {
      it("refuses a file over the size limit, takes one at the limit, and follows a new limit from the next upload", async () => {
        const limits = { ...NO_QUOTA, maxFileBytes: 1000 };
        const files = await fresh(limits);
        assert.deepEqual(await files.beginUpload("alice", "big", 1001), { refused: "too_large" });
        assert.equal(await store(files, "just", Buffer.alloc(1000, 1)), "ok");
        limits.maxFileBytes = 2000;
        assert.equal(await store(files, "bigger", Buffer.alloc(1500, 2)), "ok");
        limits.maxFileBytes = 10;
        assert.deepEqual(await files.beginUpload("alice", "small", 11), { refused: "too_large" });
      });

      it("refuses a name already kept, before charging the allowance", async () => {
        const files = await fresh({ ...NO_QUOTA, uploadsPerMinute: 2, uploadBytesPerHour: 3600 });
        assert.equal(await store(files, "taken", Buffer.from("first")), "ok");
        assert.deepEqual(await files.beginUpload("alice", "taken", 6), { refused: "exists" });
        assert.deepEqual(await files.beginUpload("alice", "taken", 6), { refused: "exists" });
        assert.equal(await store(files, "other", Buffer.from("second")), "ok", "the refusals charged the allowance");
        assert.equal((await readAll(await open(files, "taken"))).data.toString(), "first");
      });

      it("charges uploads started per user (any case of the name), and refuses more for now", async () => {
        const files = await fresh({ ...NO_QUOTA, uploadsPerMinute: 2 });
        assert.equal(await store(files, "a1", Buffer.from("1"), "Alice"), "ok");
        const upload = await begin(files, "alice", "a2", 1); // charged when begun, even if abandoned
        upload.abort();
        assert.deepEqual(await files.beginUpload("ALICE", "a3", 1), { refused: "over_quota_now" });
        assert.equal(await store(files, "b1", Buffer.from("1"), "bob"), "ok", "the allowance is per user");
      });

      it("charges bytes per user: over what is left is refused for now, over a whole period's allowance for ever", async () => {
        const files = await fresh({ ...NO_QUOTA, uploadBytesPerHour: 1000 });
        assert.deepEqual(await files.beginUpload("alice", "huge", 1001), { refused: "over_quota_ever" });
        assert.equal(await store(files, "a", Buffer.alloc(700), "alice"), "ok");
        assert.deepEqual(await files.beginUpload("alice", "b", 400), { refused: "over_quota_now" });
        assert.equal(await store(files, "c", Buffer.alloc(300), "alice"), "ok", "the refusal charged nothing");
      });

      it("checks the size limit before the allowance", async () => {
        const files = await fresh({ ...NO_QUOTA, maxFileBytes: 100, uploadBytesPerHour: 50 });
        assert.deepEqual(await files.beginUpload("alice", "big", 101), { refused: "too_large" });
      });
    });

    describe("concurrent uploads of one name", () => {
      it("keeps exactly one: the other commit answers exists and leaves the kept file whole", async () => {
        const files = await fresh();
        for (let round = 0; round < 5; round++) {
          const name = `race-${round}`;
          const contents = [randomBytes(200 * 1024), randomBytes(150 * 1024)];
          const uploads = await Promise.all(contents.map((_, i) => begin(files, `user${i}`, name, contents[i]!.length)));
          await Promise.all(uploads.map((u, i) => writeAll(u, contents[i]!, 8 * 1024)));
          const results = await Promise.all(uploads.map((u) => u.commit()));
          assert.deepEqual([...results].sort(), ["exists", "ok"], `round ${round}: ${results.join(", ")}`);
          const kept = (await readAll(await open(files, name))).data;
          assert.ok(kept.equals(contents[results.indexOf("ok")]!), `round ${round}: the kept file is not the winner's, whole`);
        }
      });

      it("lets one of two uploads of a name be aborted while the other is kept", async () => {
        const files = await fresh();
        const [a, b] = await Promise.all([begin(files, "a", "one", 3), begin(files, "b", "one", 3)]);
        await writeAll(a!, Buffer.from("aaa"), 3);
        await writeAll(b!, Buffer.from("bbb"), 3);
        a!.abort();
        assert.equal(await b!.commit(), "ok");
        assert.equal((await readAll(await open(files, "one"))).data.toString(), "bbb");
      });
    });
  });
}
