/**
 * TLS on the TCP chat listeners (issue 18 point 1; README "TLS"): each stream dialect's
 * TLS listener beside its plain one, through the same codecs, sessions and limits; the
 * handshake under the login deadline; PROXY header first, then TLS; the certificate
 * renewed by SIGHUP without dropping anyone; and the settings that turn it on.
 * Certificates are made by openssl in a temp directory (test/helpers/tls-certificates.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect as connectTls, TLSSocket, type ConnectionOptions } from "node:tls";
import { SERVE_SETTINGS, switchboardConfigOf } from "../../src/app/settings.js";
import { startSwitchboard, type RunningSwitchboard, type SwitchboardConfig } from "../../src/app/switchboard.js";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { resolveSettings } from "../../src/config/load.js";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { Command } from "../../src/protocols/cs262/frames.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { captureLog, type LogRecord } from "../helpers/capture-log.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { httpGet, scrape } from "../helpers/metrics.js";
import { proxyV1, proxyV2 } from "../helpers/proxy-header.js";
import { ANY_PORT, CLI, REPO_ROOT, serveOnly, spawnServer, startHub, tempDir, type SpawnedServer, type TestHub } from "../helpers/server.js";
import { eventually, jsonLines } from "../helpers/signals.js";
import { bare, within, type PeerPort } from "../helpers/tcp-peer.js";
import { makeCertificate, NO_OPENSSL, type TestCertificate } from "../helpers/tls-certificates.js";

const TIMEOUT = { timeout: 60_000, skip: NO_OPENSSL };
const STREAM_DIALECTS = ["lab", "gowing", "bcs", "cs262"] as const;
type StreamName = (typeof STREAM_DIALECTS)[number];

/** One logged-in user, driven the same way in every dialect. */
interface ChatUser {
  readonly socket: Socket;
  /** A direct message to `to` (bcs has none: a lobby message, which `to` hears as well). */
  say(to: string, text: string): Promise<void>;
  /** The next message from `from`, as this dialect shows it (notices and others' messages skipped). */
  heard(from: string): Promise<string>;
  close(): void;
}

interface DialectCase {
  /** The dialect's config (without TLS) for startSwitchboard. */
  readonly config: Partial<SwitchboardConfig>;
  login(port: PeerPort, name: string): Promise<ChatUser>;
  /** How `text` from `from` reads at its receiver. */
  shown(from: string, text: string): string;
}

const CASES: Record<StreamName, DialectCase> = {
  lab: {
    config: { lab: { ...ANY_PORT, bots: [] } },
    async login(port, name) {
      const p = await RawLab.login(port, name);
      return {
        socket: p.socket,
        async say(to, text) {
          p.write(`SEND ${to} ${text}\n`);
          assert.equal(await p.next(), "SEND-OK");
        },
        async heard(from) {
          for (;;) {
            const line = await p.next();
            if (line === undefined) throw new Error(`${name}: closed before a message from ${from}`);
            if (line.startsWith(`DELIVERY ${from} `)) return line;
          }
        },
        close: () => p.close(),
      };
    },
    shown: (from, text) => `DELIVERY ${from} ${text}`,
  },
  gowing: {
    config: { gowing: { ...ANY_PORT, logDir: "off" } },
    async login(port, name) {
      const p = await RawGowing.joined(port, name);
      return {
        socket: p.socket,
        say: async (to, text) => p.send(GowingType.Direct, `${to} ${text}`), // nothing comes back on success
        async heard(from) {
          for (;;) {
            const f = await p.next();
            if (f === undefined) throw new Error(`${name}: closed before a message from ${from}`);
            if (f.text.startsWith(`[${from}] `)) return f.text;
          }
        },
        close: () => p.close(),
      };
    },
    shown: (from, text) => `[${from}] (private) ${text}`,
  },
  bcs: {
    config: { bcs: { ...ANY_PORT, chatLog: "off" } },
    async login(port, name) {
      const { peer: p } = await RawBcs.login(port, name);
      return {
        socket: p.socket,
        async say(_to, text) {
          p.send({ type: BcsType.Send, message: text });
          for (;;) {
            const f = await p.next();
            if (f?.type === BcsType.Deliver) p.ack(); // a notice: acknowledged, as a client does
            else return assert.equal(f?.type === BcsType.Status && f.code, 0);
          }
        },
        async heard(from) {
          for (;;) {
            const d = await p.deliver();
            if (d.from === from) return `${d.from}: ${d.message}`;
          }
        },
        close: () => p.close(),
      };
    },
    shown: (from, text) => `${from}: ${text}`,
  },
  cs262: {
    config: { cs262: ANY_PORT, store: "memory" },
    async login(port, name) {
      const p = await RawCs262.account(port, name);
      return {
        socket: p.socket,
        say: async (to, text) => assert.equal(await p.message(name, to, text), ""),
        async heard(from) {
          for (;;) {
            const f = await p.next();
            if (f === undefined) throw new Error(`${name}: closed before a message from ${from}`);
            if (f.command === Command.Send && f.sender === from) return `${f.sender}: ${f.message}`;
          }
        },
        close: () => p.socket.destroy(),
      };
    },
    shown: (from, text) => `${from}: ${text}`,
  },
};

