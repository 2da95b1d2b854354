/**
 * /readyz is computed live from the listeners: taking one listener down (it stops
 * accepting, as a drain does first) turns it to 503 naming that listener, while
 * /healthz stays 200 and the users already connected stay.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { httpGet, scrape } from "../helpers/metrics.js";
import { ANY_PORT, startHub, withOwnServer } from "../helpers/server.js";

/** Resolves with the error code of a connection attempt to 127.0.0.1:`port` (undefined: it connected). */
function tryConnect(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(undefined);
    });
    s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

describe("/readyz", () => {
  it(
    "fails while a listener is down, naming it, while /healthz stays 200",
    { timeout: 30_000 },
    withOwnServer(
      () =>
        startHub({
          lab: { ...ANY_PORT, bots: [] },
          bcs: { ...ANY_PORT, chatLog: "off" },
          cs262: ANY_PORT,
          udp: { ...ANY_PORT, listIntervalMs: 60_000 },
          store: "memory",
          http: ANY_PORT,
        }),
      async (hub) => {
        const http = hub.ports["http"]!;
        const ready = await httpGet(http, "/readyz");
        assert.deepEqual([ready.status, ready.body], [200, "ready\n"]);
        assert.deepEqual(
          hub.running.probes.map((p) => p.name),
          ["lab", "bcs", "cs262", "udp"],
        );

        const alice = await RawLab.login(hub.ports["lab"]!, "alice");
        hub.running.probes.find((p) => p.name === "lab")!.stopAccepting!();

        const down = await httpGet(http, "/readyz");
        assert.deepEqual([down.status, down.body], [503, "not ready: lab\n"]);
        assert.equal((await httpGet(http, "/healthz")).status, 200);
        assert.equal(await tryConnect(hub.ports["lab"]!), "ECONNREFUSED", "the lab listener really is down");
        assert.equal(await tryConnect(hub.ports["bcs"]!), undefined, "the others still accept");
        const metrics = await scrape(http);
        assert.equal(metrics.value("switchboard_listener_up", { listener: "lab" }), 0);
        assert.equal(metrics.value("switchboard_listener_up", { listener: "bcs" }), 1);

        // Who was connected stays, and HEAD says the same as GET.
        alice.write("LIST\n");
        assert.equal(await alice.next(), "LIST-OK alice");
        const head = await httpGet(http, "/readyz", "HEAD");
        assert.deepEqual([head.status, head.body], [503, ""]);
        alice.close();
      },
    ),
  );
});
