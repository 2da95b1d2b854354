/**
 * Every dialect's conformance suites: how its bytes are shown, where its servers listen
 * by default, and its server and client cases. `switchboard check` is driven by this list.
 */
import type { CheckCase, Dialect } from "../case.js";
import type { WireView } from "../wire-view.js";
import { GOWING_CLIENT_CASES } from "./gowing/client.js";
import { GOWING_SERVER_CASES } from "./gowing/server.js";
import { LAB_CLIENT_CASES } from "./lab/client.js";
import { LAB_SERVER_CASES } from "./lab/server.js";

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
  bcs: { dialect: "bcs", view: "hex", transport: "stream", defaultPort: 9001, server: [], client: [] },
  cs262: { dialect: "cs262", view: "hex", transport: "stream", defaultPort: 9002, wireVersions: [0, 1], server: [], client: [] },
  udp: { dialect: "udp", view: "text", transport: "datagram", defaultPort: 9003, server: [], client: [] },
};

export const DIALECTS = Object.keys(SUITES) as Dialect[];