/** `config` with a TLS listener on a free loopback port beside each dialect's plain one. */
function withTlsListeners(config: Partial<SwitchboardConfig>, certificate: TestCertificate): Omit<SwitchboardConfig, "limits" | "dataDir"> {
  const out: Record<string, unknown> = { ...config, tls: { cert: certificate.cert, key: certificate.key } };
  for (const name of STREAM_DIALECTS) {
    const own = out[name] as object | undefined;
    if (own) out[name] = { ...own, tls: ANY_PORT };
  }
  return out as Omit<SwitchboardConfig, "limits" | "dataDir">;
}

/** The certificate a TLS connection to `port` is shown (its SHA-256 fingerprint). */
function certificateSeenAt(port: number, trust: ConnectionOptions = { rejectUnauthorized: false }): Promise<string> {
  return within(
    5000,
    new Promise((resolve, reject) => {
      const s = connectTls({ ...trust, host: "127.0.0.1", port }, () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.destroy();
      });
      s.once("error", reject);
    }),
    "a TLS handshake",
  );
}

const fingerprintOf = (socket: Socket): string => (socket as TLSSocket).getPeerCertificate().fingerprint256;

/** The first bytes a TLS client sends: its ClientHello, as captured by a listener that answers nothing. */
async function clientHello(): Promise<Buffer> {
  let server: Server | undefined;
  try {
    const first = new Promise<Buffer>((resolve) => {
      server = createServer((s) => s.once("data", (d: Buffer) => (resolve(d), s.destroy())));
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server!.address() as { port: number }).port;
    const client = connectTls({ host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false });
    client.on("error", () => undefined);
    return await within(5000, first, "a ClientHello");
  } finally {
    server?.close();
  }
}

describe("TLS beside plain TCP, per dialect", TIMEOUT, () => {
  let certificate: TestCertificate;
  before(() => {
    certificate = makeCertificate(tempDir("sb-tls-"));
  });

  for (const name of STREAM_DIALECTS) {
    it(`${name}: a user over TLS and a plain-TCP user chat both ways`, async () => {
      const d = CASES[name];
      const hub = await startHub(withTlsListeners(d.config, certificate));
      const users: ChatUser[] = [];
      try {
        assert.deepEqual(
          hub.running.listeners.map((l) => l.name),
          [name, `${name}-tls`],
        );
        const secure = await d.login({ port: hub.ports[`${name}-tls`]!, tls: certificate.trust }, `${name}_tls`);
        users.push(secure);
        assert.ok(secure.socket instanceof TLSSocket, "the TLS user's socket is a TLS socket");
        assert.equal(fingerprintOf(secure.socket), certificate.fingerprint);
        const plain = await d.login(hub.ports[name]!, `${name}_plain`);
        users.push(plain);
        assert.ok(!(plain.socket instanceof TLSSocket));

        await secure.say(`${name}_plain`, "over TLS to plain");
        assert.equal(await plain.heard(`${name}_tls`), d.shown(`${name}_tls`, "over TLS to plain"));
        await plain.say(`${name}_tls`, "plain to TLS");
        assert.equal(await secure.heard(`${name}_plain`), d.shown(`${name}_plain`, "plain to TLS"));

        // Both are the dialect's users; each listener counts its own connection.
        assert.equal(hub.running.hub.stats.dialect(name).online, 2);
        const probe = (listener: string) => hub.running.probes.find((p) => p.name === listener)!;
        assert.equal(probe(name).connections(), 1);
        assert.equal(probe(`${name}-tls`).connections(), 1);
      } finally {
        for (const u of users) u.close();
        await hub.close();
      }
    });
  }

  it("a dialect may listen over TLS only (its plain listener off)", async () => {
    const hub = await startHub({ lab: { ...ANY_PORT, bots: [], tls: ANY_PORT, plain: false }, tls: { cert: certificate.cert, key: certificate.key } });
    try {
      assert.deepEqual(
        hub.running.listeners.map((l) => l.name),
        ["lab-tls"],
      );
      const a = await CASES.lab.login({ port: hub.ports["lab-tls"]!, tls: certificate.trust }, "only_tls_a");
      const b = await CASES.lab.login({ port: hub.ports["lab-tls"]!, tls: certificate.trust }, "only_tls_b");
      await a.say("only_tls_b", "hi");
      assert.equal(await b.heard("only_tls_a"), "DELIVERY only_tls_a hi");
      a.close();
      b.close();
    } finally {
      await hub.close();
    }
  });
});

describe("a TLS client that stops reading", TIMEOUT, () => {
  it("is dropped at the queue limit as a slow consumer, like a plain one", async () => {
    const certificate = makeCertificate(tempDir("sb-tls-slow-"));
    const hub = await startHub(withTlsListeners(CASES.lab.config, certificate), { msgRate: 0, queueBytes: 256 * 1024 });
    try {
      const silent = await RawLab.login({ port: hub.ports["lab-tls"]!, tls: certificate.trust }, "tls_silent");
      silent.socket.pause(); // reads nothing more: TLS records pile up in the kernel, then in the server's queue
      const sender = await RawLab.login(hub.ports["lab"]!, "plain_sender");
      const filler = "x".repeat(3000);
      const slow = () => hub.running.hub.stats.dialect("lab").disconnects.slow_consumer;
      // 150 KB every 20 ms: a client that reads keeps up with that (this test fails if it does not pause).
      for (let batch = 0; batch < 100 && slow() === 0; batch++) {
        sender.write(`SEND tls_silent ${filler}\n`.repeat(50));
        await new Promise((r) => setTimeout(r, 20));
      }
      await eventually(slow, (n) => n === 1, 10_000);
      sender.close();
      silent.close();
    } finally {
      await hub.close();
    }
  });
});

describe("TLS handshakes that go wrong", TIMEOUT, () => {
  const LOGIN_TIMEOUT_MS = 600;
  let certificate: TestCertificate;
  let hub: TestHub;
  let tlsPort: number;
  before(async () => {
    certificate = makeCertificate(tempDir("sb-tls-bad-"));
    hub = await startHub({ ...withTlsListeners(CASES.lab.config, certificate), http: ANY_PORT }, { loginTimeoutMs: LOGIN_TIMEOUT_MS });
    tlsPort = hub.ports["lab-tls"]!;
  });
  after(() => hub.close());

  const disconnects = () => hub.running.hub.stats.dialect("lab").disconnects;

  /** Connect in plain TCP to the TLS listener, send `bytes`, and time how long until the server closes. */
  async function closedAfter(bytes: Buffer): Promise<number> {
    const c = await bare(tlsPort);
    const start = Date.now();
    if (bytes.length > 0) c.socket.write(bytes);
    await within(LOGIN_TIMEOUT_MS + 5000, c.closed, "the close");
    return Date.now() - start;
  }

  it("a client that connects and sends nothing is closed at the login deadline", async () => {
    const before = disconnects().login_timeout;
    const ms = await closedAfter(Buffer.alloc(0));
    assert.ok(ms >= LOGIN_TIMEOUT_MS - 50, `closed after ${ms} ms, before the deadline`);
    assert.ok(ms < LOGIN_TIMEOUT_MS + 2500, `closed after ${ms} ms`);
    await eventually(() => disconnects().login_timeout, (n) => n === before + 1);
  });

  it("a client that stops in the middle of its ClientHello is closed at the login deadline", async () => {
    const hello = await clientHello();
    assert.equal(hello[0], 0x16, "a TLS handshake record");
    const before = disconnects().login_timeout;
    const ms = await closedAfter(hello.subarray(0, Math.floor(hello.length / 2)));
    assert.ok(ms >= LOGIN_TIMEOUT_MS - 50, `closed after ${ms} ms, before the deadline`);
    assert.ok(ms < LOGIN_TIMEOUT_MS + 2500, `closed after ${ms} ms`);
    await eventually(() => disconnects().login_timeout, (n) => n === before + 1);
  });

  it("garbage instead of a ClientHello is closed at once, and the listener goes on", async () => {
    const garbage = [
      Buffer.from("HELLO-FROM plaintext_client\n"),
      Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
      Buffer.alloc(4096, 0),
      Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, ...Buffer.alloc(64, 0xaa)]), // a handshake record that is not a ClientHello
    ];
    for (const bytes of garbage) {
      const ms = await closedAfter(bytes);
      assert.ok(ms < LOGIN_TIMEOUT_MS, `${JSON.stringify(bytes.subarray(0, 16).toString("latin1"))}: closed after ${ms} ms`);
    }
    const a = await CASES.lab.login({ port: tlsPort, tls: certificate.trust }, "after_garbage");
    const b = await CASES.lab.login(hub.ports["lab"]!, "plain_after_garbage");
    await a.say("plain_after_garbage", "still here");
    assert.equal(await b.heard("after_garbage"), "DELIVERY after_garbage still here");
    a.close();
    b.close();
  });

  // Last in this suite: it stops the TLS listener accepting.
  it("/metrics and /readyz count the TLS listener as lab-tls, its users as lab's", async () => {
    const a = await CASES.lab.login({ port: tlsPort, tls: certificate.trust }, "metrics_tls");
    try {
      const m = await scrape(hub.ports["http"]!);
      assert.equal(m.value("switchboard_listener_up", { listener: "lab-tls" }), 1);
      assert.equal(m.value("switchboard_connections", { dialect: "lab-tls" }), 1);
      assert.equal(m.value("switchboard_connections", { dialect: "lab" }), 0);
      assert.equal(m.value("switchboard_users_online", { dialect: "lab" }), 1);
      const probe = hub.running.probes.find((p) => p.name === "lab-tls")!;
      probe.stopAccepting!();
      const ready = await httpGet(hub.ports["http"]!, "/readyz");
      assert.equal(ready.status, 503);
      assert.match(ready.body, /lab-tls/);
    } finally {
      a.close();
    }
  });
});

