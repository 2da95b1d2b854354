import type { Member, NameRegistry } from "./ports.js";

/** In-process NameRegistry: one Map keyed by the folded name (insertion = join order). */
export class LocalNameRegistry implements NameRegistry {
  private readonly byName = new Map<string, Member>();

  claim(folded: string, member: Member): boolean {
    if (this.byName.has(folded)) return false;
    this.byName.set(folded, member);
    return true;
  }

  release(folded: string, member: Member): void {
    if (this.byName.get(folded) === member) this.byName.delete(folded);
  }

  find(folded: string): Member | undefined {
    return this.byName.get(folded);
  }

  get size(): number {
    return this.byName.size;
  }

  members(): IterableIterator<Member> {
    return this.byName.values();
  }
}
