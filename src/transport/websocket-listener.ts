/**
 * The public web listener (docs/web.md "The WebSocket endpoint"): one node:http server
 * that answers plain requests through `onRequest` (the browser client's files) and takes
 * WebSocket upgrades on `/ws/<dialect>` for each stream dialect it is given a route to.
 *
 * An upgrade is checked here (path, origin: websocket-origin.ts), completed by the `ws`
 * package (permessage-deflate off, messages of at most MAX_MESSAGE_BYTES, no
 * subprotocol), and the WebSocket, made into a ConnectionSocket (websocket-stream.ts), is
 * handed to the dialect's listener (TcpListener.adopt). From there on it is that
 * dialect's connection like any TCP one: the same codec, session, limits, deadlines,
 * per-address count, metrics and shutdown. This listener owns only the HTTP side.
 *
 * Answers before a WebSocket exists: 404 for an upgrade to any other path, 403 for an
 * Origin that is not allowed, 503 once the server stops accepting, 426 for a plain
 * request to a `/ws/<dialect>` path; `ws` answers a malformed upgrade itself (400, 405).
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { isPowerOfTen } from "./address-limits.js";
import { serveTls } from "./tls-socket.js";
import type { ConnectionSocket } from "./connection-socket.js";
import type { ConnectionOrigin } from "./connection.js";
import { originAllowed } from "./websocket-origin.js";
import { WebSocketStream, type StreamOwner } from "./websocket-stream.js";

/**
 * The largest message a client may send: the browser client sends 64 KiB messages; a
 * larger one is closed with 1009 (`ws` buffers a whole message before handing it over, so
 * this bounds what one connection holds in the WebSocket layer). The dialect's own limits
 * (--max-frame-bytes) apply on top, to the byte stream.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * How long a request (an upgrade, or a file of the client) may take to arrive, headers
 * included: a connection that sends nothing, or its headers a byte at a time, is closed
 * after this, as a chat connection that does not log in is by --login-timeout's default.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Where `/ws/<dialect>` leads: the dialect's listener, which admits the connection or refuses it. */
export interface WebSocketRoute {
  /** The connection made on `socket`, or undefined when refused (`socket` is then destroyed). */
  adopt(socket: ConnectionSocket, origin: ConnectionOrigin): StreamOwner | undefined;
}

export interface WebSocketListenerOptions {
  readonly host: string;
  readonly port: number;
  /** The dialects served, by name, each at `/ws/<name>`. */
  readonly routes: ReadonlyMap<string, WebSocketRoute>;
  /** Answers every plain request that is not for a route (the browser client's files). */
  readonly onRequest: RequestListener;
  /** Origins allowed besides the page's own (--web-origins), in normalOrigin's form. */
  readonly origins: ReadonlySet<string>;
  readonly log: Logger;
  /** With a certificate (--tls-cert, --tls-key): every connection speaks TLS, HTTPS and WSS. */
  readonly tls?: { readonly context: SecureContext } | undefined;
}

/** The web listener's HTTP server, made in this one place. */
export function createWebServer(onRequest: RequestListener): Server {
  return createServer({ headersTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 }, onRequest);
}

/**
 * With TLS, the port is a plain TCP server whose sockets are wrapped as the chat
 * listeners' are (tls-socket.ts) and handed to the HTTP server: each handshake takes the
 * certificate's current context, so a SIGHUP renewal reaches new connections with no
 * hook of its own, and upgrades arrive on the TLS socket, a net.Socket to the rest.
 */
function tlsFront(http: Server, tls: { readonly context: SecureContext }, log: Logger): TcpServer {
  return createTcpServer((socket) => {
    socket.on("error", (err) => log.debug({ err, listener: "web" }, "web connection failed before HTTP"));
    http.emit("connection", serveTls(socket, tls.context));
  });
}

const WS_PREFIX = "/ws/";

/** The path of a request target, without its query. */
const pathOf = (url: string | undefined): string => {
  const target = url ?? "/";
  const q = target.indexOf("?");
  return q < 0 ? target : target.slice(0, q);
};

export class WebSocketListener {
  private readonly server: Server;
  /** What listens on the port: the HTTP server itself, or with TLS the front that wraps its sockets. */
  private readonly port: Server | TcpServer;
  private readonly wss: WebSocketServer;
  /** Upgrades refused for their Origin, since the start (the log line is throttled by it). */
  private originRefusals = 0;

