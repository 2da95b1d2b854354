import { HttpAdmin } from "../admin/http-admin.js";
import { VERSION } from "../version.js";
import type { AppContext, Endpoint, Started } from "./context.js";

/** The HTTP admin port: health, readiness, metrics and the status page (docs/http.md). */
export async function startHttp(ctx: AppContext, config: Endpoint): Promise<Started> {
  const http = new HttpAdmin(config.host, config.port, {
    hub: ctx.hub,
    probes: ctx.probes,
    readiness: ctx.readiness,
    startedAt: ctx.startedAt,
    version: VERSION,
    log: ctx.log,
    cluster: ctx.cluster,
  });
  const a = await http.listen();
  return { listeners: [{ name: "http", transport: "tcp", address: a.address, port: a.port }], close: () => http.close() };
}
