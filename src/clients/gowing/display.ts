/**
 * What the client prints and the checks it makes on names itself (seed 003: "The name
 * may not contain spaces", "the client should reject" blank names).
 */

// C0 controls except tab, DEL, and C1 controls: a peer must not move the cursor or clear
// the screen, and one printed line is one line the server sent.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ").replace(CONTROL, "?");
}

/** Why the client will not even ask the server for `name`, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === "") return "a name may not be blank";
  if (/\s/.test(name)) return "a name may not contain spaces";
  return undefined;
}

export const EXIT_COMMAND = "@exit";
export const NAME_PROMPT = "Enter another name: ";
export const chatPrompt = (name: string): string => `${name}> `;