  constructor(private readonly options: WebSocketListenerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      // The dialect's listener keeps its connections; ws need not keep a set of its own.
      clientTracking: false,
      // No subprotocol is spoken: a client that insists on one is refused by its browser.
      handleProtocols: () => false,
    });
    this.server = createWebServer((req, res) => this.request(req, res));
    this.server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.port = options.tls ? tlsFront(this.server, options.tls, options.log) : this.server;
  }

  /** Listening, and not stopped: asked live by /readyz. */
  get accepting(): boolean {
    return this.port.listening;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const port = this.port;
      port.once("error", reject);
      port.listen(this.options.port, this.options.host, () => {
        port.off("error", reject);
        // After a successful listen an error (EMFILE on accept) is logged, never thrown.
        port.on("error", (err) => this.options.log.error({ err, listener: "web" }, "listener error"));
        resolve(port.address() as AddressInfo);
      });
    });
  }

  /**
   * Take no new connections or upgrades; idle HTTP connections close. The WebSockets
   * belong to their dialects' listeners, which close them in the shutdown's order.
   */
  stopAccepting(): void {
    if (this.port.listening) this.port.close();
    this.server.closeIdleConnections();
  }

  /**
   * Stop, and close every HTTP connection still open. Does not wait for the WebSockets
   * (the server's own close would: they are still its sockets), their listeners close them.
   */
  async close(): Promise<void> {
    this.stopAccepting();
    this.server.closeAllConnections();
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req.url);
    if (path.startsWith(WS_PREFIX) && this.options.routes.has(path.slice(WS_PREFIX.length))) {
      const body = `${path} is a WebSocket endpoint: open it with a WebSocket client; binary messages carry the ${path.slice(WS_PREFIX.length)} byte stream (docs/web.md)\n`;
      res.writeHead(426, {
        upgrade: "websocket",
        connection: "Upgrade",
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    this.options.onRequest(req, res);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const connectedAt = Date.now();
    // Read now: once the socket has closed (a client that gave up) its address is gone.
    const address = socket.remoteAddress;
    const port = socket.remotePort ?? 0;
    if (address === undefined) return void socket.destroy();
    const path = pathOf(req.url);
    const route = path.startsWith(WS_PREFIX) ? this.options.routes.get(path.slice(WS_PREFIX.length)) : undefined;
    if (route === undefined) return refuse(socket, 404, "not found\n");
    if (!this.accepting) return refuse(socket, 503, "the server is shutting down\n");
    const origin = req.headers.origin ?? headerText(req.headers["sec-websocket-origin"]);
    if (!originAllowed(origin, req.headers.host, this.options.origins)) {
      this.refusedOrigin(req, socket, origin!);
      return refuse(socket, 403, "origin not allowed: open the page from this server, or add its origin to --web-origins\n");
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.opened(ws, socket, route, { address, port, connectedAt }));
  }

  /**
   * The handshake is done (synchronously within handleUpgrade: no byte has been read
   * since): the dialect's listener takes the connection, or refuses it. The stream listens
   * to every event of `ws` from here on, its errors included, whatever happens after.
   */
  private opened(ws: WebSocket, socket: Socket, route: WebSocketRoute, origin: ConnectionOrigin): void {
    const stream = new WebSocketStream(ws, socket);
    const owner = route.adopt(stream, origin);
    if (owner !== undefined) stream.attach(owner);
  }

  /** The first refusal is logged, then every tenfold: a page hammering the endpoint cannot flood the log. */
  private refusedOrigin(req: IncomingMessage, socket: Socket, origin: string): void {
    const n = ++this.originRefusals;
    if (!isPowerOfTen(n)) return;
    this.options.log.warn(
      { listener: "web", path: pathOf(req.url), origin: origin.slice(0, 200), host: req.headers.host?.slice(0, 200), remote: `${socket.remoteAddress}:${socket.remotePort}`, refused: n },
      "websocket refused: origin not allowed",
    );
  }
}

/** A header's text (a repeated header comes as an array: its first). */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Answer an upgrade request with an HTTP error and close its connection. */
function refuse(socket: Socket, status: number, text: string): void {
  socket.on("error", () => undefined);
  if (!socket.writable) return void socket.destroy();
  const reason = { 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" }[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n` +
      `x-content-type-options: nosniff\r\n\r\n${text}`,
  );
  socket.once("finish", () => socket.destroy());
}
