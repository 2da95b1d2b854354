/**
 * What several dialects' suites check the same way, whatever their bytes: the order of
 * a user list, and a server closing a connection that has gone unresponsive.
 */
import type { CaseInfo, CheckCase } from "../case.js";
import type { CheckContext } from "../context.js";
import type { StreamProbe } from "../probe/stream-probe.js";
import { fail } from "../verdict.js";

/** Every one of `names` is in `listed`, in the order given (others may come between). */
export function listedInOrder(listed: readonly string[], names: readonly string[]): boolean {
  const order = names.map((n) => listed.indexOf(n));
  return !order.some((i, k) => i < 0 || (k > 0 && i < order[k - 1]!));
}

/**
 * A case: three users join one after another (`join`), and the user list the first of
 * them then gets names them in that order. `list` asks for it: the names, what that user
 * sent, and the list as a failure report shows it.
 */
export function listInJoinOrder<U extends { readonly name: string }>(
  info: CaseInfo,
  join: (ctx: CheckContext) => Promise<U>,
  list: (first: U) => Promise<{ names: readonly string[]; sent: string; shown: string }>,
): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const users = [await join(ctx), await join(ctx), await join(ctx)];
      const { names, sent, shown } = await list(users[0]!);
      const joined = users.map((u) => u.name);
      if (!listedInOrder(names, joined)) fail({ sent, expected: `${joined.join(", ")} in this order`, got: shown });
    },
  };
}

/**
 * A case: the connection `setup` leaves unresponsive (never logged in, a frame left
 * half sent, a deliver left unacknowledged) is closed by the server within `ms` (some
 * suites scale it by --time-scale, some wait a fixed time); `expected` says why it should be.
 */
export function closedWhenUnresponsive(info: CaseInfo, setup: (ctx: CheckContext) => Promise<StreamProbe>, expected: string, ms: (ctx: CheckContext) => number): CheckCase {
  return {
    ...info,
    async run(ctx) {
      const probe = await setup(ctx);
      await probe.expectClosed(expected, ms(ctx));
    },
  };
}
