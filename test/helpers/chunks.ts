/**
 * Cut `bytes` at `cuts` (positions, any order, duplicates and out-of-range allowed) into
 * chunks, each a fresh copy as a socket gives them: how property tests feed a stream
 * under arbitrary chunking.
 */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(from, p)));
    from = p;
  }
  return chunks;
}
