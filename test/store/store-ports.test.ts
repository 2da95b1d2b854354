/**
 * The Accounts and Mailbox contracts (test/core/ports/) against their implementations
 * over the Store (store/accounts.ts, store/mailbox.ts), on each Store, and on the memory
 * store wrapped to answer a turn later (gated-ports.ts), as networked ones do.
 */
import type { Store } from "../../src/store/store.js";
import { StoreAccounts } from "../../src/store/accounts.js";
import { StoreMailbox } from "../../src/store/mailbox.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { accountsContract } from "../core/ports/accounts.contract.js";
import { mailboxContract } from "../core/ports/mailbox.contract.js";
import { Gate, GatedAccounts, GatedMailbox } from "../helpers/gated-ports.js";
import { tempDir } from "../helpers/server.js";

const stores: [string, () => Store][] = [
  ["MemoryStore", () => new MemoryStore()],
  ["SqliteStore", () => new SqliteStore(tempDir("sb-ports-"))],
];

for (const [kind, open] of stores) {
  accountsContract(`StoreAccounts over ${kind}`, {
    open: () => {
      const store = open();
      return { accounts: new StoreAccounts(store), close: () => store.close() };
    },
  });
  mailboxContract(`StoreMailbox over ${kind}`, {
    open: (limit) => {
      const store = open();
      return { mailbox: new StoreMailbox(store, limit), accounts: new StoreAccounts(store), close: () => store.close() };
    },
  });
}

accountsContract("StoreAccounts over MemoryStore, answering a turn later", {
  open: () => ({ accounts: new GatedAccounts(new StoreAccounts(new MemoryStore()), new Gate(true)) }),
});
mailboxContract("StoreMailbox over MemoryStore, answering a turn later", {
  open: (limit) => {
    const store = new MemoryStore();
    const gate = new Gate(true);
    return { mailbox: new GatedMailbox(new StoreMailbox(store, limit), gate), accounts: new GatedAccounts(new StoreAccounts(store), gate) };
  },
});
