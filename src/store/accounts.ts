/**
 * The hub's Accounts (src/core/ports.ts) over the Store: accounts are rows of the store,
 * passwords salted scrypt hashes (passwords.ts), hashed and checked on libuv's thread
 * pool, never on the event loop.
 */
import type { AccountPattern, Accounts, Authentication } from "../core/ports.js";
import { literalGlob } from "./glob.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import type { Store } from "./store.js";

export class StoreAccounts implements Accounts {
  constructor(private readonly store: Store) {}

  isAccount(name: string): boolean {
    return this.store.isAccount(name);
  }

  async create(name: string, password: string | undefined, stillWanted?: () => boolean): Promise<"created" | "exists" | "abandoned"> {
    const hash = password === undefined ? undefined : await hashPassword(password);
    if (stillWanted !== undefined && !stillWanted()) return "abandoned";
    return (await this.store.createAccount(name, hash)) ? "created" : "exists";
  }

  async authenticate(name: string, password: string | undefined): Promise<Authentication> {
    const account = await this.store.findAccount(name);
    if (account === undefined) return { outcome: "unknown_account" };
    // An account made with a password needs it; one made without takes any (docs/cs262.md#accounts).
    if (account.passwordHash !== undefined) {
      if (password === undefined) return { outcome: "password_required" };
      if (!(await verifyPassword(password, account.passwordHash))) return { outcome: "wrong_password" };
    }
    return { outcome: "ok", name: account.name };
  }

  delete(name: string): Promise<boolean> {
    return this.store.deleteAccount(name);
  }

  list(pattern: AccountPattern, limit: number): Promise<string[]> {
    return this.store.listAccounts(storeGlob(pattern), limit);
  }
}

/** The Store's reading of a pattern: a shell glob (glob.ts), undefined for all. */
function storeGlob(pattern: AccountPattern): string | undefined {
  switch (pattern.kind) {
    case "all":
      return undefined;
    case "glob":
      return pattern.text;
    case "star":
      return literalGlob(pattern.text);
  }
}
