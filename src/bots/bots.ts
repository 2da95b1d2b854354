/**
 * Bots: ordinary hub users that live in the server process, so that people testing
 * their own clients have someone to talk to (seed 001's echobot and delaybot).
 * - echobot sends every direct message back to its sender;
 * - delaybot sends it back twice, the first copy written in two parts with a pause
 *   between them (a split delivery, src/transport/split-delivery.ts), so a client's
 *   line reassembly is exercised.
 * Bots answer people only, never each other (two bots would echo forever).
 *
 * The hub's answers may be pending (networked ports): a bot's login is waited for before
 * the bots count as started, and each reply's answer is taken as it comes (whenAnswered),
 * a failure logged, never an unhandled rejection.
 */
import { mapAnswer, whenAnswered, type Answer } from "../core/answer.js";
import type { DisconnectReason, JoinResult } from "../core/errors.js";
import type { HubEvent } from "../core/events.js";
import type { Hub } from "../core/hub.js";
import { foldName } from "../core/names.js";
import type { Member } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import { deliverSplit } from "../transport/split-delivery.js";

/** A bot's answer to `text` from `to`: the hub's answer to its (last) direct message. */
type Reply = (hub: Hub, bot: Member, to: string, text: string) => Answer<unknown>;

const REPLIES: Record<string, Reply> = {
  echobot: (hub, bot, to, text) => hub.direct(bot, to, text),
  // How the first copy is written is the transport's business, not the hub's: the bot
  // marks its hub.direct call, inside which the local router delivers it. The second
  // copy goes once the first is handed over, so the two keep their order over a
  // networked router too (at once, with the local one).
  delaybot: (hub, bot, to, text) => mapAnswer(deliverSplit(() => hub.direct(bot, to, text)), () => hub.direct(bot, to, text)),
};

export const BOT_NAMES: readonly string[] = Object.keys(REPLIES);

class Bot implements Member {
  readonly dialect = "bot";
  readonly wantsPresence = false;

  constructor(
    readonly name: string,
    private readonly hub: Hub,
    private readonly reply: Reply,
    private readonly isBot: (name: string) => boolean,
    private readonly log: Logger | undefined,
  ) {}

  deliver(event: HubEvent): boolean {
    if (event.kind === "direct" && !this.isBot(event.from)) {
      // Answer after the sender's own request is answered (its SEND-OK comes first).
      const { from, text } = event;
      setImmediate(() => {
        // No client, no connection: the bot itself is the boundary of this path.
        try {
          whenAnswered(this.reply(this.hub, this, from, text), IGNORED, this.failed);
        } catch (err) {
          this.failed(err);
        }
      });
    }
    return true;
  }

  disconnect(_reason: DisconnectReason): void {
    this.hub.leave(this);
  }

  private readonly failed = (err: unknown): void => {
    this.log?.error({ err, user: this.name, dialect: this.dialect }, "bot reply failed");
  };
}

/** A reply's outcome: whether the person got it is theirs to see, the bot has nothing to add. */
const IGNORED = (): void => undefined;

/**
 * Log the named bots in, one after the other; resolves once all are online. Rejects on
 * a name that is not a bot or is taken, with the bots logged in before it logged out.
 */
export async function startBots(hub: Hub, names: readonly string[], log?: Logger): Promise<{ stop(): void }> {
  const unknown = names.find((name) => REPLIES[name] === undefined);
  if (unknown !== undefined) throw new Error(`unknown bot "${unknown}" (known: ${BOT_NAMES.join(", ")})`);
  const folded = new Set(names.map(foldName));
  const isBot = (name: string): boolean => folded.has(foldName(name));
  const bots: Bot[] = [];
  const stop = (): void => bots.forEach((b) => hub.leave(b));
  for (const name of names) {
    const bot = new Bot(name, hub, REPLIES[name]!, isBot, log);
    bots.push(bot); // listed before its answer: a failure below logs out every bot tried so far
    let result: JoinResult;
    try {
      result = await hub.join(bot, name); // at start only: a networked registry answers later
    } catch (err) {
      stop();
      throw err;
    }
    if (result !== "ok") {
      stop();
      throw new Error(`bot ${name} cannot log in: ${result}`);
    }
  }
  return { stop };
}
