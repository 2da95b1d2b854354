/** A FrameReader over the bcs codec that records everything it emits, for codec tests. */
import { BcsCodec } from "../../src/protocols/bcs/codec.js";
import type { BcsFrame } from "../../src/protocols/bcs/frames.js";
import { FrameReader } from "../../src/transport/frame-reader.js";
import type { CodecError } from "../../src/transport/stream-codec.js";

export type Event =
  | { readonly kind: "frame"; readonly frame: BcsFrame }
  | { readonly kind: "body"; readonly bytes: Buffer }
  | { readonly kind: "end" }
  | { readonly kind: "error"; readonly code: string; readonly message: string; readonly fatal: boolean };

/** Bodies are copied, so later reuse of a pushed buffer cannot change what was recorded. */
export function recorder(maxFrameBytes = 64 * 1024, maxBuffered = maxFrameBytes) {
  const events: Event[] = [];
  const reader = new FrameReader<BcsFrame>(
    new BcsCodec(maxFrameBytes),
    {
      onFrame: (frame) => events.push({ kind: "frame", frame }),
      onBody: (chunk) => events.push({ kind: "body", bytes: Buffer.from(chunk) }),
      onBodyEnd: () => events.push({ kind: "end" }),
      onDecodeError: (e: CodecError) => events.push({ kind: "error", code: e.code, message: e.message, fatal: e.fatal }),
    },
    maxBuffered,
  );
  return { reader, events };
}

/** Events with consecutive body chunks merged, so that different chunkings compare equal. */
export function merged(events: readonly Event[]): Event[] {
  const out: Event[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.kind === "body" && last?.kind === "body") out[out.length - 1] = { kind: "body", bytes: Buffer.concat([last.bytes, e.bytes]) };
    else out.push(e);
  }
  return out;
}
