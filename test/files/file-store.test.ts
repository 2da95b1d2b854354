/** The upload store's file descriptors: an aborted upload closes its file once, never twice. */
import assert from "node:assert/strict";
import { fstatSync, openSync, closeSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isRefusal } from "../../src/core/file-store.js";
import { LocalFileStore } from "../../src/files/local-file-store.js";
import { tempDir } from "../helpers/server.js";

const isOpen = (fd: number): boolean => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe("file store uploads", () => {
  it("closes an aborted upload's descriptor once: a number the kernel hands out again meanwhile stays open", async () => {
    const dir = tempDir("sb-files-");
    const store = new LocalFileStore(dir, { maxFileBytes: 1024 });
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
});
