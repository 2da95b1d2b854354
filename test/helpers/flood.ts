/**
 * Floods and latency for the abuse tests: a writer that sends as fast as a socket takes
 * bytes, a counter of decoded frames, and round-trip timing with percentiles.
 */
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { FrameReader } from "../../src/transport/frame-reader.js";
import type { StreamCodec } from "../../src/transport/stream-codec.js";

export { sleep };

/**
 * Write `chunk` to `socket` again and again, as fast as the socket takes it (waiting for
 * 'drain' only when its buffer is full), until stop().
 */
export function floodSocket(socket: Socket, chunk: Buffer): { stop(): void } {
  let stopped = false;
  const pump = (): void => {
    while (!stopped && !socket.destroyed) {
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
  };
  socket.on("error", () => undefined);
  pump();
  return {
    stop: () => {
      stopped = true;
    },
  };
}

/** Decode everything a socket receives with `codec` and hand each frame to `onFrame`. */
export function onFrames<F>(socket: Socket, codec: StreamCodec<F>, onFrame: (frame: F) => void): void {
  const reader = new FrameReader<F>(
    codec,
    {
      onFrame,
      onBody: () => undefined,
      onBodyEnd: () => undefined,
      onDecodeError: (e) => {
        throw new Error(`the server sent an undecodable frame: ${e.message}`);
      },
    },
    1 << 20,
  );
  socket.on("data", (chunk: Buffer) => reader.push(Buffer.from(chunk)));
}

/** Count complete newline-terminated lines a socket receives, by their text. */
export function countLines(socket: Socket): Map<string, number> {
  const counts = new Map<string, number>();
  let partial = "";
  socket.on("data", (d: Buffer) => {
    partial += d.toString("utf8");
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl).replace(/\r$/, "");
      partial = partial.slice(nl + 1);
      counts.set(line, (counts.get(line) ?? 0) + 1);
    }
  });
  return counts;
}

/** Run `roundTrip` `rounds` times one after another, `gapMs` apart; its durations in ms. */
export async function timeRoundTrips(rounds: number, gapMs: number, roundTrip: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await roundTrip();
    samples.push(performance.now() - t0);
    await sleep(gapMs);
  }
  return samples;
}

/** The nearest-rank percentile `p` (0-100) of `samples`. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The most a token bucket lets through in `elapsedMs` (the burst, then the rate), and a little slack. */
export function rateCeiling(rate: number, burst: number, elapsedMs: number, slack = 3): number {
  return burst + (rate * elapsedMs) / 1000 + slack;
}
