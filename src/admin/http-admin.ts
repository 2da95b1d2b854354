/** The HTTP admin port: for now only `/healthz` (the process is up and serving). */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class HttpAdmin {
  private readonly server: Server;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.server = createServer((req, res) => {
      if (req.method === "GET" && (req.url === "/healthz" || req.url?.startsWith("/healthz?"))) {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ok\n");
      } else {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      }
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
