/** LogFile: appended lines, reopened at its path after logrotate moved it, and failures that stop nothing. */
import assert from "node:assert/strict";
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LogFile } from "../../src/log/log-file.js";
import { tempDir } from "../helpers/server.js";

const read = (path: string) => readFileSync(path, "utf8");

describe("LogFile", () => {
  it("after the file is moved, reopen() starts a new one at the path; the moved one keeps what it had", async () => {
    const path = join(tempDir("sb-logfile-"), "sub", "a.log");
    const errors: Error[] = [];
    const file = new LogFile(path, (err) => errors.push(err));
    file.write("one\n");
    await file.flush();
    renameSync(path, `${path}.1`);
    assert.deepEqual(await file.reopen(), { file: path });
    file.write("two\n");
    await file.close();
    assert.equal(read(`${path}.1`), "one\n");
    assert.equal(read(path), "two\n");
    assert.deepEqual(errors, []);
  });

  it("when the path cannot be opened again, says why and goes on writing to the old file, reporting no write error", async () => {
    const dir = tempDir("sb-logfile-");
    const path = join(dir, "logs", "a.log");
    const errors: Error[] = [];
    const file = new LogFile(path, (err) => errors.push(err));
    file.write("one\n");
    await file.flush();
    renameSync(join(dir, "logs"), join(dir, "moved"));
    const result = await file.reopen();
    assert.equal(result.file, path);
    assert.match(result.error ?? "", /ENOENT/);
    file.write("two\n");
    await file.close();
    assert.equal(read(join(dir, "moved", "a.log")), "one\ntwo\n");
    assert.deepEqual(errors, []);
  });

  it("refuses at once a path that cannot be opened, so that a server stops at start", () => {
    const dir = tempDir("sb-logfile-");
    assert.throws(() => new LogFile(dir, () => undefined), /EISDIR/);
  });
});
