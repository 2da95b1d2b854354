/**
 * A TCP proxy between one node's NATS connection and a nats-server, for the cluster
 * tests: `cut` cuts this node alone off (its connections close, new ones are refused
 * until `restore`), `hold` keeps what the server sends it waiting until `release` (its
 * watches then deliver late, in order).
 */
import { connect, createServer, type Socket } from "node:net";

export interface NatsProxy {
  /** `nats://127.0.0.1:<port>`: give this to the node's connect. */
  readonly url: string;
  cut(): void;
  restore(): void;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  held: Buffer[];
}

export async function startNatsProxy(targetPort: number): Promise<NatsProxy> {
  const pairs = new Set<Pair>();
  let cut = false;
  let holding = false;
  const drop = (pair: Pair): void => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };
  const server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk: Buffer) => (holding ? pair.held.push(chunk) : client.write(chunk)));
    for (const socket of [client, upstream]) {
      socket.on("error", () => drop(pair));
      socket.on("close", () => drop(pair));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const pair of [...pairs]) drop(pair);
    },
    restore() {
      cut = false;
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const pair of pairs) {
        for (const chunk of pair.held) pair.client.write(chunk);
        pair.held = [];
      }
    },
    async close() {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
