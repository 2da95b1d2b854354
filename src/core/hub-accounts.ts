/**
 * Accounts and the mail kept for them (cs262's, docs/cs262.md#accounts), as the hub offers them to
 * dialects: creating an account logs its creator in under its name, logging in to one
 * takes its reserved name, and the mail kept while it was offline is handed out a page
 * at a time. The ports (Accounts, Mailbox) keep the data; this file is the order of
 * the steps and what they mean for who is online. Every creation and login passes the
 * hub's login gate (login-gate.ts), as a join does.
 */
import { isPending, mapAnswer, type Answer } from "./answer.js";
import type { CreateAccountResult, JoinResult, LogInResult } from "./errors.js";
import { LEFT, type Left, type LoginFrom, type LoginGate } from "./login-gate.js";
import type { AccountPattern, Accounts, Authentication, Mailbox, Member, QueuedMail } from "./ports.js";

/** What HubAccounts uses of the hub. */
export interface HubAccountsParts {
  readonly accounts: Accounts | undefined;
  readonly mailbox: Mailbox | undefined;
  readonly gate: LoginGate;
  /** Join `member` under `name`, outside the gate (these steps are inside it). */
  admit(member: Member, name: string, ownsReservedName: boolean): Answer<JoinResult | Left>;
  /** Take `member` off the hub (its name goes, the others are told), leaving its pending login alone. */
  signOff(member: Member): void;
  isMember(member: Member): boolean;
  isOnline(name: string): boolean;
}

export interface AccountLogin {
  /** Where the login comes from, for the login gate. */
  readonly from?: LoginFrom | undefined;
  /**
   * Called with the account's display name (as created, whatever the case typed) right
   * before the member joins under it: set the member's name there, for events may reach
   * it from then on.
   */
  named(displayName: string): void;
}

export class HubAccounts {
  constructor(private readonly parts: HubAccountsParts) {}

  /** False when the hub was made without an Accounts port: then every call but `mail` and `handedOut` throws. */
  get kept(): boolean {
    return this.parts.accounts !== undefined;
  }

  /**
   * Create the account `name` (with `password`, when given) and log `member` in under
   * it. The member's `name` must already be `name`. The name is joined first: holding
   * it online keeps every other creation, login or join of it out while the password
   * is hashed and the account written.
   */
  create(member: Member, name: string, password: string | undefined, from?: LoginFrom): Answer<CreateAccountResult> {
    const accounts = this.port();
    return this.parts.gate.pass(member, from, () => {
      if (accounts.isAccount(name)) return "account_exists";
      return mapAnswer(this.parts.admit(member, name, false), (joined) => (joined === "ok" ? this.make(accounts, member, name, password) : joined));
    });
  }

  private make(accounts: Accounts, member: Member, name: string, password: string | undefined): Answer<"ok" | "account_exists" | Left> {
    let made: Answer<"created" | "exists" | "abandoned">;
    try {
      // Still wanted while the member holds the name: its connection's close takes it off.
      made = accounts.create(name, password, () => this.parts.isMember(member));
    } catch (err) {
      this.parts.signOff(member);
      throw err;
    }
    if (!isPending(made)) return this.made(member, made);
    return made.then(
      (outcome) => this.made(member, outcome),
      (err: unknown) => {
        this.parts.signOff(member);
        throw err;
      },
    );
  }

  private made(member: Member, outcome: "created" | "exists" | "abandoned"): "ok" | "account_exists" | Left {
    if (outcome === "created") return "ok";
    this.parts.signOff(member);
    // "exists": made meanwhile by another process on the same accounts.
    return outcome === "exists" ? "account_exists" : LEFT;
  }

  /**
   * Log `member` in to the account `name`: with its password when it was made with one
   * (one made without takes any). An account whose name is online already is in use
   * elsewhere, whatever the password (no password is checked for it).
   */
  logIn(member: Member, name: string, password: string | undefined, login: AccountLogin): Answer<LogInResult> {
    const accounts = this.port();
    const { gate } = this.parts;
    return gate.pass(member, login.from, () => {
      if (this.parts.isOnline(name) && accounts.isAccount(name)) return "logged_in_elsewhere";
      const checked = accounts.authenticate(name, password);
      if (!isPending(checked)) return this.authenticated(member, checked, login);
      return checked.then((a) => (gate.stillWanted(member) ? this.authenticated(member, a, login) : LEFT));
    });
  }

  private authenticated(member: Member, checked: Authentication, login: AccountLogin): Answer<LogInResult | Left> {
    if (checked.outcome !== "ok") return checked.outcome;
    login.named(checked.name);
    // Taken: someone logged in to it since the check above.
    return mapAnswer(this.parts.admit(member, checked.name, true), (joined) => (joined === "name_taken" ? "logged_in_elsewhere" : joined));
  }

  /** Delete the account of `member`, which must be online under it, and the mail kept for it: false when there was none. */
  delete(member: Member): Answer<boolean> {
    const accounts = this.port();
    if (!this.parts.isMember(member)) return false;
    return accounts.delete(member.name);
  }

  /** Account names matching `pattern`, online or not, in the order of their folded names, at most `limit`. */
  list(pattern: AccountPattern, limit: number): Answer<string[]> {
    return this.port().list(pattern, limit);
  }

  /**
   * The mail kept for `member`'s account (it must be online under it) with an id above
   * `after`, oldest first, at most `limit`. Hand them out, then `handedOut`: read alone,
   * nothing is removed.
   */
  mail(member: Member, after: number, limit: number): Answer<readonly QueuedMail[]> {
    const { mailbox } = this.parts;
    if (mailbox === undefined || !this.parts.isMember(member)) return [];
    return mailbox.page(member.name, after, limit);
  }

  /** The mail of `member`'s account up to and including id `through` was handed out: it goes, once. */
  handedOut(member: Member, through: number): Answer<void> {
    const { mailbox } = this.parts;
    if (mailbox === undefined || !this.parts.isMember(member)) return;
    return mailbox.remove(member.name, through);
  }

  private port(): Accounts {
    if (this.parts.accounts === undefined) throw new Error("this hub keeps no accounts");
    return this.parts.accounts;
  }
}
