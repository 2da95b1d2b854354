/**
 * Across dialects on one hub (docs/wire.md#rendering-across-dialects): lab, gowing, bcs,
 * cs262 and udp users in one process, each speaking its own wire over real sockets. The
 * cases are test/helpers/interop-suite.ts, which a cluster's nodes pass too.
 */
import { startEveryDialect } from "../helpers/every-dialect.js";
import { interopSuite } from "../helpers/interop-suite.js";

interopSuite("interop across lab, gowing, bcs, cs262 and udp", async () => {
  const hub = await startEveryDialect();
  return { port: (name) => hub.ports[name]!, close: () => hub.close() };
});
