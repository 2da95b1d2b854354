/**
 * cs262 frames (seed 002, docs/cs262.md#frames):
 * `version:u8 | command:u8 | data_len: 40-byte unsigned big-endian | data`,
 * data being ASCII strings joined by `|||` (an empty list is zero bytes).
 *
 * Two numberings, told apart by the version byte: version 1 (Switchboard's, 1-8) and
 * version 0 (zackziegler95/chatbot, the implementation the seed's README comes from,
 * 0-7, the same commands in the same order). Frames in memory always carry the
 * version-1 numbers (`Command`); only the codec sees a version-0 byte.
 */

/** Switchboard's numbering, the default. */
export const VERSION = 1;
/** The original implementation's numbering. */
export const ORIGINAL_VERSION = 0;
export type WireVersion = typeof VERSION | typeof ORIGINAL_VERSION;

export function isWireVersion(byte: number): byte is WireVersion {
  return byte === VERSION || byte === ORIGINAL_VERSION;
}

/** The command byte of `command` in `version`'s numbering (version 0 counts from 0). */
export function wireCommand(command: CommandNumber, version: WireVersion): number {
  return version === ORIGINAL_VERSION ? command - 1 : command;
}

/** The `Command` a byte means in `version`'s numbering, or undefined for none. */
export function commandOf(byte: number, version: WireVersion): CommandNumber | undefined {
  const command = version === ORIGINAL_VERSION ? byte + 1 : byte;
  return command >= Command.Create && command <= Command.ListResponse ? (command as CommandNumber) : undefined;
}
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

/**
 * A frame; `version` is the numbering it came in (set by the decoder; absent means
 * version 1, and frames built to be sent leave it out).
 */
export type Cs262Frame = Cs262Command & { readonly version?: WireVersion };

type Cs262Command =
  /** `[name]` or `[name, password]`: create an account and log in. */
  | { readonly command: typeof Command.Create; readonly name: string; readonly password: string | undefined }
  /** `[]` or `[pattern]`: account names matching the pattern (`*` in version 1, a shell glob in version 0). */
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
