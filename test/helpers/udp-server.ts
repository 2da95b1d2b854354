/** An in-process Switchboard with the udp dialect (and bcs, for interop) on loopback. */
import type { UdpConfig } from "../../src/protocols/udp/index.js";
import { startSwitchboard, type RunningSwitchboard } from "../../src/app/switchboard.js";
import type { DisconnectReason } from "../../src/core/errors.js";
import type { HubEvent } from "../../src/core/events.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/app/limits.js";
import type { Member } from "../../src/core/ports.js";
import { silentLog } from "../../src/log/ops-log.js";
import { tempDir } from "./server.js";

export interface UdpTestServer {
  readonly running: RunningSwitchboard;
  readonly udpPort: number;
  /** Set when started `withBcs`. */
  readonly bcsPort: number;
  close(): Promise<void>;
}

export async function startUdpServer(
  udp: Partial<UdpConfig> = {},
  options: { withBcs?: boolean; limits?: Partial<Limits> } = {},
): Promise<UdpTestServer> {
  const running = await startSwitchboard(
    {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      dataDir: tempDir(),
      udp: { host: "127.0.0.1", port: 0, ...udp },
      bcs: options.withBcs ? { host: "127.0.0.1", port: 0, chatLog: "off" } : undefined,
    },
    silentLog,
  );
  const port = (name: string) => running.listeners.find((l) => l.name === name)?.port ?? 0;
  return { running, udpPort: port("udp"), bcsPort: port("bcs"), close: () => running.close() };
}

/** A member of another dialect (lab, cs262, gowing are not on this branch) joined straight into the hub. */
export class FakeMember implements Member {
  name = "";
  readonly events: HubEvent[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly dialect: string) {}
  deliver(event: HubEvent): boolean {
    this.events.push(event);
    for (const w of this.waiters.splice(0)) w();
    return true;
  }
  disconnect(_reason: DisconnectReason): void {}

  /** The first event matching `test`, waiting up to `ms` for it. */
  async waitFor(test: (e: HubEvent) => boolean, ms = 3000): Promise<HubEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find(test);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching hub event within ${ms} ms: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export function joinFake(server: UdpTestServer, name: string, dialect = "lab"): FakeMember {
  const m = new FakeMember(dialect);
  m.name = name;
  const result = server.running.hub.join(m, name);
  if (result !== "ok") throw new Error(`fake ${name} could not join: ${result}`);
  return m;
}
