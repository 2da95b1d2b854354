/**
 * A Store kept in memory: for tests, and for running without a data directory. Every
 * write is "durable" at once, in the sense the contract needs (rule 1): nothing is lost
 * while the process lives, and nothing survives it.
 */
import { foldName } from "../core/names.js";
import { globToRegExp } from "./glob.js";
import type { Account, QueuedMessage, Store } from "./store.js";

interface Entry {
  readonly account: Account;
  readonly queue: QueuedMessage[];
}

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private nextId = 1;
  private closed = false;

  isAccount(name: string): boolean {
    return this.entries.has(foldName(name));
  }

  async createAccount(name: string, passwordHash: string | undefined): Promise<boolean> {
    this.checkOpen();
    const key = foldName(name);
    if (this.entries.has(key)) return false;
    this.entries.set(key, { account: { name, passwordHash, createdAt: Date.now() }, queue: [] });
    return true;
  }

  async findAccount(name: string): Promise<Account | undefined> {
    this.checkOpen();
    return this.entries.get(foldName(name))?.account;
  }

  async listAccounts(pattern: string | undefined, limit: number): Promise<string[]> {
    this.checkOpen();
    const match = pattern === undefined ? undefined : globToRegExp(pattern);
    const keys = [...this.entries.keys()].filter((k) => match === undefined || match.test(k)).sort();
    return keys.slice(0, Math.max(0, limit)).map((k) => this.entries.get(k)!.account.name);
  }

  async deleteAccount(name: string): Promise<boolean> {
    this.checkOpen();
    return this.entries.delete(foldName(name));
  }

  async enqueue(to: string, from: string, text: string): Promise<void> {
    this.checkOpen();
    this.entries.get(foldName(to))?.queue.push({ id: this.nextId++, from, text, sentAt: Date.now() });
  }

  queuedCount(name: string): number {
    return this.entries.get(foldName(name))?.queue.length ?? 0;
  }

  async peekQueued(name: string, afterId: number, limit: number): Promise<QueuedMessage[]> {
    this.checkOpen();
    const queue = this.entries.get(foldName(name))?.queue ?? [];
    return queue.filter((m) => m.id > afterId).slice(0, Math.max(0, limit));
  }

  async dropQueued(name: string, throughId: number): Promise<void> {
    this.checkOpen();
    const queue = this.entries.get(foldName(name))?.queue;
    if (queue !== undefined) {
      let n = 0;
      while (n < queue.length && queue[n]!.id <= throughId) n++;
      queue.splice(0, n);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("store is closed");
  }
}
