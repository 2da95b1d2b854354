/**
 * LocalFileStore: the FileStore contract over a directory, and what only a directory
 * shows: no temporary file left behind, crash leftovers cleared at start, file
 * descriptors closed once, and the answers it gives at once.
 */
import assert from "node:assert/strict";
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isRefusal } from "../../src/core/file-store.js";
import { LocalFileStore } from "../../src/files/local-file-store.js";
import { UploadQuota } from "../../src/files/upload-quota.js";
import { tempDir } from "../helpers/server.js";
import { fileStoreContract } from "./file-store.contract.js";

fileStoreContract("LocalFileStore", {
  async open(limits) {
    const dir = tempDir("sb-files-");
    const store = new LocalFileStore(dir, limits, new UploadQuota(limits));
    await store.init();
    return {
      store,
      dispose: async () => {
        // Whatever the test did, no temporary upload is left in the directory.
        await new Promise((r) => setTimeout(r, 20)); // unlinks of the last temporaries are not awaited
        const temporaries = readdirSync(dir).filter((n) => n.startsWith(".upload-"));
        rmSync(dir, { recursive: true, force: true });
        assert.deepEqual(temporaries, [], "temporary uploads left behind");
      },
    };
  },
});

const isOpen = (fd: number): boolean => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

const LIMITS = { maxFileBytes: 1024 };

describe("file store uploads", () => {
  it("closes an aborted upload's descriptor once: a number the kernel hands out again meanwhile stays open", async () => {
    const dir = tempDir("sb-files-");
    const store = new LocalFileStore(dir, LIMITS);
    await store.init();
    const other = join(dir, "..", `other-${process.pid}`);
    let clobbered = 0;
    for (let i = 0; i < 200; i++) {
      const fdsBefore = new Set(readdirSync("/proc/self/fd"));
      const upload = store.beginUpload("user", `f${i}`, 3);
      assert.ok(!isRefusal(upload));
      const fd = [...readdirSync("/proc/self/fd")].map(Number).find((n) => !fdsBefore.has(String(n)))!;
      upload.write(Buffer.from("abc"));
      upload.abort();
      // Wait for the first close, then take the freed number for another file.
      while (isOpen(fd)) await new Promise((r) => setImmediate(r));
      const reused = openSync(other, "w");
      await new Promise((r) => setTimeout(r, 2));
      if (!isOpen(reused)) clobbered++;
      else closeSync(reused);
    }
    assert.equal(clobbered, 0, `another file's descriptor was closed by an aborted upload ${clobbered} times`);
    assert.deepEqual(readdirSync(dir), [], "no temporary file is left");
  });

  it("creates its directory, and clears the temporaries a crash left there, but no stored file", async () => {
    const dir = join(tempDir("sb-files-"), "not", "yet");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".upload-0123456789abcdef"), "half a file");
    writeFileSync(join(dir, "kept.txt"), "whole");
    await new LocalFileStore(dir, LIMITS).init();
    assert.deepEqual(readdirSync(dir), ["kept.txt"]);
    const fresh = join(tempDir("sb-files-"), "new");
    await new LocalFileStore(fresh, LIMITS).init();
    assert.deepEqual(readdirSync(fresh), []);
  });

  it("answers every refusal and a begun upload at once (the body that follows is written straight away)", async () => {
    const dir = tempDir("sb-files-");
    const store = new LocalFileStore(dir, LIMITS);
    await store.init();
    for (const answer of [store.beginUpload("u", "../x", 1), store.beginUpload("u", "big", 1025), store.openDownload(".x")]) {
      assert.ok(!(answer instanceof Promise) && isRefusal(answer), JSON.stringify(answer));
    }
    const upload = store.beginUpload("u", "now", 1);
    assert.ok(!(upload instanceof Promise) && !isRefusal(upload));
    upload.abort();
  });

  it("answers a download of a name that is a directory, not a file, with not_found", async () => {
    const dir = tempDir("sb-files-");
    mkdirSync(join(dir, "sub"));
    const store = new LocalFileStore(dir, LIMITS);
    assert.deepEqual(await store.openDownload("sub"), { refused: "not_found" });
  });
});
