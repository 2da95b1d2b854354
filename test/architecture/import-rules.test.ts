/**
 * The import rules of src/ (issue 16, point 8): which folder may import which, kept by a
 * test that reads every import of every source file (import-graph.ts) and fails on one
 * that breaks a rule, naming the file, the import and the rule.
 *
 * What counts as an import: everything that names another module, type-only imports
 * included. A type ties the importer's shape to the imported module as surely as a value
 * does (metrics naming admin's `ListenerProbe` type is the admin <-> metrics cycle the
 * issue points at), so the layering holds for types too. The one exception is written into
 * the rule it belongs to.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  breaksRule,
  compareWithKnown,
  describeViolation,
  intoAnotherSubfolder,
  layerRule,
  matches,
  unplacedFolders,
  violations,
  type ImportEdge,
  type Pattern,
  type Rule,
} from "./check-imports.js";
import { readImportGraph } from "./import-graph.js";

/**
 * The folders of src/ from the top (imports the most) to the bottom (imports only itself).
 * A folder imports folders of lower layers only: nothing points back up, and the folders of
 * one layer do not import each other. Every folder of src/ must be in exactly one layer, so a
 * new folder has to be placed here on purpose.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Thin commands: argv -> settings -> a server or a client.
  ["cli"],
  // The programs: the server assembled from its parts, the chat clients (the other end of
  // the wire, which share only the wire code; see the clients rule), and the conformance
  // tester (which shares nothing; see its rule).
  ["app", "clients", "check"],
  // What runs on the hub: the dialects (each declares its settings, limits and how it
  // opens beside its codec and session), the admin HTTP side, the browser client's files
  // for the public web listener.
  ["protocols", "admin", "web"],
  // The in-process bot users: hub members a dialect may run beside it (lab's echobot and
  // delaybot).
  ["bots"],
  // The hub's ports over NATS JetStream, for nodes run as one cluster (--cluster,
  // docs/cluster.md): names, routing, accounts, offline mail and files. They stand on the
  // parts below (the password hashing of store/, the upload rules of files/, the logger).
  ["cluster"],
  // What those stand on: sockets and connections, the account/mail store, the file store,
  // the metrics registry, the log writers, the settings machinery
  // (kinds, tables, YAML: generic, it names no setting of its own; each dialect declares
  // its own settings with it), the package version.
  ["transport", "store", "files", "metrics", "log", "config", "version.ts"],
  // The hub: names, presence, routing, its ports. Protocol-agnostic, no I/O.
  ["core"],
];

/**
 * Built-ins that compute and do no I/O: no socket, file, process, DNS or terminal. The
 * bottom of the graph (core) and the pure wire code may use these and nothing else
 * outside src/; any other node: module counts as I/O.
 */
const PURE_BUILTINS = ["node:buffer", "node:string_decoder", "node:events", "node:util", "node:crypto", "node:path"];
const ioBuiltin: Pattern = (m) => m.startsWith("node:") && !PURE_BUILTINS.includes(m);
const outsideSrc: Pattern = (m) => !m.startsWith("src/");

/**
 * The wire code: bytes <-> frames and frames -> text, pure and incremental, shared by the
 * server and the clients. The dialects' codec, frames, wire-errors and render* files, a
 * client-side reader of the server's stream (gowing's server-stream.ts), and the
 * transport's framing that drives any codec over chunks.
 */
const WIRE_CODE: readonly Pattern[] = [
  "src/protocols/*/codec.ts",
  "src/protocols/*/frames.ts",
  "src/protocols/*/wire-errors.ts",
  "src/protocols/*/render*.ts",
  "src/protocols/render*.ts",
  "src/protocols/*/server-stream.ts",
  "src/transport/stream-codec.ts",
  "src/transport/datagram-codec.ts",
  "src/transport/frame-reader.ts",
];

/** Where a dialect declares itself to the process (issue 16, point 5): wiring, not translation. */
const DIALECT_DECLARATIONS: readonly Pattern[] = ["src/protocols/dialect.ts", "src/protocols/registry.ts", "src/protocols/*/index.ts", "src/protocols/*/limits.ts"];

