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
import { DEFAULT_WAIT_MS, StreamProbe } from "./probe/stream-probe.js";
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
/** Counts names over the whole run, not per case: a context lives for one case only. */
let namesGiven = 0;

export class CheckContext {
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  constructor(
    readonly settings: CheckSettings,
    /** The run's --time-scale: multiplies the waits of everything this context opens, and `ms()`. */
    readonly timeScale = 1,
  ) {}

  /** `base` milliseconds with the run's --time-scale applied: for a case's own waits (e.g. a server's timeout). */
  ms(base: number): number {
    return Math.max(1, Math.round(base * this.timeScale));
  }

  get wireVersion(): 0 | 1 | undefined {
    return this.settings.wireVersion;
  }

  /**
   * A user name no other case of this run uses: `base` (letters) + a counter + this run's
   * tag, cut to `max` characters (keeping the distinct end).
   */
  name(base = "u", max = 16): string {
    const tail = `${++namesGiven}${RUN_TAG}`;
    return (base.slice(0, Math.max(1, max - tail.length)) + tail).slice(0, max);
  }

  /** Run `cleanup` when the case ends (last registered, first run). */
  defer(cleanup: () => void | Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** A new connection to the server under test. */
  async connect(ms?: number): Promise<StreamProbe> {
    const t = this.serverTarget();
    return this.opened(await StreamProbe.connect(t.host, t.port, this.settings.view, ms ?? this.ms(DEFAULT_WAIT_MS)));
  }

  /** A new UDP socket on loopback that talks to the datagram server under test. */
  async datagramPeer(): Promise<DatagramProbe> {
    const t = this.serverTarget();
    const probe = await DatagramProbe.bind(t.host.includes(":") ? "::1" : "127.0.0.1", 0, this.settings.view);
    probe.peer = { address: t.host, port: t.port };
    return this.opened(probe);
  }

  /** A stand-in stream server where the client under test will connect. */
  async listen(): Promise<ScriptedServer> {
    const c = this.clientTarget();
    return this.opened(await ScriptedServer.listen(c.host, c.port, this.settings.view));
  }

  /** A stand-in datagram server where the client under test will send. */
  async listenDatagram(): Promise<DatagramProbe> {
    const c = this.clientTarget();
    return this.opened(await DatagramProbe.bind(c.host, c.port, this.settings.view));
  }

  /**
   * Start the client command against the stand-in server listening on `port`, with
   * `{host}` and `{port}` replaced and `extraArgs` appended (e.g. a name the dialect's
   * client takes as an argument). `vars` replaces more placeholders: `{ name: "bob" }`
   * turns `{name}` into `bob`.
   */
  startClient(port: number, extraArgs: readonly string[] = [], vars: Readonly<Record<string, string>> = {}): ClientProcess {
    const c = this.clientTarget();
    const values: Record<string, string> = { ...vars, host: c.host, port: String(port) };
    const argv = [...c.argv, ...extraArgs].map((a) => a.replace(/\{(\w+)\}/g, (all, key: string) => values[key] ?? all));
    const client = ClientProcess.start(argv, c.tty);
    client.waitMs = this.ms(DEFAULT_WAIT_MS);
    this.defer(() => client.kill());
    return client;
  }

  /** Whether the client command says `{placeholder}` somewhere (e.g. `{name}`: it takes the name as an argument). */
  commandSays(placeholder: string): boolean {
    return this.clientTarget().argv.some((a) => a.includes(`{${placeholder}}`));
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

  /** Something this case opened: it waits as long as the run's --time-scale says, and is closed when the case ends. */
  private opened<T extends { waitMs: number; close(): void | Promise<void> }>(it: T): T {
    it.waitMs = this.ms(DEFAULT_WAIT_MS);
    this.defer(() => it.close());
    return it;
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
