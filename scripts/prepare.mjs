#!/usr/bin/env node
// Runs before `npm start` and `npm test` so that a fresh clone needs no other set-up
// command: installs the dependencies when they are missing or older than the lock file,
// and compiles the TypeScript when any source is newer than the last build.
// Plain Node, no dependencies: it must run before anything is installed.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const run = (cmd) => execSync(cmd, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const installStamp = join(root, "node_modules", ".switchboard-installed");
if (mtime(installStamp) < Math.max(mtime(join(root, "package-lock.json")), mtime(join(root, "package.json")))) {
  console.error("prepare: installing dependencies (npm ci)");
  run(existsSync(join(root, "package-lock.json")) ? "npm ci --no-audit --no-fund" : "npm install --no-audit --no-fund");
  writeFileSync(installStamp, "");
}

const buildStamp = join(root, "dist", ".built");
const sources = Math.max(newest(join(root, "src")), newest(join(root, "test")), mtime(join(root, "tsconfig.json")));
if (mtime(buildStamp) < sources) {
  console.error("prepare: compiling TypeScript");
  rmSync(join(root, "dist"), { recursive: true, force: true }); // no stale outputs of deleted sources
  run("npx tsc -p tsconfig.json");
  writeFileSync(buildStamp, "");
}
