/**
 * The login policy, applied once, by the hub, to every login (a join, an account's
 * creation or login): a login that says where it comes from (`LoginFrom`) takes a try
 * from its address's allowance of refused logins (LoginAttempts) and gives it back
 * unless it was refused for the client's doing. Past the allowance it is either
 * answered late, once a try is back ("wait": lab and gowing have no words for it, their
 * client is simply answered later), or refused at once with `login_limited` ("refuse":
 * bcs and cs262 say so in their own words).
 *
 * The gate also knows which members have a login answer pending (a wait, or a port
 * that answers over the network), so that a member that leaves meanwhile (its
 * connection closed) abandons it: the rest of the login is not done, its try is given
 * back, and its answer never comes, for nobody is left to read it.
 */
import { isPending, type Answer } from "./answer.js";
import type { LoginLimited } from "./errors.js";
import { isRefusedLogin, type LoginAttempts } from "./login-attempts.js";
import type { Member } from "./ports.js";
import type { ChatStats } from "./stats.js";

export type OverAllowance = "wait" | "refuse";

/** Where a login comes from, and how to answer it when that address is past its allowance. */
export interface LoginFrom<Over extends OverAllowance = OverAllowance> {
  /** The client's address (a PROXY header's, when there is one). */
  readonly address: string;
  readonly overAllowance: Over;
}

/** What a step of a login returns when its member left while the step was pending. */
export const LEFT: unique symbol = Symbol("left");
export type Left = typeof LEFT;

/** A login's answer once its member has left: a promise that never settles, and holds nothing. */
function unanswered<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

export class LoginGate {
  /** Members whose login answer is pending; `abandon` takes one out. */
  private readonly pending = new Set<Member>();

  /** @param attempts the allowance per address; undefined: none (tests, and parts run without one). */
  constructor(
    private readonly stats: ChatStats,
    readonly attempts: LoginAttempts | undefined,
  ) {}

  /**
   * True while `member`'s login answer is pending and it has not left: what a step of a
   * login asks after each pending answer of a port, before it goes on.
   */
  stillWanted(member: Member): boolean {
    return this.pending.has(member);
  }

  /** `member` left: a login of its that is pending is abandoned. */
  abandon(member: Member): void {
    this.pending.delete(member);
  }

  /** Logins whose answer is pending (a leak check, see Hub.tableSizes). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Run `attempt`, a login of `member`, under the policy. A synchronous attempt within
   * the allowance is answered synchronously: no promise, no microtask.
   */
  pass<R extends string>(member: Member, from: LoginFrom | undefined, attempt: () => Answer<R | Left>): Answer<R | LoginLimited> {
    const answer = this.run(member, from, attempt);
    if (!isPending(answer)) return answer === LEFT ? unanswered() : answer;
    this.pending.add(member);
    return answer.then(
      (result) => (result === LEFT || !this.pending.delete(member) ? unanswered<R | LoginLimited>() : result),
      (err: unknown) => {
        this.pending.delete(member);
        throw err;
      },
    );
  }

  private run<R extends string>(member: Member, from: LoginFrom | undefined, attempt: () => Answer<R | Left>): Answer<R | LoginLimited | Left> {
    const attempts = this.attempts;
    if (from === undefined || attempts === undefined) return attempt();
    const wait = attempts.begin(from.address, this.stats.dialect(member.dialect));
    if (wait > 0) return from.overAllowance === "refuse" ? "login_limited" : this.later(member, wait, from, attempt);
    let answer: Answer<R | Left>;
    try {
      answer = attempt();
    } catch (err) {
      attempts.end(from.address, false); // the server failed, not the client
      throw err;
    }
    if (!isPending(answer)) {
      attempts.end(from.address, answer !== LEFT && isRefusedLogin(answer));
      return answer;
    }
    return answer.then(
      (result) => {
        attempts.end(from.address, result !== LEFT && isRefusedLogin(result));
        return result;
      },
      (err: unknown) => {
        attempts.end(from.address, false);
        throw err;
      },
    );
  }

  /** Try again in `ms` (unless `member` has left by then: LEFT). */
  private later<R extends string>(member: Member, ms: number, from: LoginFrom, attempt: () => Answer<R | Left>): Promise<R | LoginLimited | Left> {
    return new Promise((resolve, reject) => {
      const retry = (): void => {
        try {
          resolve(this.pending.has(member) ? this.run(member, from, attempt) : LEFT);
        } catch (err) {
          reject(err); // a timer has no caller to throw to
        }
      };
      // One more millisecond: timers and Date.now() are different clocks, and a wake a
      // hair early would find the try not quite back and wait (and count) once more.
      setTimeout(retry, ms + 1);
    });
  }
}
