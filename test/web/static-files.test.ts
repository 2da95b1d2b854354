/**
 * src/web/static-files.ts: the browser client's files by exact name, the right types and
 * headers, HEAD and 304, and nothing else (no path reaches outside src/web/public). Also
 * the files themselves: every one is served, the page loads only served files, and there
 * is no inline script or style for the CSP to refuse.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { PUBLIC_DIR, StaticFiles, WEB_CSP } from "../../src/web/static-files.js";
import { tempDir } from "../helpers/server.js";
import { pathToFileURL } from "node:url";

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request with the path sent exactly as given (no normalising of `..`). */
function ask(port: number, path: string, method = "GET", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

const onDisk = (name: string): Buffer => readFileSync(new URL(name, PUBLIC_DIR));

const TYPE_OF: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};

describe("the browser client's static files", () => {
  let files: StaticFiles;
  let server: Server;
  let port: number;

  before(async () => {
    files = await StaticFiles.load();
    server = createServer((req, res) => files.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("serves the page at / and every file by its name, with its type and the security headers", async () => {
    assert.equal(files.paths[0], "/");
    for (const path of files.paths) {
      const name = path === "/" ? "index.html" : path.slice(1);
      const a = await ask(port, path);
      assert.equal(a.status, 200, path);
      assert.deepEqual(a.body, onDisk(name), path);
      assert.equal(a.headers["content-type"], TYPE_OF[name.split(".").pop()!], path);
      assert.equal(a.headers["content-length"], String(a.body.length), path);
      assert.equal(a.headers["content-security-policy"], WEB_CSP, path);
      assert.equal(a.headers["x-content-type-options"], "nosniff", path);
      assert.equal(a.headers["cache-control"], "no-cache", path);
      assert.match(a.headers["etag"] ?? "", /^"[\w-]{22}"$/, path);
    }
    assert.equal((await ask(port, "/?from=bookmark")).status, 200, "a query string does not change the path");
  });

  it("has the strict CSP the client is written for", () => {
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
      assert.ok(WEB_CSP.split("; ").includes(directive), directive);
    }
    assert.doesNotMatch(WEB_CSP, /unsafe|\*/);
  });

  it("answers HEAD like GET without the body, and 304 to a current copy", async () => {
    const get = await ask(port, "/chat.js");
    const head = await ask(port, "/chat.js", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    for (const h of ["content-type", "content-length", "etag", "content-security-policy", "x-content-type-options", "cache-control"]) {
      assert.equal(head.headers[h], get.headers[h], h);
    }
    const cached = await ask(port, "/chat.js", "GET", { "if-none-match": get.headers["etag"]! });
    assert.equal(cached.status, 304);
    assert.equal(cached.body.length, 0);
    assert.equal(cached.headers["etag"], get.headers["etag"]);
    assert.equal((await ask(port, "/chat.js", "GET", { "if-none-match": '"stale"' })).status, 200);
  });

  it("answers 404 to every other path, however it is written, and never reads outside the folder", async () => {
    const outside = [
      "/index.html",
      "/../package.json",
      "/../../../package.json",
      "/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/..%2f..%2f..%2fpackage.json",
      "/static-files.ts",
      "/public/chat.js",
      "/src/web/public/chat.js",
      "//chat.js",
      "/chat.js/",
      "/CHAT.JS",
      "/chat.js%00",
      "/ws/bcs",
      "*",
    ];
    for (const path of outside) {
      const a = await ask(port, path);
      assert.equal(a.status, 404, path);
      assert.equal(a.body.toString(), "not found\n", path);
      assert.equal(a.headers["x-content-type-options"], "nosniff", path);
      assert.equal(a.headers["content-security-policy"], WEB_CSP, path);
    }
    const head = await ask(port, "/nothing", "HEAD");
    assert.deepEqual([head.status, head.body.length], [404, 0]);
  });

  it("answers 405 to any method but GET and HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const a = await ask(port, "/", method);
      assert.equal(a.status, 405, method);
      assert.equal(a.headers["allow"], "GET, HEAD", method);
    }
  });

  it("fails to load, naming the file, when one is missing", async () => {
    await assert.rejects(StaticFiles.load(pathToFileURL(tempDir("sb-no-public-") + "/")), /index\.html/);
  });
});

describe("the browser client's files", () => {
  const names = readdirSync(PUBLIC_DIR);
  const html = onDisk("index.html").toString();

  it("are all served: a file added to src/web/public must be added to the table too", async () => {
    const served = (await StaticFiles.load()).paths.map((p) => (p === "/" ? "index.html" : p.slice(1)));
    assert.deepEqual([...served].sort(), [...names].sort());
  });

  it("load only served files: the page's links and the modules' imports", async () => {
    const served = new Set((await StaticFiles.load()).paths.map((p) => p.slice(1)));
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length >= 3, `the page links ${refs.join(", ")}`);
    for (const name of names.filter((n) => n.endsWith(".js"))) {
      for (const m of onDisk(name).toString().matchAll(/^import [^;]* from "\.\/([^"]+)";$/gm)) refs.push(m[1]!);
    }
    for (const ref of refs) assert.ok(served.has(ref), `${ref} is served`);
  });

  it("have no inline script or style for the CSP to block", () => {
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i, "no inline event handlers");
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(script[1]!, /\bsrc="/, "every script is a file");
      assert.equal(script[2]!.trim(), "", "with nothing inline");
    }
    for (const name of names.filter((n) => n.endsWith(".js"))) {
      const code = onDisk(name).toString();
      assert.doesNotMatch(code, /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setAttribute\("style"/, `${name}: text goes in as text, and no code from strings`);
    }
  });
});