const RULES: readonly Rule[] = [
  layerRule(
    LAYERS,
    "layers",
    "a folder imports only folders in lower layers (LAYERS in test/architecture/import-rules.test.ts): an upward import makes a cycle, a sideways one couples parts meant to change alone",
  ),
  {
    name: "core imports only core",
    why: "the hub is protocol-agnostic and does no I/O, so another transport, store or a cluster can replace what surrounds it; it uses pure built-ins at most",
    from: ["src/core/**"],
    onlyTo: ["src/core/**", ...PURE_BUILTINS],
  },
  {
    name: "wire code is pure",
    why: "codecs turn bytes into frames and back with no I/O, so they are tested and fuzzed on bytes alone and both ends share them; they import only wire code, core and pure built-ins (no socket, fs, store, files or log code)",
    from: WIRE_CODE,
    onlyTo: [...WIRE_CODE, "src/core/**", ...PURE_BUILTINS],
  },
  {
    name: "dialects do no I/O of their own",
    why: "a dialect translates frames to hub calls and hub events to frames; accounts and mail are the hub's ports, files and chat logs are services, sockets are the transport's (issue 16, points 1 and 2)",
    from: ["src/protocols/**"],
    notTo: ["src/store/**", "src/files/**", "src/log/**", ioBuiltin],
    // log/ops-log.ts re-exports pino's Logger: naming that type is how a session receives the
    // injected operations logger (transport names the same type from pino). It emits no
    // code and writes no log of the dialect's own, unlike the chat logs the rule keeps out.
    // A dialect's declaration (index.ts, its limits, the registry) is where it is wired to
    // the services the process gives it (DialectServices: its chat log, its file store):
    // it runs once at start, never per frame, and no session or codec imports it.
    unless: (edge) => (edge.typeOnly && edge.to === "src/log/ops-log.ts") || DIALECT_DECLARATIONS.some((d) => matches(edge.from, d)),
  },
  {
    name: "login policy is the hub's",
    why: "the per-address login-failure limit is applied once, in the hub's join path, from the connection's address, not wrapped around hub.join by each session (issue 16, point 1); transport/address-limits.ts is the listener's",
    from: ["src/protocols/**"],
    notTo: ["src/transport/address-limits.ts"],
  },
  {
    name: "dialects are independent",
    why: "adding or changing a dialect is one folder; what dialects share lives directly in src/protocols/ (render-text.ts)",
    from: ["src/protocols/**"],
    breaks: intoAnotherSubfolder("src/protocols"),
  },
  {
    name: "config names no dialect",
    why: "a dialect's settings reach config through the dialect registry (issue 16, point 5), so adding a dialect does not edit config/",
    from: ["src/config/**"],
    notTo: ["src/protocols/*/**"],
  },
  {
    name: "clients share only the wire code",
    why: "a client is the other end of the wire: it shares the codecs, the framing and the name rules with the server and loads no server code (app, hub, store, files, log, sessions, listeners)",
    from: ["src/clients/**"],
    onlyTo: ["src/clients/**", ...WIRE_CODE, "src/core/names.ts", "src/core/file-names.ts", outsideSrc],
  },
  {
    name: "the conformance tester stands alone",
    why: "`switchboard check` judges anyone's server or client, ours included: if it made or read bytes with our codecs, a bug shared by our codec and our server could not fail a case (issue 19)",
    from: ["src/check/**"],
    onlyTo: ["src/check/**", outsideSrc],
  },
  {
    name: "clients are independent",
    why: "each dialect's client is its own folder; what clients share lives in clients/shared/",
    from: ["src/clients/**"],
    breaks: intoAnotherSubfolder("src/clients", "shared"),
  },
];

