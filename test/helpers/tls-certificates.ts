/**
 * Self-signed certificates for TLS tests, made by openssl (node:crypto cannot issue one):
 * an EC P-256 key and a one-day certificate for CN=localhost, in a temp directory.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";

/** Why the TLS tests are skipped here, or false when they can run. */
export const NO_OPENSSL: string | false =
  spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0
    ? false
    : process.env["SWITCHBOARD_REQUIRE_OPENSSL"] === "1"
      ? (() => {
          // CI installs openssl (.ci/run): there, a missing one fails rather than skips.
          throw new Error("openssl is not installed, and SWITCHBOARD_REQUIRE_OPENSSL=1: the TLS tests make their certificates with it");
        })()
      : "openssl is not installed: the TLS tests make their certificates with it";

export interface TestCertificate {
  /** The PEM files. */
  readonly cert: string;
  readonly key: string;
  readonly pem: string;
  /** SHA-256 fingerprint, as node:tls reports a peer certificate's (`fingerprint256`). */
  readonly fingerprint: string;
  /** tls.connect options that trust exactly this certificate. */
  readonly trust: ConnectionOptions;
}

/** A new key and certificate in `dir`, as `<name>.cert.pem` and `<name>.key.pem`. */
export function makeCertificate(dir: string, name = "server"): TestCertificate {
  const cert = join(dir, `${name}.cert.pem`);
  const key = join(dir, `${name}.key.pem`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", cert],
    { stdio: "ignore" },
  );
  const pem = readFileSync(cert, "utf8");
  return { cert, key, pem, fingerprint: new X509Certificate(pem).fingerprint256, trust: { ca: pem, servername: "localhost" } };
}
