/**
 * Every dialect the server speaks, in the order `serve` starts them (and prints their
 * `listening` lines). Adding a dialect is a folder beside these, whose index.ts declares
 * it (src/protocols/dialect.ts), and one line here: `serve` then has its port setting
 * and its own settings, starts it, and /metrics and the status page count it.
 */
import { bcs } from "./bcs/index.js";
import { cs262 } from "./cs262/index.js";
import { gowing } from "./gowing/index.js";
import { lab } from "./lab/index.js";
import { udp } from "./udp/index.js";

export const DIALECTS = [lab, gowing, bcs, cs262, udp] as const;

export type BuiltInDialect = (typeof DIALECTS)[number];
