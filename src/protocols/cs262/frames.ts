/**
 * cs262 frames (seed 002, WIRE.md 4):
 * `version:u8 (=1) | command:u8 | data_len: 40-byte unsigned big-endian | data`,
 * data being ASCII strings joined by `|||` (an empty list is zero bytes).
 */

/** The only version there is; anything else is refused (seed: "messages must match"). */
export const VERSION = 1;
/** version (1) + command (1) + data_len (40). */
export const HEADER_BYTES = 42;
/** Width of the data_len field. */
export const LENGTH_BYTES = 40;
/** Joins the strings of a frame's data. */
export const SEPARATOR = "|||";

/** The wire's command numbers (seed 002, in its order): stable, do not reorder. */
export const Command = {
  Create: 1,
  List: 2,
  Send: 3,
  Deliver: 4,
  Delete: 5,
  Login: 6,
  Response: 7,
  ListResponse: 8,
} as const;

export type CommandNumber = (typeof Command)[keyof typeof Command];

export const COMMAND_NAMES: Record<CommandNumber, string> = {
  1: "CREATE",
  2: "LIST",
  3: "SEND",
  4: "DELIVER",
  5: "DELETE",
  6: "LOGIN",
  7: "RESPONSE",
  8: "LISTRESPONSE",
};

export type Cs262Frame =
  /** `[name]` or `[name, password]`: create an account and log in. */
  | { readonly command: typeof Command.Create; readonly name: string; readonly password: string | undefined }
  /** `[]` or `[pattern]`: account names matching the pattern (`*` wildcard). */
  | { readonly command: typeof Command.List; readonly pattern: string | undefined }
  /** `[sender, recipient, message]`, both ways: a client's message, or the server pushing one. */
  | { readonly command: typeof Command.Send; readonly sender: string; readonly recipient: string; readonly message: string }
  /** `[]`: send me the messages queued while I was offline. */
  | { readonly command: typeof Command.Deliver }
  /** `[]`: delete my account and its queue, then log out. */
  | { readonly command: typeof Command.Delete }
  /** `[name]` or `[name, password]`: log in to an account. */
  | { readonly command: typeof Command.Login; readonly name: string; readonly password: string | undefined }
  /** Server: `""` for success, else one error string. */
  | { readonly command: typeof Command.Response; readonly error: string }
  /** Server: the names a LIST matched. */
  | { readonly command: typeof Command.ListResponse; readonly names: readonly string[] };
