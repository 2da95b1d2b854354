/**
 * Text rendering rules shared by dialects (docs/wire.md#text): ASCII dialects get each
 * non-ASCII code point as one `?`; a dialect whose framing cannot delimit a character
 * gets a space in its place. Both return the input unchanged (no copy) when it is clean.
 */

const NON_ASCII = /[^\x00-\x7f]/u;
const NON_ASCII_ALL = /[^\x00-\x7f]/gu; // `u`: a surrogate pair is one code point, one `?`

/** For cs262 and gowing: every non-ASCII code point becomes `?`. */
export function asciiOnly(text: string): string {
  return NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, "?") : text;
}

const LINE_BREAK_ALL = /[\r\n]/g;

/** For newline-framed dialects: CR and LF become spaces. */
export function singleLine(text: string): string {
  // Two string searches: about a third of a regular expression's test (bench lab-dm: one per delivery).
  return text.indexOf("\n") < 0 && text.indexOf("\r") < 0 ? text : text.replace(LINE_BREAK_ALL, " ");
}