describe("PROXY protocol, then TLS", TIMEOUT, () => {
  let certificate: TestCertificate;
  let running: RunningSwitchboard;
  let records: LogRecord[];
  let port: number;
  let relay: Server | undefined;
  before(async () => {
    certificate = makeCertificate(tempDir("sb-tls-proxy-"));
    const captured = captureLog();
    records = captured.records;
    running = await startSwitchboard(
      { limits: DEFAULT_LIMITS, dataDir: tempDir(), proxyProtocol: true, ...withTlsListeners({ bcs: { ...ANY_PORT, chatLog: "off" } }, certificate) },
      captured.log,
    );
    port = running.listeners.find((l) => l.name === "bcs-tls")!.port;
  });
  after(async () => {
    relay?.close();
    await running.close();
  });

  /** The remote address the server logged for `user`'s login. */
  const loggedFrom = (user: string) => eventually(() => records.find((r) => r.msg === "login" && r["user"] === user)?.["remote"], (r) => r !== undefined);

  it("reads the header, then does the handshake: the header's client is the one logged in", async () => {
    const header = proxyV1({ source: "203.0.113.7", sourcePort: 4242 });
    const { peer } = await RawBcs.login({ port, tls: certificate.trust, before: header }, "behind_proxy");
    assert.equal(fingerprintOf(peer.socket), certificate.fingerprint);
    assert.equal(await loggedFrom("behind_proxy"), "203.0.113.7:4242");
    peer.close();
  });

  it("takes the ClientHello that came in one read with the header", async () => {
    const header = proxyV2({ source: "198.51.100.9", sourcePort: 5151 });
    // A stand-in load balancer that sends the header in one write with the client's first bytes.
    relay = createServer((client) => {
      client.on("error", () => undefined);
      client.once("data", (first: Buffer) => {
        client.pause();
        const upstream = connect(port, "127.0.0.1", () => {
          upstream.write(Buffer.concat([header, first]));
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
        upstream.on("error", () => client.destroy());
        upstream.on("close", () => client.destroy());
        client.on("close", () => upstream.destroy());
      });
    });
    await new Promise<void>((r) => relay!.listen(0, "127.0.0.1", r));
    const relayPort = (relay.address() as { port: number }).port;
    const { peer } = await RawBcs.login({ port: relayPort, tls: certificate.trust }, "one_read");
    assert.equal(await loggedFrom("one_read"), "198.51.100.9:5151");
    peer.close();
  });

  it("a ClientHello without the header first is refused as a bad header", async () => {
    const refused = () => running.probes.find((p) => p.name === "bcs-tls")!.refused!()["bad_proxy_header"]!;
    const before = refused();
    await assert.rejects(certificateSeenAt(port));
    await eventually(refused, (n) => n === before + 1);
  });
});

describe("SIGHUP renews the certificate (serve)", TIMEOUT, () => {
  const NO_ABUSE_LIMITS = ["--max-connections-per-ip", "0", "--login-failures", "0", "--msg-rate", "0"];

  /** The SIGHUP lines of the operational log so far. */
  const hupLines = (server: SpawnedServer) => jsonLines(server.stderr()).filter((l) => String(l["msg"]).startsWith("SIGHUP"));

  async function hangUp(server: SpawnedServer, count: number): Promise<Record<string, unknown>> {
    server.child.kill("SIGHUP");
    return (await eventually(() => hupLines(server), (l) => l.length >= count))[count - 1]!;
  }

  it("new connections get the new certificate; those opened before keep theirs and keep chatting; bad files keep the old", async () => {
    const dir = tempDir("sb-tls-hup-");
    const first = makeCertificate(dir, "first");
    const second = makeCertificate(dir, "second");
    const live = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
    const install = (c: TestCertificate): void => {
      copyFileSync(c.cert, live.cert);
      copyFileSync(c.key, live.key);
    };
    install(first);
    const tlsPorts = STREAM_DIALECTS.flatMap((d) => [`--${d}-tls-port`, "0"]);
    const server = await spawnServer(CLI("switchboard"), [
      ...serveOnly({ lab: "0", gowing: "0", bcs: "0", cs262: "0" }),
      ...tlsPorts,
      ...NO_ABUSE_LIMITS,
      ...["--host", "127.0.0.1", "--store", "memory", "--data-dir", dir, "--tls-cert", live.cert, "--tls-key", live.key],
    ]);
    const users: ChatUser[] = [];
    try {
      for (const d of STREAM_DIALECTS) assert.ok(server.stdoutLines.some((l) => new RegExp(`^listening ${d}-tls tcp 127\\.0\\.0\\.1:\\d+$`).test(l)), server.stdoutLines.join("\n"));
      const tlsPort = (d: StreamName) => server.ports[`${d}-tls`]!;
      const lab = CASES.lab;
      const early = await lab.login({ port: tlsPort("lab"), tls: first.trust }, "early");
      users.push(early);
      const plain = await lab.login(server.ports["lab"]!, "plain");
      users.push(plain);
      assert.equal(fingerprintOf(early.socket), first.fingerprint);

      install(second);
      const renewed = await hangUp(server, 1);
      assert.equal(renewed["level"], "info");
      assert.match(String(renewed["msg"]), /; TLS certificate renewed$/);
      assert.equal((renewed["tlsCertificate"] as { fingerprint: string }).fingerprint, second.fingerprint);
      for (const d of STREAM_DIALECTS) assert.equal(await certificateSeenAt(tlsPort(d), second.trust), second.fingerprint, d);

      const late = await lab.login({ port: tlsPort("lab"), tls: second.trust }, "late");
      users.push(late);
      assert.equal(fingerprintOf(late.socket), second.fingerprint);
      assert.equal(fingerprintOf(early.socket), first.fingerprint, "the early connection keeps its certificate");
      await early.say("late", "from before the renewal");
      assert.equal(await late.heard("early"), "DELIVERY early from before the renewal");
      await late.say("early", "from after it");
      assert.equal(await early.heard("late"), "DELIVERY late from after it");
      await early.say("plain", "still chatting");
      assert.equal(await plain.heard("early"), "DELIVERY early still chatting");

      // Files that cannot be used: the SIGHUP line says so (a warning), and the certificate stays.
      writeFileSync(live.cert, "not a certificate\n");
      const unreadable = await hangUp(server, 2);
      assert.equal(unreadable["level"], "warn");
      assert.match(String(unreadable["msg"]), /; TLS certificate not renewed \(still using the old\)$/);
      assert.match(String(unreadable["tlsError"]), /^tls-cert: .*cert\.pem: not a PEM certificate$/);
      copyFileSync(first.cert, live.cert); // the first certificate with the second's key
      const mismatched = await hangUp(server, 3);
      assert.equal(mismatched["level"], "warn");
      assert.match(String(mismatched["tlsError"]), /^tls-key: .*key\.pem: not the private key of the certificate in .*cert\.pem$/);
      for (const d of STREAM_DIALECTS) assert.equal(await certificateSeenAt(tlsPort(d), second.trust), second.fingerprint, d);
      await plain.say("early", "and after the failed ones");
      assert.equal(await early.heard("plain"), "DELIVERY plain and after the failed ones");
    } finally {
      for (const u of users) u.close();
      assert.equal(await server.stop(), 0, server.stderr());
    }
  });
});

describe("TLS settings", TIMEOUT, () => {
  let certificate: TestCertificate;
  let other: TestCertificate;
  let dir: string;
  before(() => {
    dir = tempDir("sb-tls-settings-");
    certificate = makeCertificate(dir, "good");
    other = makeCertificate(dir, "other");
  });

  const checkConfig = (yaml: string) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    const r = spawnSync(process.execPath, [CLI("switchboard"), "check-config", file], { cwd: REPO_ROOT, encoding: "utf8" });
    return { status: r.status, out: r.stdout, err: r.stderr, file };
  };

  it("check-config: both files or neither, a TLS port only with them, and the files must load", () => {
    const ok = checkConfig(`tls-cert: ${certificate.cert}\ntls-key: ${certificate.key}\nlab-tls-port: 6697\n`);
    assert.equal(ok.status, 0, ok.err);
    assert.match(ok.out, /: ok \(3 settings: tls-cert, tls-key, lab-tls-port\)/);

    const cases: [yaml: string, problem: RegExp][] = [
      [`tls-cert: ${certificate.cert}\n`, /: tls-key: needed with tls-cert/],
      [`tls-key: ${certificate.key}\n`, /: tls-cert: needed with tls-key/],
      ["lab-tls-port: 6697\ncs262-tls-port: 0\n", /: lab-tls-port and cs262-tls-port: a TLS listener needs tls-cert and tls-key/],
      [`tls-cert: ${join(dir, "missing.pem")}\ntls-key: ${certificate.key}\n`, /: tls-cert: .*missing\.pem: cannot read it: ENOENT: no such file or directory$/m],
      [`tls-cert: ${certificate.key}\ntls-key: ${certificate.key}\n`, /: tls-cert: .*good\.key\.pem: not a PEM certificate$/m],
      [`tls-cert: ${certificate.cert}\ntls-key: ${certificate.cert}\n`, /: tls-key: .*good\.cert\.pem: not an unencrypted PEM private key$/m],
      [`tls-cert: ${certificate.cert}\ntls-key: ${other.key}\n`, /: tls-key: .*other\.key\.pem: not the private key of the certificate in .*good\.cert\.pem$/m],
    ];
    for (const [yaml, problem] of cases) {
      const r = checkConfig(yaml);
      assert.equal(r.status, 1, yaml);
      assert.match(r.err, problem, yaml);
    }
  });

  it("serve refuses to start with files that cannot be used, naming the setting", () => {
    const r = spawnSync(process.execPath, [CLI("switchboard"), ...serveOnly({ lab: "0" }), "--lab-tls-port", "0", "--tls-cert", certificate.cert, "--tls-key", other.key], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^switchboard: tls-key: .*other\.key\.pem: not the private key of the certificate in .*good\.cert\.pem$/m);
    assert.match(r.stderr, /not started: the configuration has problems/);
    assert.equal(r.stdout, "");
  });

  it("a TLS port off (the default) adds no listener; `off` for the plain port with a TLS port leaves TLS only", () => {
    const resolve = (values: Record<string, unknown>) => {
      const r = resolveSettings(SERVE_SETTINGS, values as never, {});
      assert.deepEqual(r.problems, []);
      return switchboardConfigOf(r.settings, r.given);
    };
    const files = { "tls-cert": certificate.cert, "tls-key": certificate.key };
    for (const d of STREAM_DIALECTS) assert.equal(SERVE_SETTINGS.defaultText(`${d}-tls-port`), "off");
    assert.equal(Object.keys(SERVE_SETTINGS.settings).includes("udp-tls-port"), false, "udp has no TLS listener");

    const plainOnly = resolve({});
    assert.equal(plainOnly.lab?.tls, undefined);
    assert.equal(plainOnly.tls, undefined);
    const both = resolve({ ...files, "lab-tls-port": 6697 });
    assert.deepEqual(both.tls, { cert: certificate.cert, key: certificate.key });
    assert.deepEqual([both.lab?.port, both.lab?.tls, both.lab?.plain], [5378, { host: "0.0.0.0", port: 6697 }, undefined]);
    assert.equal(both.bcs?.tls, undefined);
    const tlsOnly = resolve({ ...files, "lab-port": "off", "lab-tls-port": 6697 });
    assert.deepEqual([tlsOnly.lab?.tls, tlsOnly.lab?.plain], [{ host: "0.0.0.0", port: 6697 }, false]);
  });
});
