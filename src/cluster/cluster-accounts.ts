/**
 * The hub's Accounts (src/core/ports.ts) for a cluster: one entry per account in the KV
 * bucket keys.accountsBucket, under the folded name's key (docs/cluster.md#accounts-and-mail).
 * Each node keeps a replica of the bucket (bucket-watch.ts: it starts over after a
 * reconnect, when its watch is stuck, and makes the bucket again when NATS lost it) for
 * the questions asked synchronously (isAccount) or often (list); what decides goes to
 * NATS: a creation is a `kv.create`, which exactly one of two creations of a name wins,
 * and a login reads the entry afresh, so that a password set on another node a moment
 * ago counts.
 *
 * Passwords are hashed as store/passwords.ts does (scrypt, off the event loop) and only
 * the hash goes into NATS.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log/ops-log.js";
import { foldName } from "../core/names.js";
import type { AccountPattern, Accounts, Authentication } from "../core/ports.js";
import { globToRegExp, literalGlob } from "../store/glob.js";
import { hashPassword, verifyPassword } from "../store/passwords.js";
import { decodeAccount, encodeAccount } from "./account-mail-codec.js";
import { BucketWatch, type BucketFollower } from "./bucket-watch.js";
import { keyName, nameKey, type ClusterKeys } from "./keys.js";
import { isWrongLastSequence, untilCreated } from "./kv-calls.js";
import { purgeMailOf } from "./mail-stream.js";
import { followReconnects } from "./nats-reconnects.js";

export interface ClusterAccountsOptions {
  readonly keys: ClusterKeys;
  /** Copies of the bucket on the NATS servers: 1, or 3 on a cluster of 3 or more. */
  readonly replicas?: number;
  /** Longest wait for one NATS request, and for the replica at open (ms). */
  readonly timeoutMs?: number;
  /** How often the replica's watch is checked against the bucket (bucket-watch.ts; ms). */
  readonly checkEveryMs?: number;
  readonly log?: Logger;
}

/** One account in the replica: its display name, and the bucket revision it is known at. */
interface Known {
  readonly name: string | undefined;
  readonly revision: number;
}

/** Wait before following the bucket again after a failed start. */
const RETRY_MS = 2_000;

