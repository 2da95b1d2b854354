/** A FrameReader over the cs262 codec that records everything it emits, for codec tests. */
import { Cs262Codec } from "../../src/protocols/cs262/codec.js";
import type { Cs262Frame } from "../../src/protocols/cs262/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import { splitAt } from "./chunks.js";

export type Event =
  | { readonly kind: "frame"; readonly frame: Cs262Frame }
  | { readonly kind: "error"; readonly code: string; readonly message: string; readonly fatal: boolean };

export function recorder(maxFrameBytes = 64 * 1024) {
  const events: Event[] = [];
  const reader = new FrameReader<Cs262Frame>(
    new Cs262Codec(maxFrameBytes),
    {
      onFrame: (frame) => events.push({ kind: "frame", frame }),
      onBody: () => {
        throw new Error("cs262 frames have no bodies");
      },
      onBodyEnd: () => {
        throw new Error("cs262 frames have no bodies");
      },
      onDecodeError: (e) => events.push({ kind: "error", code: e.code, message: e.message, fatal: e.fatal }),
    },
    maxFrameBytes,
  );
  return { reader, events };
}

/** Feed `bytes` cut at `cuts` (positions, any order, duplicates allowed), each chunk a fresh copy. */
export function readChunked(bytes: Buffer, cuts: readonly number[], maxFrameBytes = 64 * 1024): Event[] {
  const { reader, events } = recorder(maxFrameBytes);
  for (const chunk of splitAt(bytes, cuts)) reader.push(chunk);
  return events;
}
