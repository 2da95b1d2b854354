/**
 * The certificate and private key of the TLS listeners: read from their PEM files at
 * start, and again by `reload()` (SIGHUP), as the SecureContext each new handshake takes
 * (`context`). A TLS socket keeps the context it was made with, so a reload drops nobody:
 * connections already open go on under the old certificate, new handshakes get the new.
 * Files that cannot be used (unreadable, not PEM, a key that is not the certificate's)
 * throw a TlsFilesError naming the file; a reload that throws changes nothing.
 *
 * Any listener that speaks TLS (the TCP chat listeners, the web listener) takes the
 * process's one TlsCertificate, so a SIGHUP renews them all at once.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";

/** Where the PEM files are. */
export interface TlsFiles {
  /** The certificate, followed by any intermediate certificates of its chain. */
  readonly cert: string;
  /** Its private key, unencrypted. */
  readonly key: string;
}

/** What makes each new handshake's context; TlsCertificate is one, a test may bring its own. */
export interface SecureContextSource {
  /** The context for a handshake starting now. */
  readonly context: SecureContext;
}

/** A file that cannot be used: which one (`cert` or `key`), its path, and why. */
export class TlsFilesError extends Error {
  constructor(
    readonly file: keyof TlsFiles,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** What is known of the certificate in use, for the logs. */
export interface CertificateInfo {
  /** SHA-256 of the certificate (DER), as `AB:CD:...`: what a client sees and pins. */
  readonly fingerprint: string;
  readonly subject: string;
  /** Its notAfter, as OpenSSL writes it (`Jan  1 00:00:00 2030 GMT`). */
  readonly validTo: string;
}

export class TlsCertificate implements SecureContextSource {
  private current: SecureContext;
  private currentInfo: CertificateInfo;

  /** Reads both files now; throws a TlsFilesError when they cannot be used. */
  constructor(readonly files: TlsFiles) {
    [this.current, this.currentInfo] = load(files);
  }

  get context(): SecureContext {
    return this.current;
  }

  get info(): CertificateInfo {
    return this.currentInfo;
  }

  /**
   * Read both files again and use them for every handshake from now on (SIGHUP); returns
   * the new certificate's info. Throws a TlsFilesError, keeping the old, when they cannot
   * be used.
   */
  reload(): CertificateInfo {
    [this.current, this.currentInfo] = load(this.files);
    return this.currentInfo;
  }
}

function load(files: TlsFiles): [SecureContext, CertificateInfo] {
  const certPem = readPem(files, "cert");
  const keyPem = readPem(files, "key");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem); // the first certificate of the file: the server's own
  } catch {
    throw new TlsFilesError("cert", files.cert, "not a PEM certificate");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new TlsFilesError("key", files.key, "not an unencrypted PEM private key");
  }
  if (!cert.checkPrivateKey(key)) throw new TlsFilesError("key", files.key, `not the private key of the certificate in ${files.cert}`);
  let context: SecureContext;
  try {
    context = createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    throw new TlsFilesError("cert", files.cert, `not usable: ${(err as Error).message}`);
  }
  return [context, { fingerprint: cert.fingerprint256, subject: cert.subject.replace(/\n/g, ", "), validTo: cert.validTo }];
}

function readPem(files: TlsFiles, file: keyof TlsFiles): Buffer {
  try {
    return readFileSync(files[file]);
  } catch (err) {
    // "ENOENT: no such file or directory, open '/x'": the path is said already.
    throw new TlsFilesError(file, files[file], `cannot read it: ${(err as Error).message.replace(/, \w+ '.*'$/, "")}`);
  }
}