export class ClusterAccounts implements Accounts, BucketFollower {
  /**
   * Folded name -> its account at the latest revision seen of its key, from the watch
   * or from this node's own writes (which answer before the watch brings them). A
   * deleted account stays, `name` undefined, so that an older revision arriving late
   * is ignored.
   */
  private readonly known = new Map<string, Known>();
  private count = 0;
  private readonly watch: BucketWatch;
  private stopFollowing: (() => void) | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly keys: ClusterKeys,
    private readonly log: Logger | undefined,
    watchOptions: { timeoutMs: number; checkEveryMs: number; openBucket: () => Promise<KV> },
  ) {
    this.watch = new BucketWatch(kv, this, {
      what: keys.accountsBucket,
      timeoutMs: watchOptions.timeoutMs,
      retryMs: RETRY_MS,
      checkEveryMs: watchOptions.checkEveryMs,
      log,
      ensure: watchOptions.openBucket,
    });
  }

  /** The accounts of `keys`' namespace, once this node's replica holds every account made so far. */
  static async open(nc: NatsConnection, options: ClusterAccountsOptions): Promise<ClusterAccounts> {
    const timeout = options.timeoutMs ?? 5_000;
    const js = jetstream(nc, { timeout });
    const openBucket = (): Promise<KV> =>
      untilCreated(() => new Kvm(js).create(options.keys.accountsBucket, {
        replicas: options.replicas ?? 1,
        history: 1,
        // A direct get may be answered by a replica that has not yet applied the latest
        // write; authenticate must see a password set a moment ago, so reads go to the leader.
        allow_direct: false,
        timeout,
      }));
    const kv = await openBucket();
    const accounts = new ClusterAccounts(kv, await jetstreamManager(nc, { timeout }), options.keys, options.log, {
      timeoutMs: timeout,
      checkEveryMs: options.checkEveryMs ?? 5_000,
      openBucket,
    });
    try {
      await accounts.watch.start();
    } catch (err) {
      accounts.watch.stop();
      throw err;
    }
    accounts.stopFollowing = followReconnects(
      nc,
      {
        disconnected: () => undefined,
        // What changed while this node was cut off comes with the new snapshot.
        reconnected: () => accounts.watch.resync(),
        closed: () => accounts.watch.stop(),
      },
      options.log,
    );
    return accounts;
  }

  /** Stop the replica (the bucket stays). */
  async close(): Promise<void> {
    this.stopFollowing?.();
    this.watch.stop();
  }

  // ---- the accounts bucket's watch (BucketFollower) ---------------------------------

  madeAnew(): void {
    this.known.clear();
    this.count = 0;
  }

  /** Accounts the snapshot did not give (gone from the bucket before it began) are forgotten. */
  caughtUp(seen: ReadonlySet<string>, lastRevision: number): void {
    for (const [folded, { name, revision }] of this.known) {
      if (revision > lastRevision || seen.has(nameKey(folded))) continue;
      this.known.delete(folded);
      if (name !== undefined) this.count--;
    }
  }

  entry(entry: KvWatchEntry): void {
    const folded = keyName(entry.key);
    let name: string | undefined;
    if (entry.operation === "PUT") {
      try {
        name = decodeAccount(entry.value).name;
      } catch (err) {
        this.log?.error({ err, key: entry.key, revision: entry.revision }, "unreadable account in the accounts bucket; ignored");
        return;
      }
    }
    this.learn(folded, name, entry.revision);
  }

  /** Take `name` (undefined: deleted) for `folded` unless a later revision is known. */
  private learn(folded: string, name: string | undefined, revision: number): void {
    const before = this.known.get(folded);
    if (before !== undefined && before.revision >= revision) return;
    this.count += (name !== undefined ? 1 : 0) - (before?.name !== undefined ? 1 : 0);
    this.known.set(folded, { name, revision });
  }

  /**
   * This node deleted the account it read at `revision`: it is gone now, and a late
   * watch update of that revision must not bring it back (the deletion's own, later
   * revision comes after it).
   */
  private forget(folded: string, revision: number): void {
    const before = this.known.get(folded);
    if (before !== undefined && before.revision > revision) return;
    if (before?.name !== undefined) this.count--;
    this.known.set(folded, { name: undefined, revision });
  }

  /** How many accounts the replica holds. */
  get size(): number {
    return this.count;
  }

  isAccount(name: string): boolean {
    return this.known.get(foldName(name))?.name !== undefined;
  }

  async create(name: string, password: string | undefined, stillWanted?: () => boolean): Promise<"created" | "exists" | "abandoned"> {
    const folded = foldName(name);
    if (this.isAccount(folded)) return "exists"; // saves the hashing; kv.create below decides otherwise
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    if (stillWanted !== undefined && !stillWanted()) return "abandoned";
    let revision: number;
    try {
      revision = await this.kv.create(nameKey(folded), encodeAccount({ name, passwordHash }));
    } catch (err) {
      if (isWrongLastSequence(err)) return "exists";
      throw err;
    }
    this.learn(folded, name, revision);
    return "created";
  }

  async authenticate(name: string, password: string | undefined): Promise<Authentication> {
    const entry = await this.kv.get(nameKey(foldName(name)));
    if (entry === null || entry.operation !== "PUT") return { outcome: "unknown_account" };
    const account = decodeAccount(entry.value);
    // An account made with a password needs it; one made without takes any (docs/cs262.md#accounts).
    if (account.passwordHash !== undefined) {
      if (password === undefined) return { outcome: "password_required" };
      if (!(await verifyPassword(password, account.passwordHash))) return { outcome: "wrong_password" };
    }
    return { outcome: "ok", name: account.name };
  }

  /**
   * The mail goes first, then the entry: should the second step fail, the account is
   * still there to delete again, rather than mail left over for a later account of
   * the name. The entry is deleted only at the revision read, so that a deletion never
   * takes an account made again meanwhile.
   */
  async delete(name: string): Promise<boolean> {
    const folded = foldName(name);
    const key = nameKey(folded);
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation !== "PUT") return false;
    await purgeMailOf(this.jsm, this.keys, folded);
    try {
      await this.kv.delete(key, { previousSeq: entry.revision });
    } catch (err) {
      if (isWrongLastSequence(err)) return false; // deleted (or made again) by someone else meanwhile
      throw err;
    }
    this.forget(folded, entry.revision);
    return true;
  }

  async list(pattern: AccountPattern, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const match = matcher(pattern);
    const folded: string[] = [];
    for (const [key, { name }] of this.known) if (name !== undefined && (match === undefined || match.test(key))) folded.push(key);
    folded.sort();
    return folded.slice(0, limit).map((key) => this.known.get(key)!.name!);
  }
}

/** The glob.ts matcher of a pattern, as the Store's accounts read it; undefined for all. */
function matcher(pattern: AccountPattern): RegExp | undefined {
  switch (pattern.kind) {
    case "all":
      return undefined;
    case "glob":
      return globToRegExp(pattern.text);
    case "star":
      return globToRegExp(literalGlob(pattern.text));
  }
}
