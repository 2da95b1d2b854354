/** The TLS listeners' certificate (src/transport/tls-certificate.ts): loading, renewing, and keeping the old on bad files. */
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TlsCertificate, TlsFilesError } from "../../src/transport/tls-certificate.js";
import { tempDir } from "../helpers/server.js";
import { makeCertificate, NO_OPENSSL } from "../helpers/tls-certificates.js";

describe("TlsCertificate", { timeout: 20_000, skip: NO_OPENSSL }, () => {
  it("loads both files; reload() takes new ones for what comes next, and keeps the old when they cannot be used", () => {
    const dir = tempDir("sb-tls-cert-");
    const first = makeCertificate(dir, "first");
    const second = makeCertificate(dir, "second");
    const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
    copyFileSync(first.cert, files.cert);
    copyFileSync(first.key, files.key);

    const tls = new TlsCertificate(files);
    assert.equal(tls.info.fingerprint, first.fingerprint);
    assert.equal(tls.info.subject, "CN=localhost");
    const before = tls.context;
    assert.equal(tls.reload().fingerprint, first.fingerprint, "the same files: the same certificate");
    assert.notEqual(tls.context, before, "a new context all the same");

    copyFileSync(second.cert, files.cert);
    copyFileSync(second.key, files.key);
    assert.equal(tls.reload().fingerprint, second.fingerprint);
    const renewed = tls.context;

    const bad: [write: () => void, file: "cert" | "key", reason: RegExp][] = [
      [() => writeFileSync(files.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"), "cert", /^not a PEM certificate$/],
      [() => copyFileSync(first.cert, files.cert), "key", /^not the private key of the certificate in /],
      [() => writeFileSync(files.key, ""), "key", /^not an unencrypted PEM private key$/],
    ];
    for (const [write, file, reason] of bad) {
      write();
      assert.throws(
        () => tls.reload(),
        (err: unknown) => err instanceof TlsFilesError && err.file === file && err.path === files[file] && reason.test(err.reason),
      );
      assert.equal(tls.context, renewed, "the old context stays");
      assert.equal(tls.info.fingerprint, second.fingerprint);
    }
  });

  it("refuses at construction what it would refuse on reload, naming the file", () => {
    const dir = tempDir("sb-tls-cert-");
    const c = makeCertificate(dir);
    assert.throws(() => new TlsCertificate({ cert: join(dir, "none.pem"), key: c.key }), (err: unknown) => err instanceof TlsFilesError && err.file === "cert" && /^cannot read it: ENOENT/.test(err.reason));
    assert.throws(() => new TlsCertificate({ cert: c.cert, key: join(dir, "none.pem") }), (err: unknown) => err instanceof TlsFilesError && err.file === "key");
  });
});
