import { InvalidArgumentError } from "commander";
import { BOT_NAMES } from "../bots/bots.js";

/** `--bots echobot,delaybot`: a comma-separated list of known bots. */
export function parseBots(value: string): string[] {
  const names = value.split(",").map((n) => n.trim()).filter((n) => n !== "");
  for (const n of names) {
    if (!BOT_NAMES.includes(n)) throw new InvalidArgumentError(`unknown bot "${n}" (known: ${BOT_NAMES.join(", ")})`);
  }
  return [...new Set(names)];
}
