/**
 * A node signs in to NATS as the operator set it up (docs/cluster.md#operations): a user
 * and password (--cluster-user, --cluster-password), and TLS to a `tls://` server whose
 * certificate is checked against --cluster-ca. A node that cannot sign in does not start,
 * and says why. Real nats-servers configured so; certificates made by openssl.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { freshNamespace, startClusterNode } from "../helpers/cluster-nodes.js";
import { RawLab } from "../helpers/lab-wire.js";
import { NATS_SKIP, startNatsServer, type NatsServer } from "../helpers/nats-server.js";
import { ANY_PORT, tempDir } from "../helpers/server.js";
import { makeCertificate, NO_OPENSSL, type TestCertificate } from "../helpers/tls-certificates.js";

const LAB_ONLY = { lab: { ...ANY_PORT, bots: [] } };

/** Two nodes signed in alike can chat across NATS: the sign-in carried the whole cluster, not just the connect. */
async function chatAcross(options: { nats: string; user?: string; password?: string; caFile?: string }): Promise<void> {
  const namespace = freshNamespace();
  const a = await startClusterNode({ ...options, node: "a", namespace, parts: LAB_ONLY });
  const b = await startClusterNode({ ...options, node: "b", namespace, parts: LAB_ONLY });
  try {
    const alice = await RawLab.login(a.ports["lab"]!, "cred_alice");
    const bob = await RawLab.login(b.ports["lab"]!, "cred_bob");
    alice.write("SEND cred_bob over NATS\n");
    assert.equal(await alice.next(), "SEND-OK");
    assert.equal(await bob.next(), "DELIVERY cred_alice over NATS");
    alice.close();
    bob.close();
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

describe("a node signing in to NATS with a user and password", { skip: NATS_SKIP }, () => {
  let nats: NatsServer;
  before(async () => {
    nats = await startNatsServer(["authorization { user: switchboard, password: s3cret-pw }"]);
  });
  after(() => nats?.dispose());

  it("works with the right password", () => chatAcross({ nats: nats.url, user: "switchboard", password: "s3cret-pw" }));

  it("does not start with a wrong one, or none, and says why", async () => {
    for (const password of ["wrong", undefined]) {
      await assert.rejects(
        startClusterNode({ nats: nats.url, node: "x", namespace: freshNamespace(), parts: LAB_ONLY, ...(password && { user: "switchboard", password }) }),
        /cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+: .*(authorization|auth)/i,
      );
    }
  });
});

describe("a node on TLS to NATS", { skip: NATS_SKIP || NO_OPENSSL }, () => {
  let nats: NatsServer;
  let dir: string;
  let certificate: TestCertificate;
  before(async () => {
    dir = tempDir("sb-nats-tls-");
    certificate = makeCertificate(dir, "nats");
    nats = await startNatsServer([`tls { cert_file: "${certificate.cert}", key_file: "${certificate.key}" }`]);
  });
  after(async () => {
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("works over tls:// with the server's certificate checked against --cluster-ca", () =>
    chatAcross({ nats: `tls://localhost:${nats.port}`, caFile: certificate.cert }));

  it("does not start when the certificate is not trusted, and says why", async () => {
    await assert.rejects(
      startClusterNode({ nats: `tls://localhost:${nats.port}`, node: "x", namespace: freshNamespace(), parts: LAB_ONLY }),
      /cannot reach NATS at tls:\/\/localhost:\d+: .*(certificate|self.signed)/i,
    );
  });
});
