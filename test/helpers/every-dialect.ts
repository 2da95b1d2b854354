/** Every dialect on one in-process hub, quiet (no chat logs, no bots, no periodic udp list). */
import { ANY_PORT, startHub, type TestHub } from "./server.js";

export function startEveryDialect(): Promise<TestHub> {
  return startHub({
    lab: { ...ANY_PORT, bots: [] },
    gowing: { ...ANY_PORT, logDir: "off" },
    bcs: { ...ANY_PORT, chatLog: "off" },
    cs262: ANY_PORT,
    udp: { ...ANY_PORT, listIntervalMs: 60_000 },
    store: "memory",
  });
}
