/**
 * Hub ports that answer later, as networked implementations do: each wraps a local
 * implementation and holds every answer that may be pending (a claim, a unicast, a
 * mailbox or accounts call) behind a Gate. A manual gate lets answers through only
 * when the test opens it (to see what waits meanwhile); an automatic one lets each
 * through on a later turn, in order (to run a contract suite over real promises). The synchronous methods (find, isAccount, whenDurable...) answer at once,
 * as the ports say they must.
 */
import type { Answer } from "../../src/core/answer.js";
import type { HubEvent } from "../../src/core/events.js";
import type {
  AccountPattern,
  Accounts,
  Authentication,
  Mailbox,
  MailboxResult,
  Member,
  NameRegistry,
  QueuedMail,
  Router,
} from "../../src/core/ports.js";

export class Gate {
  private readonly held: (() => void)[] = [];

  /** @param auto let each answer through by itself on a later turn (setImmediate, in order); false: only when opened. */
  constructor(private readonly auto = false) {}

  /** Answers held now. */
  get waiting(): number {
    return this.held.length;
  }

  /** `work`'s answer, once the gate lets it through (work runs then, not now). */
  later<T>(work: () => Answer<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        try {
          Promise.resolve(work()).then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      };
      if (this.auto) setImmediate(run);
      else this.held.push(run);
    });
  }

  /** Let every held answer through, in the order asked. */
  open(): void {
    for (const run of this.held.splice(0)) run();
  }

  /** Let the oldest held answer through. */
  openOne(): void {
    this.held.shift()?.();
  }
}

/** A NameRegistry whose claims wait at `gate`. */
export class GatedRegistry implements NameRegistry {
  constructor(
    private readonly inner: NameRegistry,
    readonly gate: Gate,
  ) {}
  claim(folded: string, member: Member): Promise<boolean> {
    return this.gate.later(() => this.inner.claim(folded, member));
  }
  release(folded: string, member: Member): void {
    this.inner.release(folded, member);
  }
  find(folded: string): Member | undefined {
    return this.inner.find(folded);
  }
  get size(): number {
    return this.inner.size;
  }
  members(): IterableIterator<Member> {
    return this.inner.members();
  }
}

/** A Router whose unicasts wait at `gate` (a broadcast is fire-and-forget: at once). */
export class GatedRouter implements Router {
  constructor(
    private readonly inner: Router,
    readonly gate: Gate,
  ) {}
  broadcast(event: HubEvent, except: Member | undefined, audience?: Iterable<Member>): Member[] {
    return this.inner.broadcast(event, except, audience);
  }
  unicast(member: Member, event: HubEvent): Promise<boolean> {
    return this.gate.later(() => this.inner.unicast(member, event));
  }
}

/** A Mailbox whose accept, page and remove wait at `gate`. */
export class GatedMailbox implements Mailbox {
  constructor(
    private readonly inner: Mailbox,
    readonly gate: Gate,
  ) {}
  accept(from: string, to: string, text: string): Promise<MailboxResult> {
    return this.gate.later(() => this.inner.accept(from, to, text));
  }
  whenDurable(done: (err?: Error) => void): void {
    this.inner.whenDurable(done);
  }
  page(account: string, after: number, limit: number): Promise<readonly QueuedMail[]> {
    return this.gate.later(() => this.inner.page(account, after, limit));
  }
  remove(account: string, through: number): Promise<void> {
    return this.gate.later(() => this.inner.remove(account, through));
  }
}

/** Accounts whose create, authenticate, delete and list wait at `gate`. */
export class GatedAccounts implements Accounts {
  constructor(
    private readonly inner: Accounts,
    readonly gate: Gate,
  ) {}
  isAccount(name: string): boolean {
    return this.inner.isAccount(name);
  }
  create(name: string, password: string | undefined, stillWanted?: () => boolean): Promise<"created" | "exists" | "abandoned"> {
    return this.gate.later(() => this.inner.create(name, password, stillWanted));
  }
  authenticate(name: string, password: string | undefined): Promise<Authentication> {
    return this.gate.later(() => this.inner.authenticate(name, password));
  }
  delete(name: string): Promise<boolean> {
    return this.gate.later(() => this.inner.delete(name));
  }
  list(pattern: AccountPattern, limit: number): Promise<string[]> {
    return this.gate.later(() => this.inner.list(pattern, limit));
  }
}
