/**
 * The browser chat client's files (src/web/public, docs/web.md), for the web listener's
 * node:http server: `GET /` is the page, every other file is served by its exact name from
 * a fixed table, anything else is 404. No request path ever becomes a file path, so no
 * path can reach outside the directory; HEAD is answered like GET, without the body.
 *
 * The files are read once, when loaded: a request never touches the disk, and a missing
 * file fails the server's start instead of a user's page. Edits to them show after a
 * restart. Every answer carries the page's strict CSP (no inline script or style
 * anywhere in the client), `nosniff` (the ES modules load only with their JavaScript type)
 * and `no-cache` with an ETag, so a browser revalidates and a new version shows at once.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Where the files are: tsc compiles only .ts files, so the .html, .css and .js files stay
 * in src/web/public and are never copied to dist/. This module runs as
 * dist/src/web/static-files.js, three folders below the repository root, so the root is
 * `../../../` from it and the files are found in the source tree, whichever directory the
 * server is started from.
 */
export const PUBLIC_DIR = new URL("../../../src/web/public/", import.meta.url);

/**
 * The page's Content-Security-Policy: only its own files, no inline code, no plugins, no
 * framing, no form submission, WebSockets to its own origin only ('self' covers ws: and
 * wss: of the page's host), and blob: images for what the client makes itself.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const TYPES = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
} as const;

/** Request path -> file in PUBLIC_DIR and its type. The only paths served. */
const ROUTES: Readonly<Record<string, readonly [file: string, type: string]>> = {
  "/": ["index.html", TYPES.html],
  "/style.css": ["style.css", TYPES.css],
  "/favicon.svg": ["favicon.svg", TYPES.svg],
  "/chat.js": ["chat.js", TYPES.js],
  "/bcs-wire.js": ["bcs-wire.js", TYPES.js],
  "/bcs-session.js": ["bcs-session.js", TYPES.js],
  "/presence.js": ["presence.js", TYPES.js],
  "/backoff.js": ["backoff.js", TYPES.js],
  "/lobby-view.js": ["lobby-view.js", TYPES.js],
  "/transfers-view.js": ["transfers-view.js", TYPES.js],
};

/** Headers every answer carries, found or not. */
const COMMON_HEADERS = {
  "content-security-policy": WEB_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

interface Served {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export class StaticFiles {
  private constructor(private readonly files: ReadonlyMap<string, Served>) {}

  /** Read every file of the table from `dir`; rejects naming a file that cannot be read. */
  static async load(dir: URL = PUBLIC_DIR): Promise<StaticFiles> {
    const files = new Map<string, Served>();
    for (const [path, [file, type]] of Object.entries(ROUTES)) {
      const body = await readFile(new URL(file, dir));
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
      files.set(path, { body, type, etag });
    }
    return new StaticFiles(files);
  }

  /** The request paths served, `/` first. */
  get paths(): readonly string[] {
    return [...this.files.keys()];
  }

  /** Answer any request: a file, 304 when the browser's copy is current, 404, or 405. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return this.plain(res, 405, "method not allowed: use GET or HEAD\n", { allow: "GET, HEAD" });
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const file = this.files.get(q < 0 ? url : url.slice(0, q));
    if (file === undefined) return this.plain(res, 404, "not found\n");
    const headers = { ...COMMON_HEADERS, "cache-control": "no-cache", etag: file.etag };
    if (req.headers["if-none-match"] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, "content-type": file.type, "content-length": file.body.length });
    res.end(req.method === "HEAD" ? undefined : file.body);
  }

  private plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    const body = Buffer.from(text);
    res.writeHead(status, { ...COMMON_HEADERS, ...extra, "content-type": "text/plain; charset=utf-8", "content-length": body.length, "cache-control": "no-store" });
    res.end(res.req.method === "HEAD" ? undefined : body);
  }
}
