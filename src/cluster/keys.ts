/**
 * Where a cluster keeps things in NATS: the JetStream buckets and stream, the subjects,
 * and how a name becomes a key or a subject token (docs/cluster.md#what-lives-in-nats).
 * Every name starts with the cluster's namespace, so that two Switchboard clusters (or
 * two tests) can share one NATS without seeing each other.
 */

/** A namespace or node name: one subject token, and part of bucket and stream names. */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidToken(text: string): boolean {
  return TOKEN.test(text);
}

/** `text` made into a valid token: every other character becomes `-` (for a default node name from the host name). */
export function asToken(text: string): string {
  const token = text.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
  return token === "" ? "node" : token;
}

export interface ClusterKeys {
  readonly namespace: string;
  /** KV: folded name -> who holds it (cluster-registry.ts). */
  readonly namesBucket: string;
  /** KV: node name -> its heartbeat (node-heartbeats.ts). */
  readonly nodesBucket: string;
  /** KV: folded account name -> the account (cluster-accounts.ts). */
  readonly accountsBucket: string;
  /** Stream of the mail kept for offline accounts, one subject per account (cluster-mailbox.ts). */
  readonly mailStream: string;
  /** The mail subject of one account. */
  mailSubject(folded: string): string;
  /** KV: file name -> the object holding it (object-file-store.ts). */
  readonly filesBucket: string;
  /** Object store of the files' bytes. */
  readonly filesObjects: string;
  /** Where every node publishes its members' public events (lobby, joins, leaves, files). */
  readonly eventsSubject: string;
  /** Where a node takes direct messages for its members (request/reply). */
  directSubject(node: string): string;
}

export function clusterKeys(namespace = "sb"): ClusterKeys {
  if (!isValidToken(namespace)) throw new Error(`cluster namespace "${namespace}" must be 1-64 of A-Z a-z 0-9 _ -`);
  return {
    namespace,
    namesBucket: `${namespace}_names`,
    nodesBucket: `${namespace}_nodes`,
    accountsBucket: `${namespace}_accounts`,
    mailStream: `${namespace}_mail`,
    mailSubject: (folded) => `${namespace}.mail.${nameKey(folded)}`,
    filesBucket: `${namespace}_files`,
    filesObjects: `${namespace}_file_data`,
    eventsSubject: `${namespace}.events`,
    directSubject: (node) => `${namespace}.node.${node}.direct`,
  };
}

/** What a folded name may hold that a key or token may not, besides `.`. */
const ESCAPED = /[^a-z0-9_.-]/gu;

/**
 * A folded chat name (docs/wire.md#names: `a-z 0-9 _ - .`) as a KV key and a subject
 * token. Keys and tokens may not hold `.` where names may (`.a`, `a..b`), and names
 * never hold `=`, which keys and tokens may: so `.` becomes `=`, one for one, and back.
 * Any other character (only in names made outside the wire's rules, such as the accounts
 * contract's `a%b`) becomes `/`, its code point in hex, `/`: every string keeps a key of
 * its own, and a valid name's key is as above.
 */
export function nameKey(folded: string): string {
  return folded.replace(ESCAPED, (c) => `/${c.codePointAt(0)!.toString(16)}/`).replaceAll(".", "=");
}

export function keyName(key: string): string {
  return key.replaceAll("=", ".").replace(/\/([0-9a-f]+)\//g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}
