/**
 * Bytes as a failure report shows them: text dialects as quoted text with escapes for
 * control bytes (so a missing `\n` is visible), binary dialects as hex bytes. Long
 * captures are cut, saying how much was left out.
 */
export type WireView = "text" | "hex";

const MAX_SHOWN = 512;

export function showBytes(bytes: Uint8Array, view: WireView): string {
  if (bytes.length === 0) return "(nothing)";
  const shown = bytes.subarray(0, MAX_SHOWN);
  const more = bytes.length > MAX_SHOWN ? ` ... (${bytes.length - MAX_SHOWN} more bytes)` : "";
  return (view === "hex" ? hex(shown) : quoted(shown)) + more;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex").replace(/(..)(?!$)/g, "$1 ");
}

function quoted(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}
