/**
 * Who is online, as far as a bcs client can tell: the list the server sends after
 * `register` (`online: alice, bob`, possibly over several delivers) and the join and leave
 * notices, plain or folded (docs/bcs.md "Presence": `ann has connected`,
 * `ann and bob have connected`, `ann, bob and 40 others have connected; cy has disconnected`).
 *
 * Names cannot hold spaces, commas or semicolons (docs/wire.md#names), so the texts parse
 * without ambiguity. A folded notice names at most two users and counts the rest: those
 * are kept as a count (`unnamed`), since bcs has no request that would name them.
 * Pure: no DOM, so Node can test it too.
 */

const NAME = "[A-Za-z0-9_.-]{1,32}";
const LIST = new RegExp(`^online: (nobody else|${NAME}(?:, ${NAME})*)$`);
// One part of a notice: `a has V`, `a and b have V`, `a and N other(s) have V`,
// `a, b and N other(s) have V`, `N users have V`.
const PART = new RegExp(
  `^(?:(${NAME}) has|(${NAME}) and (${NAME}) have|(${NAME}) and (\\d+) others? have|(${NAME}), (${NAME}) and (\\d+) others? have|(\\d+) users have) (connected|disconnected)$`,
);

/**
 * What a deliver from `server` says about presence, or undefined when it says nothing
 * about it (the goodbye at shutdown, say):
 * `{ kind: "list", names }` or `{ kind: "change", joined: {names, unnamed}, left: {names, unnamed} }`.
 */
export function parsePresence(message) {
  const list = LIST.exec(message);
  if (list) return { kind: "list", names: list[1] === "nobody else" ? [] : list[1].split(", ") };
  const joined = { names: [], unnamed: 0 };
  const left = { names: [], unnamed: 0 };
  for (const part of message.split("; ")) {
    const m = PART.exec(part);
    if (!m) return undefined;
    const into = m[10] === "connected" ? joined : left;
    if (m[1] !== undefined) into.names.push(m[1]);
    else if (m[2] !== undefined) into.names.push(m[2], m[3]);
    else if (m[4] !== undefined) {
      into.names.push(m[4]);
      into.unnamed += Number(m[5]);
    } else if (m[6] !== undefined) {
      into.names.push(m[6], m[7]);
      into.unnamed += Number(m[8]);
    } else into.unnamed += Number(m[9]);
  }
  return { kind: "change", joined, left };
}

/** The users online: named ones in the order they came, and a count of unnamed ones. */
export class Roster {
  /** lower-cased name -> name as written (names are unique in any case: docs/wire.md#names). */
  #names = new Map();
  #unnamed = 0;

  /** Start over (a new connection): `self` and the names of the server's list. */
  reset(self) {
    this.#names.clear();
    this.#unnamed = 0;
    this.add(self);
  }

  add(name) {
    this.#names.set(name.toLowerCase(), name);
  }

  /** Apply what parsePresence found. */
  apply(presence) {
    if (presence.kind === "list") {
      for (const n of presence.names) this.add(n);
      return;
    }
    for (const n of presence.joined.names) this.add(n);
    this.#unnamed += presence.joined.unnamed;
    for (const n of presence.left.names) this.#names.delete(n.toLowerCase());
    // Counted leaves may have been named joins: the count cannot go below zero.
    this.#unnamed = Math.max(0, this.#unnamed - presence.left.unnamed);
  }

  get names() {
    return [...this.#names.values()];
  }

  get unnamed() {
    return this.#unnamed;
  }

  get size() {
    return this.#names.size + this.#unnamed;
  }
}
