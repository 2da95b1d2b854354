/** Opening the configured Store. */
import { MemoryStore } from "./memory-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

/** `sqlite`: `<dataDir>/switchboard.db` (the default); `memory`: nothing outlives the process. */
export type StoreKind = "sqlite" | "memory";

export function openStore(kind: StoreKind, dataDir: string): Store {
  return kind === "memory" ? new MemoryStore() : new SqliteStore(dataDir);
}
