/**
 * The web listener with a certificate (issue 18 points 1 and 2): the browser client's
 * page over HTTPS and `/ws/<dialect>` over WSS, on the certificate the chat listeners
 * use; a WSS user chats with a plain-TCP user. Certificates are made by openssl.
 */
import assert from "node:assert/strict";
import { get } from "node:https";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { WebSocket, type ClientOptions } from "ws";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, startHub, tempDir, type TestHub } from "../helpers/server.js";
import { makeCertificate, NO_OPENSSL, type TestCertificate } from "../helpers/tls-certificates.js";

describe("the web listener over TLS", { timeout: 60_000, skip: NO_OPENSSL }, () => {
  let hub: TestHub;
  let certificate: TestCertificate;
  before(async () => {
    certificate = makeCertificate(tempDir("sb-web-tls-"));
    hub = await startHub({ lab: { ...ANY_PORT, bots: [] }, web: ANY_PORT, tls: { cert: certificate.cert, key: certificate.key } });
  });
  after(() => hub.close());

  it("serves the page over HTTPS with the configured certificate", async () => {
    const { status, fingerprint, csp } = await new Promise<{ status: number; fingerprint: string; csp: unknown }>((resolve, reject) => {
      const req = get({ host: "127.0.0.1", port: hub.ports["web"], path: "/", ...certificate.trust }, (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        res.resume();
        resolve({ status: res.statusCode ?? 0, fingerprint: peer.fingerprint256, csp: res.headers["content-security-policy"] });
      });
      req.on("error", reject);
    });
    assert.equal(status, 200);
    assert.equal(fingerprint, certificate.fingerprint);
    assert.match(String(csp), /default-src 'none'/);
  });

  it("carries lab over WSS: a WSS user and a plain-TCP user message each other", async () => {
    // `servername` reaches tls.connect (the certificate names localhost), though ws's types omit it.
    const trust: ClientOptions & { servername: string } = { ca: certificate.pem, servername: "localhost" };
    const ws = new WebSocket(`wss://127.0.0.1:${hub.ports["web"]}/ws/lab`, trust);
    const lines: string[] = [];
    let buffered = "";
    ws.on("message", (data: Buffer) => {
      buffered += data.toString("utf8");
      for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
        lines.push(buffered.slice(0, i));
        buffered = buffered.slice(i + 1);
      }
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const nextLine = async (what: string): Promise<string> => {
      const deadline = Date.now() + 5000;
      while (lines.length === 0) {
        if (Date.now() > deadline) assert.fail(`no ${what} over WSS`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return lines.shift()!;
    };
    const tcp = await RawLab.login(hub.ports["lab"]!, "tcp_user");
    try {
      ws.send(Buffer.from("HELLO-FROM wss_user\n"));
      assert.equal(await nextLine("HELLO"), "HELLO wss_user");
      tcp.write("SEND wss_user over tls\n");
      assert.equal(await tcp.next(), "SEND-OK");
      assert.equal(await nextLine("DELIVERY"), "DELIVERY tcp_user over tls");
      ws.send(Buffer.from("SEND tcp_user and back\n"));
      assert.equal(await tcp.next(), "DELIVERY wss_user and back");
      assert.equal(await nextLine("SEND-OK"), "SEND-OK");
    } finally {
      ws.terminate();
      tcp.close();
    }
  });

  it("speaks only TLS on that port: a plain WebSocket gets no upgrade", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${hub.ports["web"]}/ws/lab`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once("open", () => resolve("open"));
      ws.once("error", () => resolve("error"));
    });
    ws.terminate();
    assert.equal(outcome, "error");
  });
});
