/**
 * Each registered dialect's seed-shaped commands, by its registry name
 * (src/protocols/registry.ts): `switchboard server <name>`, as its seed's server was
 * run, and `switchboard client <name>`, its seed's client. They live here, not in the
 * dialect's folder, because a client imports its dialect's codec: the registry cannot
 * point at the clients without pointing back up. In the order `server --help` and
 * `client --help` list them. A dialect without an entry is still served by `serve`.
 */
import type { Command } from "commander";
import type { BuiltInDialect } from "../protocols/registry.js";
import { addBcsClientCommand, addBcsServerCommand } from "./commands/bcs.js";
import { addCs262ClientCommand, addCs262ServerCommand } from "./commands/cs262.js";
import { addGowingClientCommand, addGowingServerCommand } from "./commands/gowing.js";
import { addLabClientCommand, addLabServerCommand } from "./commands/lab.js";
import { addUdpClientCommand, addUdpServerCommand } from "./commands/udp.js";

export interface DialectCommands {
  /** Adds `server <name>` under `server`. */
  readonly server: (server: Command) => void;
  /** Adds `client <name>` under `client`. */
  readonly client: (client: Command) => void;
}

export const DIALECT_COMMANDS: Readonly<Partial<Record<BuiltInDialect["name"], DialectCommands>>> = {
  lab: { server: addLabServerCommand, client: addLabClientCommand },
  bcs: { server: addBcsServerCommand, client: addBcsClientCommand },
  gowing: { server: addGowingServerCommand, client: addGowingClientCommand },
  cs262: { server: addCs262ServerCommand, client: addCs262ClientCommand },
  udp: { server: addUdpServerCommand, client: addUdpClientCommand },
};
