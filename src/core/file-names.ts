/**
 * The rule for stored file names (docs/wire.md#files): one safe path component. The server's
 * file stores refuse any other name, and the bcs client checks it before asking, so
 * both say the same thing. Pure: no I/O, shared by server and client.
 */

const MAX_NAME_BYTES = 255;

/** Why a stored name is refused, or undefined when it is safe. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return "empty file name";
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) return "file name longer than 255 bytes";
  if (name.startsWith(".")) return "file name starts with a dot";
  if (name.includes("..")) return "file name contains ..";
  // Separators of any platform, NUL and other control characters never reach the disk.
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return "file name contains a separator or control character";
  return undefined;
}
