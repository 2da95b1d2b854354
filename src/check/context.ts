/**
 * What a case works with: the target (a server to connect to, or a client command to
 * start against a stand-in server), fresh user names, and cleanup. One context per case:
 * everything it opened is closed when the case ends, whatever its verdict.
 */
import { randomBytes } from "node:crypto";
import type { Dialect } from "./case.js";
import { ClientProcess } from "./client/client-process.js";
import { ScriptedServer } from "./client/scripted-server.js";
import { DatagramProbe } from "./probe/datagram-probe.js";
import { StreamProbe } from "./probe/stream-probe.js";
import type { WireView } from "./wire-view.js";

export interface ServerTarget {
  readonly host: string;
  readonly port: number;
}

export interface ClientTarget {
  /** The client command; `{host}` and `{port}` in it are replaced by where the stand-in server listens. */
  readonly argv: readonly string[];
  /** Run it on a pseudo-terminal rather than on pipes. */
  readonly tty: boolean;
  /** Where the stand-in server listens (port 0: a free one; the command must then say `{port}`). */
  readonly host: string;
  readonly port: number;
}

export interface CheckSettings {
  readonly dialect: Dialect;
  readonly view: WireView;
  /** cs262's numbering (docs/cs262.md); undefined for other dialects. */
  readonly wireVersion?: 0 | 1;
  readonly server?: ServerTarget;
  readonly client?: ClientTarget;
}

/** Names differ per run (a server may keep accounts between cases and runs): a short base plus a random tag. */
const RUN_TAG = randomBytes(2).toString("hex");
/** Counts over the whole run, not per case: a name must not come back in a later case. */
let namesMade = 0;

export class CheckContext {
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  /** @param timeScale the run's --time-scale, which a case's own waits follow through ms(). */
  constructor(
    readonly settings: CheckSettings,
    readonly timeScale = 1,
  ) {}

  /**
   * `ms` scaled by the run's --time-scale: a case's waits, longer on a slow machine and
   * shorter against a target whose deadlines were shortened for a quick run.
   */
  ms(ms: number): number {
    return Math.max(1, Math.round(ms * this.timeScale));
  }

  get wireVersion(): 0 | 1 | undefined {
    return this.settings.wireVersion;
  }

  /**
   * A user name no other case of this run uses: `base` (letters) + a counter + this run's
   * tag, cut to `max` characters (keeping the distinct end).
   */
  name(base = "u", max = 16): string {
    const tail = `${++namesMade}${RUN_TAG}`;
    return (base.slice(0, Math.max(1, max - tail.length)) + tail).slice(0, max);
  }

  /** Run `cleanup` when the case ends (last registered, first run). */
  defer(cleanup: () => void | Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** A new connection to the server under test. */
  async connect(ms?: number): Promise<StreamProbe> {
    const t = this.serverTarget();
    const probe = await StreamProbe.connect(t.host, t.port, this.settings.view, ms);
    this.defer(() => probe.close());
    return probe;
  }

  /** A new UDP socket on loopback that talks to the datagram server under test. */
  async datagramPeer(): Promise<DatagramProbe> {
    const t = this.serverTarget();
    const probe = await DatagramProbe.bind(t.host.includes(":") ? "::1" : "127.0.0.1", 0, this.settings.view);
    probe.peer = { address: t.host, port: t.port };
    this.defer(() => probe.close());
    return probe;
  }

  /** A stand-in stream server where the client under test will connect. */
  async listen(): Promise<ScriptedServer> {
    const c = this.clientTarget();
    const server = await ScriptedServer.listen(c.host, c.port, this.settings.view);
    this.defer(() => server.close());
    return server;
  }

  /** A stand-in datagram server where the client under test will send. */
  async listenDatagram(): Promise<DatagramProbe> {
    const c = this.clientTarget();
    const probe = await DatagramProbe.bind(c.host, c.port, this.settings.view);
    this.defer(() => probe.close());
    return probe;
  }

  /**
   * Start the client command against the stand-in server listening on `port`, with
   * `{host}` and `{port}` replaced and `extraArgs` appended (e.g. a name the dialect's
   * client takes as an argument).
   */
  startClient(port: number, extraArgs: readonly string[] = []): ClientProcess {
    const c = this.clientTarget();
    const argv = [...c.argv, ...extraArgs].map((a) => a.replaceAll("{host}", c.host).replaceAll("{port}", String(port)));
    const client = ClientProcess.start(argv, c.tty);
    this.defer(() => client.kill());
    return client;
  }

  get tty(): boolean {
    return this.clientTarget().tty;
  }

  /** Close everything the case opened. Never throws. */
  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // closing what is already closed
      }
    }
  }

  private serverTarget(): ServerTarget {
    if (!this.settings.server) throw new Error("this case checks a server, but no server was given");
    return this.settings.server;
  }

  private clientTarget(): ClientTarget {
    if (!this.settings.client) throw new Error("this case checks a client, but no client command was given");
    return this.settings.client;
  }
}
