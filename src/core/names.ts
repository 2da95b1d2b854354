/** Name rules of docs/wire.md#names: 1-32 of `A-Z a-z 0-9 _ - .`, case-insensitive, `server` reserved. */

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** The pseudo-user that speaks for the server in every dialect. */
export const SERVER_NAME = "server";

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** The key under which a name is unique. Names are ASCII, so lower-casing is exact. */
export function foldName(name: string): string {
  return name.toLowerCase();
}
