/**
 * What the client prints and the checks it makes on names itself (seed 003: "The name
 * may not contain spaces", "the client should reject" blank names).
 */

export { printable } from "../shared/printable.js";

/** Why the client will not even ask the server for `name`, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === "") return "a name may not be blank";
  if (/\s/.test(name)) return "a name may not contain spaces";
  return undefined;
}

export const EXIT_COMMAND = "@exit";
export const NAME_PROMPT = "Enter another name: ";
export const chatPrompt = (name: string): string => `${name}> `;
