/**
 * The public web listener (docs/web.md): the browser chat client's files at `/`, and
 * `/ws/<dialect>` for every stream dialect started, each leading to that dialect's own
 * listener, so a WebSocket is one more connection of its dialect.
 */
import type { WebSocketRoute } from "../transport/websocket-listener.js";
import { WebSocketListener } from "../transport/websocket-listener.js";
import { StaticFiles } from "../web/static-files.js";
import type { AppContext, Endpoint, Started } from "./context.js";

/** Where the web listener binds, and the origins it allows besides the page's own. */
export interface WebConfig extends Endpoint {
  /** Allowed origins (--web-origins), each `scheme://host[:port]` as normalOrigin writes it. */
  readonly origins?: readonly string[] | undefined;
}

export async function startWeb(ctx: AppContext, config: WebConfig, routes: ReadonlyMap<string, WebSocketRoute>): Promise<Started> {
  const files = await StaticFiles.load(); // before listening: a missing file fails the start, not a page
  const web = new WebSocketListener({
    host: config.host,
    port: config.port,
    routes,
    onRequest: (req, res) => files.handle(req, res),
    origins: new Set(config.origins ?? []),
    log: ctx.log,
    tls: ctx.tls,
  });
  const a = await web.listen();
  // /readyz waits for it; its WebSockets are counted under their dialects, not here.
  ctx.readiness.push({ name: "web", ready: () => web.accepting });
  return {
    listeners: [{ name: "web", transport: "tcp", address: a.address, port: a.port }],
    stopAccepting: async () => web.stopAccepting(),
    close: () => web.close(),
  };
}
