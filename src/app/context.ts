/** What every dialect's listener is started with: the one hub and the process's services. */
import type { Hub } from "../core/hub.js";
import type { Logger } from "../log/ops-log.js";
import type { ConnectionsPerAddress, LoginAttempts } from "../transport/address-limits.js";

export interface AppContext {
  readonly hub: Hub;
  readonly log: Logger;
  /** Root of everything the server keeps on disk. */
  readonly dataDir: string;
  /** Connections per client address, over every TCP listener (--max-connections-per-ip). */
  readonly connections: ConnectionsPerAddress;
  /** Refused logins per client address, over every dialect (--login-failures). */
  readonly logins: LoginAttempts;
  /** Every TCP listener's connections start with a PROXY protocol header (docs/proxy-protocol.md). */
  readonly proxyProtocol: boolean;
}

export interface BoundListener {
  readonly name: string;
  readonly transport: "tcp" | "udp";
  readonly address: string;
  readonly port: number;
}

/** A started part of the server: what it listens on (if anything) and how to stop it. */
export interface Started {
  readonly listeners: readonly BoundListener[];
  close(): Promise<void>;
}

export interface Endpoint {
  host: string;
  port: number;
}
