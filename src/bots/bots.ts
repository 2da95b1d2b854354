/**
 * Bots: ordinary hub users that live in the server process, so that people testing
 * their own clients have someone to talk to (seed 001's echobot and delaybot).
 * - echobot sends every direct message back to its sender;
 * - delaybot sends it back twice, the first copy written in two parts with a pause
 *   between them (a split delivery, src/transport/split-delivery.ts), so a client's
 *   line reassembly is exercised.
 * Bots answer people only, never each other (two bots would echo forever).
 */
import type { DisconnectReason } from "../core/errors.js";
import type { HubEvent } from "../core/events.js";
import type { Hub } from "../core/hub.js";
import { foldName } from "../core/names.js";
import type { Member } from "../core/ports.js";
import type { Logger } from "../log/ops-log.js";
import { deliverSplit } from "../transport/split-delivery.js";

type Reply = (hub: Hub, bot: Member, to: string, text: string) => void;

const REPLIES: Record<string, Reply> = {
  echobot: (hub, bot, to, text) => hub.direct(bot, to, text),
  delaybot: (hub, bot, to, text) => {
    // How the first copy is written is the transport's business, not the hub's.
    deliverSplit(() => hub.direct(bot, to, text));
    hub.direct(bot, to, text);
  },
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
          this.reply(this.hub, this, from, text);
        } catch (err) {
          this.log?.error({ err, user: this.name, dialect: this.dialect }, "bot reply failed");
        }
      });
    }
    return true;
  }

  disconnect(_reason: DisconnectReason): void {
    this.hub.leave(this);
  }
}

/** Log the named bots in; throws on a name that is not a bot or is taken. */
export function startBots(hub: Hub, names: readonly string[], log?: Logger): { stop(): void } {
  const folded = new Set(names.map(foldName));
  const isBot = (name: string): boolean => folded.has(foldName(name));
  const bots: Bot[] = [];
  for (const name of names) {
    const reply = REPLIES[name];
    if (reply === undefined) throw new Error(`unknown bot "${name}" (known: ${BOT_NAMES.join(", ")})`);
    const bot = new Bot(name, hub, reply, isBot, log);
    const result = hub.join(bot, name);
    if (result !== "ok") throw new Error(`bot ${name} cannot log in: ${result}`);
    bots.push(bot);
  }
  return { stop: () => bots.forEach((b) => hub.leave(b)) };
}
