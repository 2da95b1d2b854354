/**
 * Real nats-server processes for the cluster tests (Debian's package `nats-server`,
 * JetStream on), each on free loopback ports with its own temporary store directory,
 * stopped and removed by the test. Without the program a cluster test is skipped,
 * saying so, unless SWITCHBOARD_REQUIRE_NATS=1 (CI sets it), in which case it fails.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { tempDir } from "./server.js";

const CANDIDATES = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];
export const NATS_SERVER = CANDIDATES.find((p) => existsSync(p));
export const NATS_REQUIRED = process.env["SWITCHBOARD_REQUIRE_NATS"] === "1";
/** The `skip` option of a cluster test. */
export const NATS_SKIP =
  NATS_SERVER === undefined && !NATS_REQUIRED
    ? "nats-server is not installed (apt-get install nats-server); set SWITCHBOARD_REQUIRE_NATS=1 to fail instead"
    : false;

/** A port nobody listens on now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  /** Its `server_name`, as JetStream names the server leading a stream or a consumer. */
  readonly name: string;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The cluster (route) port, when it is one of a cluster. */
  readonly routePort: number | undefined;
  readonly storeDir: string;
  /** What it printed, for a failure message. */
  output(): string;
  /** SIGTERM, then wait for the exit (JetStream flushes). Keeps the store directory. */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** Start it again on the same ports and store (after stop or kill). */
  restart(): Promise<void>;
  /** Stop it and remove its store directory. */
  dispose(): Promise<void>;
}

interface ServerPlan {
  name: string;
  port: number;
  routePort?: number;
  routes?: string[];
  clusterName?: string;
  storeDir: string;
  /** More lines of its config file (authorization, tls). */
  extra?: readonly string[];
}

class RunningNats implements NatsServer {
  private child: ChildProcess | undefined;
  private printed = "";
  private readonly configFile: string;

  constructor(private readonly plan: ServerPlan) {
    this.configFile = join(plan.storeDir, "nats.conf");
    const lines = [
      `server_name: ${plan.name}`,
      `listen: 127.0.0.1:${plan.port}`,
      `jetstream { store_dir: "${join(plan.storeDir, "js")}", max_memory_store: 256MB, max_file_store: 4GB }`,
    ];
    if (plan.routePort !== undefined) {
      lines.push(
        `cluster { name: ${plan.clusterName ?? "sb"}, listen: 127.0.0.1:${plan.routePort}, routes: [${(plan.routes ?? []).map((r) => `"${r}"`).join(", ")}] }`,
      );
    }
    lines.push(...(plan.extra ?? []));
    writeFileSync(this.configFile, lines.join("\n") + "\n");
  }

  get name(): string {
    return this.plan.name;
  }
  get url(): string {
    return `nats://127.0.0.1:${this.plan.port}`;
  }
  get port(): number {
    return this.plan.port;
  }
  get routePort(): number | undefined {
    return this.plan.routePort;
  }
  get storeDir(): string {
    return this.plan.storeDir;
  }

  output(): string {
    return this.printed;
  }

  async start(): Promise<void> {
    if (NATS_SERVER === undefined) throw new Error("nats-server is not installed (apt-get install nats-server)");
    const child = spawn(NATS_SERVER, ["-c", this.configFile], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.printed = (this.printed + chunk.toString("utf8")).slice(-20_000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const deadline = Date.now() + 15_000;
    while (!/Server is ready/.test(this.printed)) {
      if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}):\n${this.printed}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`nats-server did not start within 15 s:\n${this.printed}`);
      }
      await sleep(20);
    }
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(sig);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  stop(): Promise<void> {
    return this.signal("SIGTERM");
  }

  kill(): Promise<void> {
    return this.signal("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.plan.storeDir, { recursive: true, force: true });
  }
}

/** One nats-server with JetStream, on a free loopback port; `extraConfig`: more lines of its config file (authorization, tls). */
export async function startNatsServer(extraConfig: readonly string[] = []): Promise<NatsServer> {
  const server = new RunningNats({ name: "sb-test", port: await freePort(), storeDir: tempDir("sb-nats-"), extra: extraConfig });
  try {
    await server.start();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return server;
}

export interface NatsWithConnections {
  readonly server: NatsServer;
  /** One connection per node of a test, each as a separate process would have it. */
  readonly connections: readonly NatsConnection[];
  /** Close the connections, then stop the server and remove its store. */
  dispose(): Promise<void>;
}

/** One nats-server and `count` connections to it, each made with `options`. */
export async function startNatsWithConnections(count: number, options: Omit<ConnectionOptions, "servers"> = {}): Promise<NatsWithConnections> {
  const server = await startNatsServer();
  const connections: NatsConnection[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(connections.map((nc) => nc.close()));
    await server.dispose();
  };
  try {
    for (let i = 0; i < count; i++) connections.push(await connect({ ...options, servers: server.url }));
  } catch (err) {
    await dispose();
    throw err;
  }
  return { server, connections, dispose };
}

export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** Every server's client URL, comma-separated (as `--cluster` takes them). */
  readonly urls: string;
  dispose(): Promise<void>;
}

/**
 * `size` nats-servers routed to each other as one cluster with JetStream (streams and
 * buckets with replicas up to `size`). Resolves once every server is up and JetStream
 * has a leader (a first stream can be made).
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
  const routePorts = ports.slice(size);
  const servers = Array.from(
    { length: size },
    (_, i) =>
      new RunningNats({
        name: `sb-test-${i + 1}`,
        port: ports[i]!,
        routePort: routePorts[i]!,
        routes: routePorts.filter((_, k) => k !== i).map((p) => `nats-route://127.0.0.1:${p}`),
        storeDir: tempDir("sb-nats-"),
      }),
  );
  const dispose = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.dispose()));
  };
  try {
    // Started together: each waits for its routes, and JetStream for a quorum.
    await Promise.all(servers.map((s) => s.start()));
    await waitForJetStreamLeader(servers);
  } catch (err) {
    await dispose();
    throw err;
  }
  return { servers, urls: servers.map((s) => s.url).join(","), dispose };
}

/**
 * A connection to `cluster` reaching server `first` first (and the others, in order, to
 * fail over to), coming back quickly after a server stops.
 */
export function connectToCluster(cluster: NatsCluster, first = 0): Promise<NatsConnection> {
  const urls = cluster.servers.map((s) => s.url);
  return connect({ servers: [...urls.slice(first), ...urls.slice(0, first)], noRandomize: true, reconnectTimeWait: 100 });
}

async function waitForJetStreamLeader(servers: readonly NatsServer[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!servers.some((s) => /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/i.test(s.output()))) {
    if (Date.now() > deadline) throw new Error(`no JetStream metadata leader within 30 s:\n${servers.map((s) => s.output()).join("\n---\n")}`);
    await sleep(50);
  }
}
