import { HttpAdmin } from "../admin/http-admin.js";
import type { AppContext, Endpoint, Started } from "./context.js";

export async function startHttp(_ctx: AppContext, config: Endpoint): Promise<Started> {
  const http = new HttpAdmin(config.host, config.port);
  const a = await http.listen();
  return { listeners: [{ name: "http", transport: "tcp", address: a.address, port: a.port }], close: () => http.close() };
}
