/**
 * Every dialect's conformance suites: how its bytes are shown, where its servers listen
 * by default, and its server and client cases. `switchboard check` is driven by this list.
 */
import type { CheckCase, Dialect } from "../case.js";
import type { WireView } from "../wire-view.js";
import { BCS_CLIENT_CASES } from "./bcs/client.js";
import { BCS_SERVER_CASES } from "./bcs/server.js";
import { CS262_CLIENT_CASES } from "./cs262/client.js";
import { CS262_SERVER_CASES } from "./cs262/server.js";
import { GOWING_CLIENT_CASES } from "./gowing/client.js";
import { GOWING_SERVER_CASES } from "./gowing/server.js";
import { LAB_CLIENT_CASES } from "./lab/client.js";
import { LAB_SERVER_CASES } from "./lab/server.js";
import { UDP_CLIENT_CASES } from "./udp/client.js";
import { UDP_SERVER_CASES } from "./udp/server.js";

export interface DialectSuite {
  readonly dialect: Dialect;
  /** How failure reports show this dialect's bytes. */
  readonly view: WireView;
  readonly transport: "stream" | "datagram";
  /** Where its servers listen unless told otherwise (docs/<dialect>.md). */
  readonly defaultPort: number;
  /** cs262 only: the numberings a run may ask for (--wire-version). */
  readonly wireVersions?: readonly (0 | 1)[];
  readonly server: readonly CheckCase[];
  readonly client: readonly CheckCase[];
}

export const SUITES: Readonly<Record<Dialect, DialectSuite>> = {
  lab: { dialect: "lab", view: "text", transport: "stream", defaultPort: 5378, server: LAB_SERVER_CASES, client: LAB_CLIENT_CASES },
  gowing: { dialect: "gowing", view: "text", transport: "stream", defaultPort: 9000, server: GOWING_SERVER_CASES, client: GOWING_CLIENT_CASES },
  bcs: { dialect: "bcs", view: "hex", transport: "stream", defaultPort: 9001, server: BCS_SERVER_CASES, client: BCS_CLIENT_CASES },
  cs262: { dialect: "cs262", view: "hex", transport: "stream", defaultPort: 9002, wireVersions: [0, 1], server: CS262_SERVER_CASES, client: CS262_CLIENT_CASES },
  // Binary headers: shown as hex (the text in them reads well enough there too).
  udp: { dialect: "udp", view: "hex", transport: "datagram", defaultPort: 9003, server: UDP_SERVER_CASES, client: UDP_CLIENT_CASES },
};

export const DIALECTS = Object.keys(SUITES) as Dialect[];