/**
 * Breaks tolerated for now, each an exact `from -> to` pair, so the test passed while the
 * issue-16 branches removed them. The list may only shrink: a pair that is no longer in
 * the tree fails the test too. It is empty now: keep it so.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

const ROOT = fileURLToPath(new URL("../../../", import.meta.url)); // from dist/test/architecture/
const graph = readImportGraph(ROOT);

describe("the import rules of src/", () => {
  it("reads the whole tree, and every import in it resolves", () => {
    assert.ok(graph.files.length > 100, `${graph.files.length} source files`);
    assert.ok(graph.files.includes("src/core/hub.ts"));
    assert.ok(graph.edges.length > 500, `${graph.edges.length} imports`);
    assert.deepEqual(graph.unresolved, [], "imports the graph cannot place (a computed import() name hides a dependency from this test)");
  });

  it("places every folder of src/ in exactly one layer", () => {
    assert.deepEqual(unplacedFolders(graph.files, LAYERS), [], "add these folders to LAYERS in test/architecture/import-rules.test.ts");
    const all = LAYERS.flat();
    assert.deepEqual(all.filter((f, i) => all.indexOf(f) !== i), [], "folders in two layers");
  });

  it("finds no import that breaks a rule, apart from the known ones", () => {
    const { unexpected } = compareWithKnown(violations(graph.edges, RULES), KNOWN_VIOLATIONS);
    assert.ok(unexpected.length === 0, `${unexpected.length} import(s) break the rules:\n\n${unexpected.map(describeViolation).join("\n\n")}\n`);
  });

  it("still finds every known violation (the list only shrinks: strike off what was fixed)", () => {
    const { gone } = compareWithKnown(violations(graph.edges, RULES), KNOWN_VIOLATIONS);
    assert.ok(gone.length === 0, `no longer in the tree; delete from KNOWN_VIOLATIONS:\n  ${gone.join("\n  ")}\n`);
    assert.equal(new Set(KNOWN_VIOLATIONS).size, KNOWN_VIOLATIONS.length, "KNOWN_VIOLATIONS lists a pair twice");
  });
});

/** The rules above, on imports made up to show what each one catches and lets through. */
describe("the rule table, on made-up imports", () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, specifier: to, typeOnly, line: 1 });
  const broken = (from: string, to: string, typeOnly = false) =>
    RULES.filter((r) => breaksRule(edge(from, to, typeOnly), r))
      .map((r) => r.name)
      .sort();

  it("core imports core and pure built-ins only", () => {
    assert.deepEqual(broken("src/core/hub.ts", "src/transport/connection.ts"), ["core imports only core", "layers"]);
    assert.deepEqual(broken("src/core/hub.ts", "node:net"), ["core imports only core"]);
    assert.deepEqual(broken("src/core/hub.ts", "pino"), ["core imports only core"]);
    assert.deepEqual(broken("src/core/hub.ts", "src/core/ports.ts", true), []);
    assert.deepEqual(broken("src/core/hub.ts", "node:buffer"), []);
  });

  it("nothing points back up, nor sideways; downward is fine at any distance", () => {
    assert.deepEqual(broken("src/store/store.ts", "src/app/switchboard.ts", true), ["layers"]);
    assert.deepEqual(broken("src/transport/connection.ts", "src/store/store.ts"), ["layers"]);
    assert.deepEqual(broken("src/bots/bots.ts", "src/admin/status.ts"), ["layers"]);
    assert.deepEqual(broken("src/app/switchboard.ts", "src/clients/lab/run.ts"), ["layers"]);
    assert.deepEqual(broken("src/cli/program.ts", "src/core/limits.ts"), []);
    assert.deepEqual(broken("src/app/switchboard.ts", "src/version.ts"), []);
  });

  it("codecs stay pure: no socket, fs, store, files, log or session", () => {
    for (const to of ["node:net", "node:dgram", "node:tls", "node:fs", "src/store/store.ts", "src/files/file-store.ts", "src/log/log-file.ts", "src/protocols/lab/session.ts", "src/transport/connection.ts", "pino"]) {
      assert.ok(broken("src/protocols/lab/codec.ts", to).includes("wire code is pure"), `codec -> ${to}`);
    }
    assert.deepEqual(broken("src/protocols/gowing/render.ts", "src/core/events.ts", true), []);
    assert.deepEqual(broken("src/protocols/udp/codec.ts", "src/transport/datagram-codec.ts"), []);
    assert.deepEqual(broken("src/protocols/lab/codec.ts", "node:buffer"), []);
  });

  it("sessions use no store, files or log code, but may name the ops logger's type", () => {
    assert.deepEqual(broken("src/protocols/cs262/session.ts", "src/store/store.ts", true), ["dialects do no I/O of their own"]);
    assert.deepEqual(broken("src/protocols/bcs/session.ts", "src/log/chat-log.ts", true), ["dialects do no I/O of their own"]);
    assert.deepEqual(broken("src/protocols/bcs/session.ts", "node:fs"), ["dialects do no I/O of their own"]);
    assert.deepEqual(broken("src/protocols/udp/session.ts", "src/log/ops-log.ts", true), []);
    assert.deepEqual(broken("src/protocols/udp/session.ts", "src/log/ops-log.ts"), ["dialects do no I/O of their own"], "only the type");
    assert.deepEqual(broken("src/protocols/lab/session.ts", "src/transport/address-limits.ts"), ["login policy is the hub's"]);
    assert.deepEqual(broken("src/protocols/lab/session.ts", "src/transport/session.ts", true), []);
  });

  it("a dialect imports no other dialect, and config none at all", () => {
    assert.deepEqual(broken("src/protocols/lab/session.ts", "src/protocols/bcs/codec.ts"), ["dialects are independent"]);
    assert.deepEqual(broken("src/protocols/lab/session.ts", "src/protocols/render-text.ts"), []);
    assert.deepEqual(broken("src/config/settings.ts", "src/protocols/udp/index.ts"), ["config names no dialect", "layers"]);
  });

  it("clients load the wire code and nothing of the server", () => {
    for (const to of ["src/core/hub.ts", "src/app/switchboard.ts", "src/store/store.ts", "src/files/file-store.ts", "src/log/ops-log.ts", "src/protocols/lab/session.ts", "src/transport/connection.ts"]) {
      assert.ok(broken("src/clients/lab/run.ts", to).includes("clients share only the wire code"), `client -> ${to}`);
    }
    for (const to of ["src/protocols/lab/codec.ts", "src/transport/frame-reader.ts", "src/core/names.ts", "src/clients/shared/connect.ts", "node:net", "commander"]) {
      assert.deepEqual(broken("src/clients/lab/run.ts", to), [], `client -> ${to}`);
    }
    assert.deepEqual(broken("src/clients/lab/run.ts", "src/clients/bcs/display.ts"), ["clients are independent"]);
    assert.deepEqual(broken("src/clients/shared/terminal.ts", "src/clients/bcs/display.ts"), ["clients are independent"]);
  });
});
